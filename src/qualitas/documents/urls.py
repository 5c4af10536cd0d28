from django.urls import path

from qualitas.documents import views

app_name = "documents"
urlpatterns = [
    path("", views.document_list, name="list"),
    path("new/", views.document_new, name="new"),
    path("review-due/", views.review_due, name="review-due"),
    path("types/", views.type_list, name="types"),
    path("types/new/", views.type_form, name="type-new"),
    path("types/<str:code>/", views.type_form, name="type-edit"),
    path("change-requests/<int:request_id>/decide/", views.change_request_decide, name="change-request-decide"),
    path("<int:document_id>/", views.document_detail, name="detail"),
    path("<int:document_id>/compare/", views.compare, name="compare"),
    path("<int:document_id>/new-revision/", views.revision_new, name="revision-new"),
    path("<int:document_id>/periodic-review/", views.periodic_review, name="periodic-review"),
    path("<int:document_id>/change-request/", views.change_request, name="change-request"),
    path("<int:document_id>/distribution/", views.distribution_add, name="distribution-add"),
    path("<int:document_id>/distribution/edit/", views.distribution_edit, name="distribution-edit"),
    path(
        "<int:document_id>/distribution/<int:entry_id>/remove/", views.distribution_remove, name="distribution-remove"
    ),
    path("<int:document_id>/revisions/<int:revision_id>/", views.revision_detail, name="revision"),
    path("<int:document_id>/revisions/<int:revision_id>/edit/", views.revision_edit, name="revision-edit"),
    path("<int:document_id>/revisions/<int:revision_id>/route/", views.revision_route, name="revision-route"),
    path("<int:document_id>/revisions/<int:revision_id>/upload/", views.revision_upload, name="revision-upload"),
    path("<int:document_id>/revisions/<int:revision_id>/approve/", views.approve, name="approve"),
    path("<int:document_id>/revisions/<int:revision_id>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("<int:document_id>/revisions/<int:revision_id>/pdf/", views.revision_pdf, name="pdf"),
    path("preview/", views.markdown_preview, name="preview"),
    path(
        "<int:document_id>/revisions/<int:revision_id>/comments/", views.comment_add, name="comment-add"
    ),
    path(
        "<int:document_id>/revisions/<int:revision_id>/comments/<int:comment_id>/",
        views.comment_respond,
        name="comment-respond",
    ),
]
