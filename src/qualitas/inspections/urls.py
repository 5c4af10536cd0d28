from django.urls import path

from qualitas.inspections import views

app_name = "inspections"

urlpatterns = [
    path("", views.item_list, name="items"),
    path("items/new/", views.item_new, name="item-new"),
    path("items/<int:pk>/", views.item_detail, name="item"),
    path("items/<int:pk>/edit/", views.item_edit, name="item-edit"),
    path("plans/", views.plan_list, name="plans"),
    path("plans/new/", views.plan_new, name="plan-new"),
    path("plans/<int:pk>/", views.plan_detail, name="plan"),
    path("plans/<int:pk>/edit/", views.plan_edit, name="plan-edit"),
    path("plans/<int:pk>/characteristics/", views.characteristic_add, name="characteristic-add"),
    path("characteristics/<int:pk>/edit/", views.characteristic_edit, name="characteristic-edit"),
    path("lots/", views.lot_list, name="lots"),
    path("lots/new/", views.lot_new, name="lot-new"),
    path("lots/<int:pk>/", views.lot_detail, name="lot"),
    path("switching/<int:pk>/", views.state_detail, name="state"),
    path("switching/<int:pk>/approve-reduced/", views.reduced_approve, name="approve-reduced"),
    path("switching/<int:pk>/resume/", views.resume, name="resume"),
]
