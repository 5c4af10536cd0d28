from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from qualitas.core.signatures import selectors, services
from qualitas.core.signatures.forms import PolicyForm
from qualitas.core.signatures.models import POLICY_TEXT, POLICY_VERSION


@login_required
def panel(request, record_type: str, record_id: int):
    signatures = selectors.signatures_for_record(request.user, record_type, record_id)
    return render(request, "signatures/_manifestation.html", {"signatures": signatures})


@login_required
def policy(request):
    acknowledged = services.has_acknowledged_policy(request.user)
    form = PolicyForm(request.POST or None)
    if request.method == "POST" and not acknowledged and form.is_valid():
        try:
            services.acknowledge_policy(actor=request.user, password=form.cleaned_data["password"])
        except services.SignatureRefused as exc:
            form.add_error("password", exc.message_dict.get("password", exc.messages))
        else:
            messages.success(request, "Thank you: electronic signing is now enabled for your account.")
            return redirect(request.GET.get("next") or "profile")
    return render(
        request,
        "signatures/policy.html",
        {
            "form": form,
            "acknowledged": acknowledged,
            "policy_text": POLICY_TEXT,
            "policy_version": POLICY_VERSION,
        },
    )


@login_required
def attestations(request):
    return render(request, "signatures/attestations.html", {"acks": selectors.policy_attestations(request.user)})
