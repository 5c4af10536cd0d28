from django.urls import path

from qualitas.core.signatures import views

app_name = "signatures"
urlpatterns = [
    path("policy/", views.policy, name="policy"),
    path("attestations/", views.attestations, name="attestations"),
    path("<str:record_type>/<int:record_id>/", views.panel, name="panel"),
]
