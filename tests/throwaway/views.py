from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.utils.html import escape

from qualitas.core.permissions import has_perm
from tests.throwaway import selectors


@login_required
def suggestion_list(request):
    if not has_perm(request.user, "suggestions", "view"):
        raise PermissionDenied("You do not have permission to view suggestions.")
    rows = "".join(f"<li>{escape(s)} ({escape(s.site or 'all sites')})</li>"
                   for s in selectors.suggestions_visible(request.user))
    return HttpResponse(f"<ul>{rows}</ul>")


@login_required
def suggestion_detail(request, pk: int):
    return HttpResponse(escape(str(selectors.suggestion_get(request.user, pk))))
