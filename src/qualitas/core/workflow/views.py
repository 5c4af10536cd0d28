"""The generic workflow UI: the status badge and step buttons on any record page, and the step dialog
(reason and signature) that posts to the one runner."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import render

from qualitas.core import records
from qualitas.core.regulated import StaleVersion
from qualitas.core.signatures import services as signing
from qualitas.core.workflow import engine
from qualitas.core.workflow.forms import StepForm, signature_form


def _context(request, instance):
    workflow = engine.workflow_for(instance)
    state = workflow.state_of(instance)
    return {
        "record": instance,
        "record_type": records.key_for(instance),
        "workflow": workflow,
        "state": state,
        "state_info": workflow.states.get(state),
        "options": engine.options(request.user, instance),
    }


@login_required
def panel(request, record_type: str, record_id: int):
    instance = records.resolve(request.user, record_type, record_id)
    return render(request, "workflow/_panel.html", _context(request, instance))


@login_required
def step(request, record_type: str, record_id: int, name: str):
    instance = records.resolve(request.user, record_type, record_id)
    workflow = engine.workflow_for(instance)
    try:
        transition = workflow.transition(name)
    except ValidationError:
        raise Http404(f"{name!r} is not a step of this workflow.") from None
    if refusal := engine.not_for_people(transition):
        raise PermissionDenied(refusal)
    reason_required = transition.reason_required
    otp_required = signing.needs_otp(request.user)
    data = request.POST if request.method == "POST" else None
    form = StepForm(data, initial={"version": instance.version}, reason_required=reason_required)
    sig_form = signature_form(data, otp_required=otp_required) if transition.signature else None
    needs_policy = bool(transition.signature) and not signing.has_acknowledged_policy(request.user)
    if request.method == "POST" and form.is_valid() and (sig_form is None or sig_form.is_valid()):
        credentials = None
        if sig_form is not None:
            credentials = signing.Credentials(
                password=sig_form.cleaned_data["password"],
                otp=sig_form.cleaned_data.get("otp", ""),
                comment=sig_form.cleaned_data.get("comment", ""),
            )
        try:
            instance = engine.perform(
                actor=request.user,
                instance=instance,
                transition=name,
                expected_version=form.cleaned_data["version"],
                reason=form.cleaned_data["reason"],
                credentials=credentials,
            )
        except StaleVersion as exc:
            form.add_error(None, str(exc))
        except signing.SignatureRefused as exc:
            for field, errors in exc.message_dict.items():
                sig_form.add_error(field if field in sig_form.fields else None, errors)
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or "You do not have permission for this step.")
        except ValidationError as exc:
            for field, errors in exc.message_dict.items() if hasattr(exc, "error_dict") else [(None, exc.messages)]:
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(
                request, f"{transition.label}: done. Status is now {workflow.label_of(workflow.state_of(instance))}."
            )
            response = HttpResponse(status=204)
            response["HX-Redirect"] = records.url_for(instance) or "/"
            return response
    return render(
        request,
        "workflow/_step.html",
        {
            "record": instance,
            "record_type": record_type,
            "transition": transition,
            "form": form,
            "sig_form": sig_form,
            "needs_policy": needs_policy,
            "meaning_label": dict(signing.MEANINGS).get(transition.signature, "") if transition.signature else "",
        },
    )
