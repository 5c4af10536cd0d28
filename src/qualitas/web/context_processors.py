from __future__ import annotations

from django.conf import settings
from django.urls import NoReverseMatch, reverse

from qualitas.core.permissions import modules_visible
from qualitas.core.registry import registry


def shell(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"demo_mode": settings.DEMO_MODE}
    entries = []
    for module in sorted(modules_visible(user, registry.modules.values()), key=lambda m: (m.order, m.label)):
        try:
            url = reverse(module.url_name)
        except NoReverseMatch:
            continue
        entries.append({"module": module, "url": url, "active": request.path.startswith(url) and url != "/"})
    return {
        "nav_modules": [entry for entry in entries if entry["module"].section == "modules"],
        "nav_admin": [entry for entry in entries if entry["module"].section == "admin"],
        "demo_mode": settings.DEMO_MODE,
    }
