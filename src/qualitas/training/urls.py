from django.urls import path

from qualitas.training import views, views_setup

app_name = "training"

urlpatterns = [
    path("", views.home, name="home"),
    path("matrix/", views.matrix, name="matrix"),
    path("me/", views.me, name="me"),
    path("people/<int:pk>/", views.person, name="person"),
    path("assignments/", views.assignment_list, name="assignments"),
    path("assignments/<int:pk>/", views.assignment_detail, name="assignment"),
    path("records/", views.record_list, name="records"),
    path("records/new/", views.record_new, name="record-new"),
    path("records/<int:pk>/", views.record_detail, name="record"),
    path("positions/", views_setup.position_list, name="positions"),
    path("positions/new/", views_setup.position_new, name="position-new"),
    path("positions/<int:pk>/", views_setup.position_detail, name="position"),
    path("positions/<int:pk>/edit/", views_setup.position_edit, name="position-edit"),
    path("positions/<int:pk>/holders/", views_setup.holding_new, name="holding-new"),
    path("positions/<int:pk>/apply/", views_setup.position_apply, name="position-apply"),
    path("holdings/<int:pk>/end/", views_setup.holding_end, name="holding-end"),
    path("requirements/", views_setup.requirement_list, name="requirements"),
    path("requirements/new/", views_setup.requirement_new, name="requirement-new"),
    path("requirements/<int:pk>/", views_setup.requirement_detail, name="requirement"),
    path("requirements/<int:pk>/edit/", views_setup.requirement_edit, name="requirement-edit"),
    path("requirements/<int:pk>/apply/", views_setup.requirement_apply, name="requirement-apply"),
    path("applies-to/<int:pk>/remove/", views_setup.applicability_remove, name="applicability-remove"),
    path("curricula/", views_setup.curriculum_list, name="curricula"),
    path("curricula/new/", views_setup.curriculum_new, name="curriculum-new"),
    path("curricula/<int:pk>/", views_setup.curriculum_detail, name="curriculum"),
    path("curricula/<int:pk>/edit/", views_setup.curriculum_edit, name="curriculum-edit"),
    path("curricula/<int:pk>/apply/", views_setup.curriculum_apply, name="curriculum-apply"),
]
