"""Notification pages: the list (mark one or all read, open), and the user's delivery preferences."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from qualitas.core.notifications import selectors, services
from qualitas.core.notifications.forms import PreferenceForm


@login_required
def notification_list(request):
    unread_only = request.GET.get("show") == "unread"
    page = Paginator(selectors.notification_list(request.user, unread_only=unread_only), 50).get_page(
        request.GET.get("page"))
    return render(request, "notifications/list.html", {
        "page": page, "notifications": page.object_list, "unread_only": unread_only,
        "unread": selectors.unread_count(request.user),
    })


@login_required
@require_POST
def mark_read(request, notification_id: int):
    notification = selectors.notification_get(request.user, notification_id)
    services.notification_mark_read(actor=request.user, notification=notification)
    if request.headers.get("HX-Request"):
        return render(request, "notifications/_item.html", {"notification": notification})
    return redirect("notifications:list")


@login_required
@require_POST
def mark_all_read(request):
    count = services.notifications_mark_all_read(actor=request.user)
    messages.success(request, f"{count} notification{'s' if count != 1 else ''} marked as read.")
    return redirect("notifications:list")


@login_required
def open_notification(request, notification_id: int):
    """Mark the notification read and go to what it is about."""
    notification = selectors.notification_get(request.user, notification_id)
    services.notification_mark_read(actor=request.user, notification=notification)
    target = notification.url
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return redirect(target)
    return redirect("notifications:list")


@login_required
def preferences(request):
    current = services.preference_for(request.user)
    form = PreferenceForm(request.POST or None, initial={"delivery": current.delivery, "email": current.email})
    if request.method == "POST" and form.is_valid():
        services.preference_update(actor=request.user, user=request.user, **form.cleaned_data)
        messages.success(request, "Your notification settings are saved.")
        return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form, "has_email": bool(request.user.email)})
