from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from qualitas.core.permissions import modules_visible
from qualitas.core.readcache import remembered
from qualitas.core.registry import registry
from qualitas.web import selectors


@login_required
@remembered
def home(request):
    tasks = selectors.my_tasks(request.user)
    modules = sorted(modules_visible(request.user, registry.modules.values()), key=lambda m: (m.order, m.label))
    return render(
        request,
        "web/home.html",
        {
            "tasks": tasks,
            "overdue_count": sum(1 for task in tasks if task.overdue),
            "modules": [module for module in modules if module.section == "modules"],
        },
    )


@login_required
@remembered
def search(request):
    query = request.GET.get("q", "")[:200]
    hits = selectors.search(request.user, query, limit=8 if request.headers.get("HX-Request") else 50)
    template = "web/_search_results.html" if request.headers.get("HX-Request") else "web/search.html"
    return render(request, template, {"query": query, "hits": hits})


def forbidden(request, exception=None):
    from qualitas.core.audit.services import log_permission_denied

    log_permission_denied(request, str(exception or ""))
    return render(request, "403.html", {"message": str(exception or "")}, status=403)


def not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    return render(request, "500.html", status=500)
