from django.urls import path

from qualitas.core.audit import views

app_name = "audit"
urlpatterns = [
    path("audit-trail/", views.trail, name="trail"),
    path("<str:record_type>/<int:record_id>/history/", views.history, name="history"),
    path("<str:record_type>/<int:record_id>/export.json", views.export_json, name="export-json"),
    path("<str:record_type>/<int:record_id>/export.pdf", views.export_pdf, name="export-pdf"),
]
