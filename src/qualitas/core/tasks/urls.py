from django.urls import path

from qualitas.core.tasks import views

app_name = "tasks"
urlpatterns = [
    path("", views.task_list, name="list"),
    path("<int:task_id>/complete/", views.task_complete, name="complete"),
]
