from django.urls import include, path

from qualitas.audits import views

app_name = "audits"

urlpatterns = [
    path("", views.home, name="home"),
    path("programmes/", views.programme_list, name="programme-list"),
    path("programmes/new/", views.programme_new, name="programme-new"),
    path("programmes/<int:pk>/", views.programme_detail, name="programme-detail"),
    path("programmes/<int:pk>/edit/", views.programme_edit, name="programme-edit"),
    path("programmes/<int:pk>/frequencies/", views.programme_frequencies, name="programme-frequencies"),
    path("programmes/<int:pk>/frequencies/decide/", views.frequency_decide, name="frequency-decide"),
    path("programmes/<int:pk>/coverage/", views.programme_coverage, name="programme-coverage"),
    path("list/", views.audit_list, name="audit-list"),
    path("new/", views.audit_new, name="audit-new"),
    path("<int:pk>/", views.audit_detail, name="audit-detail"),
    path("<int:pk>/edit/", views.audit_edit, name="audit-edit"),
    path("<int:pk>/team/", views.team_add, name="team-add"),
    path("<int:pk>/team/<int:member_id>/remove/", views.team_remove, name="team-remove"),
    path("<int:pk>/auditees/", views.auditee_add, name="auditee-add"),
    path("<int:pk>/auditees/<int:auditee_id>/remove/", views.auditee_remove, name="auditee-remove"),
    path("<int:pk>/exceptions/", views.exception_request, name="exception-request"),
    path("<int:pk>/exceptions/<int:exception_id>/approve/", views.exception_approve, name="exception-approve"),
    path("<int:pk>/plan.pdf", views.plan_pdf, name="audit-plan-pdf"),
    path("<int:pk>/plan/send/", views.plan_send, name="audit-plan-send"),
    path("", include("qualitas.audits.urls_checklists")),
    path("", include("qualitas.audits.urls_report")),
]
