from django.urls import path

from qualitas.core.links import views

app_name = "links"
urlpatterns = [
    path("<str:record_type>/<int:record_id>/", views.panel, name="panel"),
    path("<str:record_type>/<int:record_id>/add/", views.add, name="add"),
    path("<str:record_type>/<int:record_id>/<int:link_id>/remove/", views.remove, name="remove"),
]
