from django.urls import path

from qualitas.capa import views, views_customers

app_name = "capa"

urlpatterns = [
    path("", views_customers.improvement_dashboard, name="dashboard"),
    path("nonconformities/", views.nonconformity_list, name="nc-list"),
    path("nonconformities/new/", views.nonconformity_new, name="nc-new"),
    path("nonconformities/similar/", views.nonconformity_similar, name="nc-similar"),
    path("nonconformities/<int:pk>/", views.nonconformity_detail, name="nc-detail"),
    path("nonconformities/<int:pk>/edit/", views.nonconformity_edit, name="nc-edit"),
    path("nonconformities/<int:pk>/evaluate/", views.nonconformity_evaluate, name="nc-evaluate"),
    path("nonconformities/<int:pk>/dispositions/", views.disposition_propose, name="nc-disposition"),
    path("capas/", views.capa_list, name="capa-list"),
    path("capas/new/", views.capa_new, name="capa-new"),
    path("capas/<int:pk>/", views.capa_detail, name="capa-detail"),
    path("capas/<int:pk>/edit/", views.capa_edit, name="capa-edit"),
    path("capas/<int:pk>/analysis/", views.capa_analysis, name="capa-analysis"),
    path("capas/<int:pk>/effectiveness/", views.effectiveness_check, name="capa-effectiveness"),
    path("capas/<int:pk>/link/", views.capa_link_nc, name="capa-link-nc"),
    path("capas/<int:pk>/8d/", views.capa_8d, name="capa-8d"),
    path("complaints/", views_customers.complaint_list, name="complaint-list"),
    path("complaints/new/", views_customers.complaint_new, name="complaint-new"),
    path("complaints/<int:pk>/", views_customers.complaint_detail, name="complaint-detail"),
    path("satisfaction/", views_customers.satisfaction, name="satisfaction"),
    path("severities/", views_customers.severities, name="severities"),
]
