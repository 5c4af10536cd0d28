from django.urls import include, path

from qualitas.accounts.urls import administration_patterns, auth_patterns, organisation_patterns
from qualitas.core.api import create_api
from qualitas.web import views as web_views

api = create_api()

urlpatterns = [
    path("", web_views.home, name="home"),
    path("search/", web_views.search, name="search"),
    *auth_patterns,
    path("organisation/", include(organisation_patterns)),
    path("administration/", include(administration_patterns)),
    path("standards/", include("qualitas.standards.urls")),
    path("documents/", include("qualitas.documents.urls")),
    path("actions/", include("qualitas.actions.urls")),
    path("quality/", include("qualitas.capa.urls")),
    path("measurements/", include("qualitas.measurements.urls")),
    path("records/", include("qualitas.core.audit.urls")),
    path("signatures/", include("qualitas.core.signatures.urls")),
    path("workflow/", include("qualitas.core.workflow.urls")),
    path("links/", include("qualitas.core.links.urls")),
    path("files/", include("qualitas.core.files.urls")),
    path("tasks/", include("qualitas.core.tasks.urls")),
    path("notifications/", include("qualitas.core.notifications.urls")),
    path("api/v1/", api.urls),
]

handler403 = "qualitas.web.views.forbidden"
handler404 = "qualitas.web.views.not_found"
handler500 = "qualitas.web.views.server_error"
