"""Pages of checklists, question templates, finding grades and findings (app namespace "audits")."""

from django.urls import path

from qualitas.audits import views_checklists as views

urlpatterns = [
    path("<int:pk>/checklist/", views.checklist, name="checklist"),
    path("<int:pk>/checklist/generate/", views.checklist_generate, name="checklist-generate"),
    path("<int:pk>/checklist/add/", views.question_add, name="question-add"),
    path("questions/<int:pk>/answer/", views.question_answer, name="question-answer"),
    path("questions/<int:pk>/move/", views.question_move, name="question-move"),
    path("questions/<int:pk>/remove/", views.question_remove, name="question-remove"),
    path("questions/<int:pk>/evidence/", views.question_evidence, name="question-evidence"),
    path("question-templates/", views.question_template_list, name="question-template-list"),
    path("question-templates/new/", views.question_template_form, name="question-template-new"),
    path("question-templates/<int:pk>/edit/", views.question_template_form, name="question-template-edit"),
    path("finding-grades/", views.grade_list, name="grade-list"),
    path("findings/", views.finding_list, name="finding-list"),
    path("findings/new/", views.finding_new, name="finding-new"),
    path("findings/<int:pk>/", views.finding_detail, name="finding-detail"),
    path("findings/<int:pk>/edit/", views.finding_edit, name="finding-edit"),
    path("findings/<int:pk>/respond/", views.finding_respond, name="finding-respond"),
    path("findings/<int:pk>/verify/", views.finding_verify, name="finding-verify"),
]
