"""The generic workflow UI: the status badge and step buttons on any record page, and the step dialog
(reason and signature) that posts to the one runner."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render

from qualitas.core import records
from qualitas.core.regulated import StaleVersion
from qualitas.core.signatures import services as signing
from qualitas.core.workflow import engine
from qualitas.core.workflow.forms import StepForm, signature_form


def submit_label(transition) -> str:
    """The dialog's button: the step's own verb, "Sign and …" only when the label does not sign
    already ("Sign review", not "Sign and sign review")."""
    label = transition.label
    if not transition.signature or label.lower().startswith("sign"):
        return label
    return f"Sign and {label[:1].lower()}{label[1:]}"


def _options(actor, instance):
    """The steps offered; a blocked step is not shown next to an allowed one of the same name (a
    disposition is approved with or without a signature depending on its severity: one button)."""
    options = engine.options(actor, instance)
    allowed = {option.transition.label for option in options if option.allowed}
    return [option for option in options if option.allowed or option.transition.label not in allowed]


def _context(request, instance):
    workflow = engine.workflow_for(instance)
    state = workflow.state_of(instance)
    return {
        "record": instance,
        "record_type": records.key_for(instance),
        "workflow": workflow,
        "state": state,
        "state_info": workflow.states.get(state),
        "options": _options(request.user, instance),
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
    # One text field where one is meant: a signed step without a required reason asks only for the
    # signature's "Reason / comment" (recorded as both); a required reason keeps its own field.
    form = StepForm(data, initial={"version": instance.version}, reason_required=reason_required,
                    with_reason=reason_required or not transition.signature)
    sig_form = (signature_form(data, otp_required=otp_required, with_comment=not reason_required)
                if transition.signature else None)
    needs_policy = bool(transition.signature) and not signing.has_acknowledged_policy(request.user)
    if request.method == "POST" and form.is_valid() and (sig_form is None or sig_form.is_valid()):
        credentials = None
        if sig_form is not None:
            credentials = signing.Credentials(
                password=sig_form.cleaned_data["password"],
                otp=sig_form.cleaned_data.get("otp", ""),
                comment=sig_form.cleaned_data.get("comment", "") or form.cleaned_data.get("reason", ""),
            )
        reason = form.cleaned_data.get("reason", "") if "reason" in form.fields else credentials.comment
        try:
            instance = engine.perform(
                actor=request.user,
                instance=instance,
                transition=name,
                expected_version=form.cleaned_data["version"],
                reason=reason,
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
            target = records.url_for(instance) or "/"
            if not request.headers.get("HX-Request"):  # the step opened as a page of its own
                return redirect(target)
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
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
            "submit_label": submit_label(transition),
            "back_url": records.url_for(instance) or "/",
        },
    )
