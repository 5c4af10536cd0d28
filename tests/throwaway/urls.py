from django.urls import path

from tests.throwaway import views

app_name = "suggestions"
urlpatterns = [
    path("", views.suggestion_list, name="list"),
    path("<int:pk>/", views.suggestion_detail, name="detail"),
]
