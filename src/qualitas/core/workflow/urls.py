from django.urls import path

from qualitas.core.workflow import views

app_name = "workflow"
urlpatterns = [
    path("<str:record_type>/<int:record_id>/", views.panel, name="panel"),
    path("<str:record_type>/<int:record_id>/<slug:name>/", views.step, name="step"),
]
