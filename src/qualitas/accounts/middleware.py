from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

LOGIN_AT = "qualitas_login_at"
REFRESHED_AT = "qualitas_refreshed_at"  # when the session row and cookie were last saved (epoch seconds)
REFRESH_EVERY = 60  # seconds: the idle timeout is the session age, to within this

# What a user who must change their password may still open: the change itself and signing out.
PASSWORD_CHANGE_OPEN = ("password-change", "logout", "login", "login-verify")


class SessionRefreshMiddleware:
    """The idle timeout without a write per read: a signed-in session is saved (its expiry moved to
    SESSION_COOKIE_AGE from now, its cookie sent again) at most once every REFRESH_EVERY seconds,
    instead of on every request (SESSION_SAVE_EVERY_REQUEST), which on SQLite would queue every reader
    behind the one writer. A session idle for SESSION_COOKIE_AGE therefore ends between
    SESSION_COOKIE_AGE - REFRESH_EVERY and SESSION_COOKIE_AGE after its last request.

    Placed right after SessionMiddleware: it looks at the session once the view has answered, so a
    sign-in is stamped in the same save and a sign-out (an emptied session) is not written again."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session, user = getattr(request, "session", None), getattr(request, "user", None)
        if session is not None and user is not None and user.is_authenticated and SESSION_KEY in session:
            now, refreshed = time.time(), session.get(REFRESHED_AT)
            fresh = isinstance(refreshed, int | float) and 0 <= now - refreshed < REFRESH_EVERY
            if session.modified or not fresh:  # (a clock set back counts as stale)
                session[REFRESHED_AT] = now  # marks the session modified: SessionMiddleware saves it
        return response


class AbsoluteSessionTimeoutMiddleware:
    """The session rules of a signed-in browser:

    - a session ends a fixed time after login, however active it is (the idle timeout is the session
      age, refreshed at most once a minute by SessionRefreshMiddleware);
    - after an administrator reset the password with "must change at next sign-in", every page leads
      to the password change until the user has chosen their own (API tokens are not sessions and are
      not affected)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            started = request.session.get(LOGIN_AT)
            if started is None:
                request.session[LOGIN_AT] = time.time()
            elif time.time() - started > settings.SESSION_ABSOLUTE_TIMEOUT:
                logout(request)
                if request.path.startswith("/api/"):
                    return self.get_response(request)
                return redirect_to_login(request.get_full_path())
            if getattr(user, "password_change_required", False) and not self._open(request):
                if request.path.startswith("/api/"):
                    return JsonResponse(
                        {"message": "Your password was reset by an administrator: choose a new one at "
                                    f"{reverse('password-change')} first."}, status=403)
                return redirect("password-change")
        return self.get_response(request)

    @staticmethod
    def _open(request) -> bool:
        if request.path.startswith((settings.STATIC_URL or "/static/", "/favicon")):
            return True
        return request.path in {reverse(name) for name in PASSWORD_CHANGE_OPEN}
