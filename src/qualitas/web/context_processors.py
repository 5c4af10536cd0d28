from __future__ import annotations

from django.conf import settings
from django.urls import NoReverseMatch, get_resolver, get_script_prefix, get_urlconf, reverse

from qualitas.core.permissions import modules_visible
from qualitas.core.registry import registry

# The navigation's URLs, reversed once per URLconf and script prefix rather than on every page (a
# dozen reverse() calls were a tenth of a small page's time). URLs only: what a person may open is
# decided on every request (modules_visible, from the request's user).
_nav_urls: dict = {"key": None, "urls": {}}


def _nav_url(name: str) -> str | None:
    key = (get_resolver(get_urlconf()), get_script_prefix())
    if _nav_urls["key"] != key:
        _nav_urls["key"], _nav_urls["urls"] = key, {}
    urls = _nav_urls["urls"]
    if name not in urls:
        try:
            urls[name] = reverse(name)
        except NoReverseMatch:
            urls[name] = None
    return urls[name]


def shell(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"demo_mode": settings.DEMO_MODE}
    entries = []
    for module in sorted(modules_visible(user, registry.modules.values()), key=lambda m: (m.order, m.label)):
        url = _nav_url(module.url_name)
        if url is None:
            continue
        entries.append({"module": module, "url": url, "active": request.path.startswith(url) and url != "/"})
    return {
        "nav_modules": [entry for entry in entries if entry["module"].section == "modules"],
        "nav_admin": [entry for entry in entries if entry["module"].section == "admin"],
        "demo_mode": settings.DEMO_MODE,
    }
