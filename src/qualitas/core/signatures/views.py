from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from qualitas.core.signatures import selectors, services
from qualitas.core.signatures.forms import PolicyForm
from qualitas.core.signatures.models import POLICY_TEXT, POLICY_VERSION


def safe_next(request, value: str | None) -> str:
    """`value` when it is a path on this site (the step the user came from), else "": never an
    address elsewhere (an open redirect), nor a scheme-relative //host or a javascript: URL."""
    value = (value or "").strip()
    if not value.startswith("/") or value.startswith("//") or "\\" in value:
        return ""
    if not url_has_allowed_host_and_scheme(value, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        return ""
    return value


@login_required
def panel(request, record_type: str, record_id: int):
    signatures = selectors.signatures_for_record(request.user, record_type, record_id)
    return render(request, "signatures/_manifestation.html", {"signatures": signatures})


@login_required
def policy(request):
    acknowledged = services.has_acknowledged_policy(request.user)
    requested = request.POST.get("next") or request.GET.get("next")
    next_url = safe_next(request, requested)
    form = PolicyForm(request.POST or None)
    if request.method == "POST" and not acknowledged and form.is_valid():
        try:
            services.acknowledge_policy(actor=request.user, password=form.cleaned_data["password"])
        except services.SignatureRefused as exc:
            form.add_error("password", exc.message_dict.get("password", exc.messages))
        else:
            if next_url:
                messages.success(request, "Thank you: electronic signing is now enabled. You can sign this step now.")
                return redirect(next_url)
            messages.success(request, "Thank you: electronic signing is now enabled for your account.")
            return redirect("profile")
    if acknowledged and next_url and request.method == "GET":
        # Already accepted (e.g. in another tab): nothing to do here, go back to the step.
        return redirect(next_url)
    return render(
        request,
        "signatures/policy.html",
        {
            "form": form,
            "acknowledged": acknowledged,
            "policy_text": POLICY_TEXT,
            "policy_version": POLICY_VERSION,
            "next_url": next_url,
        },
    )


@login_required
def attestations(request):
    return render(request, "signatures/attestations.html", {"acks": selectors.policy_attestations(request.user)})
