from django.urls import path

from qualitas.measurements import views

app_name = "measurements"
urlpatterns = [
    path("", views.characteristic_list, name="list"),
    path("new/", views.characteristic_new, name="new"),
    path("<int:characteristic_id>/", views.characteristic_detail, name="detail"),
    path("<int:characteristic_id>/edit/", views.characteristic_edit, name="edit"),
    path("<int:characteristic_id>/chart/", views.chart_partial, name="chart"),
    path("<int:characteristic_id>/chart.pdf", views.chart_pdf, name="chart-pdf"),
    path("<int:characteristic_id>/entry/", views.entry, name="entry"),
    path("<int:characteristic_id>/upload/", views.upload, name="upload"),
    path("<int:characteristic_id>/freeze/", views.freeze, name="freeze"),
    path("<int:characteristic_id>/release/", views.release, name="release"),
    path("<int:characteristic_id>/capability/", views.capability, name="capability"),
    path("<int:characteristic_id>/capability.pdf", views.capability_pdf, name="capability-pdf"),
    path("subgroups/<int:subgroup_id>/", views.subgroup_detail, name="subgroup"),
    path("subgroups/<int:subgroup_id>/correct/", views.subgroup_correct, name="subgroup-correct"),
    path("subgroups/<int:subgroup_id>/exclusion/", views.subgroup_exclusion, name="subgroup-exclusion"),
    path("values/<int:measurement_id>/correct/", views.value_correct, name="value-correct"),
    path("signals/<int:signal_id>/acknowledge/", views.signal_acknowledge, name="signal-acknowledge"),
]
