from django.urls import path

from qualitas.audits import views_report

urlpatterns = [
    path("dashboard/", views_report.dashboard, name="dashboard"),
    path("<int:pk>/report/", views_report.report, name="report"),
    path("<int:pk>/report/edit/", views_report.report_edit, name="report-edit"),
    path("<int:pk>/report/pdf/", views_report.report_pdf, name="report-pdf"),
]
