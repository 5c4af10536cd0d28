from django.urls import path

from qualitas.core.jobs import views as job_views
from qualitas.core.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.notification_list, name="list"),
    path("read-all/", views.mark_all_read, name="read-all"),
    path("preferences/", views.preferences, name="preferences"),
    path("<int:notification_id>/read/", views.mark_read, name="read"),
    path("<int:notification_id>/open/", views.open_notification, name="open"),
    path("jobs/", job_views.runs, name="jobs"),
]
