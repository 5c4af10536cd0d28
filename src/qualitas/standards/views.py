from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from qualitas.accounts.selectors import process_list
from qualitas.core.permissions import has_perm
from qualitas.standards import selectors


@login_required
def index(request):
    return render(
        request,
        "standards/index.html",
        {
            "editions": selectors.edition_list(request.user),
            "table": selectors.correspondence(request.user),
            "current": selectors.current_editions(request.user),
        },
    )


@login_required
def edition(request, slug: str):
    edition = selectors.edition_get(request.user, slug)
    clauses = selectors.clause_list(request.user, edition)
    processes_by_clause: dict[int, list] = {}
    if has_perm(request.user, "organisation", "view"):
        for process in process_list(request.user).filter(clauses__edition=edition).distinct():
            for clause in process.clauses.all():
                processes_by_clause.setdefault(clause.pk, []).append(process)
    rows = [{"clause": clause, "processes": processes_by_clause.get(clause.pk, [])} for clause in clauses]
    return render(request, "standards/edition.html", {"edition": edition, "rows": rows})
