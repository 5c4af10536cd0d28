"""Sign-in with an optional TOTP second step, sign-out, and the profile (password, TOTP, tokens)."""

from __future__ import annotations

import base64
import time

import segno
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from qualitas.accounts import selectors, services
from qualitas.accounts.forms import ApiTokenForm, LoginForm, PasswordConfirmForm, TokenForm
from qualitas.accounts.middleware import LOGIN_AT
from qualitas.accounts.models import User

PENDING_USER = "qualitas_otp_user"
PENDING_BACKEND = "qualitas_otp_backend"
PENDING_NEXT = "qualitas_otp_next"


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        if confirmed_device(user) is None:
            response = super().form_valid(form)
            self.request.session[LOGIN_AT] = time.time()
            return response
        # Password is right; the session is not signed in until the second factor is verified.
        self.request.session.cycle_key()
        self.request.session[PENDING_USER] = user.pk
        self.request.session[PENDING_BACKEND] = user.backend
        self.request.session[PENDING_NEXT] = self.get_success_url()
        return redirect("login-verify")


def login_verify(request):
    user_id = request.session.get(PENDING_USER)
    user = User.objects.filter(pk=user_id, is_active=True).first() if user_id else None
    device = confirmed_device(user) if user else None
    if device is None:
        return redirect("login")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        verified = device.verify_is_allowed()[0] and device.verify_token(form.cleaned_data["token"].strip())
        if verified:
            next_url = request.session.pop(PENDING_NEXT, reverse("home"))
            backend = request.session.pop(PENDING_BACKEND)
            request.session.pop(PENDING_USER, None)
            login(request, user, backend=backend)
            otp_login(request, device)
            request.session[LOGIN_AT] = time.time()
            if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
                next_url = reverse("home")
            return redirect(next_url)
        form.add_error("token", "The code is not valid or has expired; wait for the next one and try again.")
    return render(request, "accounts/login_verify.html", {"form": form})


class LogoutView(auth_views.LogoutView):
    next_page = reverse_lazy("login")


@login_required
def profile(request):
    device = confirmed_device(request.user)
    tokens = selectors.token_list(request.user, request.user)
    return render(
        request,
        "accounts/profile.html",
        {
            "device": device,
            "tokens": tokens,
            "token_form": ApiTokenForm(),
            "assignments": request.user.role_assignments.select_related("role", "site"),
        },
    )


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("profile")

    def form_valid(self, form):
        response = super().form_valid(form)
        services.password_changed(actor=self.request.user, user=self.request.user)
        messages.success(self.request, "Your password has been changed.")
        return response


@login_required
def totp_enrol(request):
    """Create an unconfirmed device, show its QR code, confirm it with a first code."""
    if confirmed_device(request.user):
        return redirect("profile")
    device = services.totp_device_enrol(actor=request.user, user=request.user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.totp_device_confirm(actor=request.user, device=device, token=form.cleaned_data["token"].strip()):
            otp_login(request, device)
            messages.success(request, "Two-factor authentication is on. You will be asked for a code at sign-in.")
            return redirect("profile")
        form.add_error("token", "That code does not match. Check the time on your phone and try again.")
    qr = segno.make(device.config_url, error="m")
    return render(
        request,
        "accounts/totp_enrol.html",
        {
            "form": form,
            "qr_data_uri": qr.svg_data_uri(scale=5, dark="#212529"),
            "secret": base64.b32encode(bytes.fromhex(device.key)).decode().rstrip("="),
        },
    )


@login_required
def totp_disable(request):
    form = PasswordConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if request.user.check_password(form.cleaned_data["password"]):
            services.totp_devices_delete(actor=request.user, user=request.user)
            messages.success(request, "Two-factor authentication is off.")
            return redirect("profile")
        form.add_error("password", "The password is not correct.")
    return render(request, "accounts/totp_disable.html", {"form": form})


@login_required
@require_POST
def token_create(request):
    form = ApiTokenForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the token a name.")
        return redirect("profile")
    try:
        api_token, plain = services.token_create(actor=request.user, user=request.user, name=form.cleaned_data["name"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("profile")
    return render(request, "accounts/token_created.html", {"api_token": api_token, "plain": plain})


@login_required
@require_POST
def token_revoke(request, token_id: int):
    api_token = selectors.token_get(request.user, request.user, token_id)
    services.token_revoke(actor=request.user, api_token=api_token)
    messages.success(request, f"Token “{api_token.name}” revoked.")
    return redirect("profile")
