from django.urls import path

from qualitas.core.files import views

app_name = "files"
urlpatterns = [
    path("<int:attachment_id>/download/", views.download, name="download"),
    path("<int:attachment_id>/withdraw/", views.withdraw, name="withdraw"),
    path("<str:record_type>/<int:record_id>/", views.panel, name="panel"),
    path("<str:record_type>/<int:record_id>/upload/", views.upload, name="upload"),
]
