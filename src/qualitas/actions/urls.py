from django.urls import path

from qualitas.actions import views

app_name = "actions"

urlpatterns = [
    path("", views.action_list, name="list"),
    path("new/", views.action_new, name="new"),
    path("<int:pk>/", views.action_detail, name="detail"),
    path("<int:pk>/edit/", views.action_edit, name="edit"),
    path("<int:pk>/reopen/", views.action_reopen, name="reopen"),
]
