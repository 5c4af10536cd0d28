from django.urls import path

from qualitas.standards import views

app_name = "standards"
urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:slug>/", views.edition, name="edition"),
]
