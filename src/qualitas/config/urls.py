"""The URLs are those the installed modules declare in their module.py (see qualitas.core.modules)."""

from django.urls import path

from qualitas.core.api import create_api
from qualitas.core.modules import url_patterns

api = create_api()

urlpatterns = [
    *url_patterns(),
    path("api/v1/", api.urls),
]

handler403 = "qualitas.web.views.forbidden"
handler404 = "qualitas.web.views.not_found"
handler500 = "qualitas.web.views.server_error"
