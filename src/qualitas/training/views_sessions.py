"""Pages for sessions and attendance, competence entries, effectiveness reviews, a person's training
record as PDF and the compliance trend (adapters: parse, call one service, render)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from qualitas.core.forms import form_errors
from qualitas.core.permissions import authorize, has_perm
from qualitas.core.regulated import StaleVersion
from qualitas.core.signatures import services as signing
from qualitas.training import competence, effectiveness, selectors, sessions
from qualitas.training.models import LEVELS, READ_AND_UNDERSTOOD
from qualitas.training.models_sessions import ENTRY_KINDS, RATINGS, SESSION_KINDS

REFUSALS = (ValidationError, PermissionDenied, StaleVersion)
DATE = forms.DateInput(attrs={"type": "date"})


class SessionForm(forms.Form):
    requirement = forms.ModelChoiceField(queryset=None)
    kind = forms.ChoiceField(choices=SESSION_KINDS)
    date = forms.DateField(widget=DATE)
    duration_minutes = forms.IntegerField(label="Duration (minutes)", min_value=1, max_value=14400)
    trainer = forms.ModelChoiceField(queryset=None, required=False, help_text="A trainer with an account…")
    trainer_name = forms.CharField(label="…or an external trainer", max_length=200, required=False)
    location = forms.CharField(max_length=200, required=False)
    attendees = forms.ModelMultipleChoiceField(queryset=None, required=False,
                                               widget=forms.SelectMultiple(attrs={"size": 8}))
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, people, requirements, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["requirement"].queryset = requirements
        self.fields["trainer"].queryset = people
        self.fields["attendees"].queryset = people


class AttendanceForm(forms.Form):
    attended = forms.TypedChoiceField(choices=[("1", "Attended"), ("0", "Absent")], coerce=lambda v: v == "1")
    level = forms.TypedChoiceField(choices=LEVELS, coerce=int, required=False)
    note = forms.CharField(max_length=500, required=False)


class AssessForm(forms.Form):
    level = forms.TypedChoiceField(choices=LEVELS, coerce=int)
    password = forms.CharField(widget=forms.PasswordInput, help_text="Your password signs \"assessed\".")
    otp = forms.CharField(required=False, max_length=20, label="One-time code")
    comment = forms.CharField(required=False, max_length=2000)


class AttendeeAddForm(forms.Form):
    person = forms.ModelChoiceField(queryset=None)

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people


class SheetForm(forms.Form):
    file = forms.FileField(label="Sign-in sheet")


class EntryForm(forms.Form):
    kind = forms.ChoiceField(choices=ENTRY_KINDS)
    title = forms.CharField(max_length=300)
    organisation = forms.CharField(max_length=200, required=False)
    start = forms.DateField(label="From", widget=DATE, required=False)
    end = forms.DateField(label="To", widget=DATE, required=False)
    evidence = forms.CharField(max_length=300, required=False)
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class ReviewForm(forms.Form):
    rating = forms.ChoiceField(choices=RATINGS, widget=forms.RadioSelect)
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))


class SettingForm(forms.Form):
    days = forms.IntegerField(label="Review after (days)", min_value=1, max_value=730, required=False,
                              help_text="Empty: no effectiveness review.")
    reason = forms.CharField(max_length=500, required=False)


def _int(value):
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


# --- Sessions ---------------------------------------------------------------------------------------------


@login_required
def session_list(request):
    authorize(request.user, "training-self", "view")
    found = sessions.session_list(request.user, requirement_id=_int(request.GET.get("requirement")))[:200]
    return render(request, "training/sessions.html", {
        "sessions": list(found.prefetch_related("attendees")),
        "may_create": has_perm(request.user, "training", "edit")})


@login_required
def session_new(request):
    authorize(request.user, "training", "edit")
    people = selectors.people_choices(request.user)
    requirements = selectors.requirement_list(request.user).exclude(method=READ_AND_UNDERSTOOD)
    initial = {"date": timezone.localdate(), "duration_minutes": 60}
    if (requirement_id := _int(request.GET.get("requirement"))) is not None:
        initial["requirement"] = requirement_id
    form = SessionForm(request.POST or None, people=people, requirements=requirements, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            session = sessions.session_create(
                actor=request.user, requirement=data["requirement"], kind=data["kind"], date=data["date"],
                duration_minutes=data["duration_minutes"], trainer=data["trainer"],
                trainer_name=data["trainer_name"], location=data["location"], notes=data["notes"],
                attendees=list(data["attendees"]))
        except REFUSALS as exc:
            form_errors(form, exc)
        else:
            messages.success(request, f"Session {session.pk} planned.")
            return redirect("training:session", session.pk)
    return render(request, "training/form.html", {"form": form, "title": "Plan a training session",
                                                  "back": reverse("training:sessions")})


@login_required
def session_detail(request, pk: int):
    session = sessions.session_get(request.user, pk)
    may_run = sessions._may_run(request.user, session)
    errors = {}
    if request.method == "POST" and may_run or request.method == "POST" and request.POST.get("action") == "assess":
        action = request.POST.get("action")
        try:
            if action == "attendance":
                attendee = sessions.attendee_get(request.user, _int(request.POST.get("attendee")))
                form = AttendanceForm(request.POST)
                if not form.is_valid():
                    raise ValidationError("Choose attended or absent and a level.")
                sessions.attendance_record(actor=request.user, attendee=attendee, attended=form.cleaned_data[
                    "attended"], level=form.cleaned_data.get("level") or None, note=form.cleaned_data["note"])
                messages.success(request, f"Attendance of {attendee.person.display_name} recorded.")
            elif action == "assess":
                attendee = sessions.attendee_get(request.user, _int(request.POST.get("attendee")))
                form = AssessForm(request.POST)
                if not form.is_valid():
                    raise ValidationError("Give the level and your password.")
                data = form.cleaned_data
                sessions.attendee_assess(actor=request.user, attendee=attendee, level=data["level"],
                                         credentials=signing.Credentials(data["password"], data.get("otp", ""),
                                                                         data.get("comment", "")))
                messages.success(request, f"{attendee.person.display_name} assessed and signed.")
            elif action == "add":
                form = AttendeeAddForm(request.POST, people=selectors.people_choices(request.user))
                if not form.is_valid():
                    raise ValidationError("Choose a person.")
                sessions.attendee_add(actor=request.user, session=session, person=form.cleaned_data["person"])
            elif action == "sheet":
                form = SheetForm(request.POST, request.FILES)
                if not form.is_valid():
                    raise ValidationError("Choose the file of the sign-in sheet.")
                sessions.sign_in_sheet_add(actor=request.user, session=session,
                                           uploaded_file=form.cleaned_data["file"])
                messages.success(request, "Sign-in sheet attached.")
            else:
                raise ValidationError("Unknown action.")
        except REFUSALS as exc:
            errors[request.POST.get("attendee") or action] = "; ".join(
                getattr(exc, "messages", None) or [str(exc)])
            messages.error(request, "; ".join(getattr(exc, "messages", None) or [str(exc)]))
        else:
            return redirect("training:session", pk)
    assessor_problem = ""
    if session.kind == "on-the-job":
        assessor_problem = sessions.assessor_competence(request.user, session.requirement)
    return render(request, "training/session.html", {
        "session": session, "attendees": sessions.attendees_of(session), "may_run": may_run, "errors": errors,
        "levels": LEVELS, "today": timezone.localdate(), "assessor_problem": assessor_problem,
        "add_form": AttendeeAddForm(people=selectors.people_choices(request.user)) if may_run else None,
        "needs_otp": signing.needs_otp(request.user),
    }, status=400 if errors else 200)


# --- Competence entries, the person's record as PDF -------------------------------------------------------


@login_required
def competence_new(request, pk: int):
    person = selectors.person_get(request.user, pk)
    authorize(request.user, "training", "edit", person.site_id)
    form = EntryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            competence.competence_entry_create(actor=request.user, person=person, **form.cleaned_data)
        except REFUSALS as exc:
            form_errors(form, exc)
        else:
            messages.success(request, "Competence entry added.")
            return redirect(reverse("training:person", args=[pk]) + "#competence")
    return render(request, "training/competence_form.html", {
        "form": form, "person": person, "title": f"Education, experience or certificate of {person.display_name}"})


@login_required
def person_record_pdf(request, pk: int):
    from qualitas.training.pdf import person_record_pdf as render_pdf

    person = selectors.person_get(request.user, pk)
    response = HttpResponse(render_pdf(request.user, person), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="training-record-{person.username}.pdf"'
    return response


# --- Effectiveness --------------------------------------------------------------------------------------------


@login_required
@require_POST
def effectiveness_setting(request, pk: int):
    requirement = selectors.requirement_get(request.user, pk)
    form = SettingForm(request.POST)
    if form.is_valid():
        try:
            effectiveness.effectiveness_set(actor=request.user, requirement=requirement,
                                            days=form.cleaned_data["days"], reason=form.cleaned_data["reason"])
        except REFUSALS as exc:
            messages.error(request, "; ".join(getattr(exc, "messages", None) or [str(exc)]))
        else:
            messages.success(request, "Effectiveness review setting saved.")
    else:
        messages.error(request, "Give the days (1–730) or leave it empty.")
    return redirect(reverse("training:requirement", args=[pk]) + "#effectiveness")


@login_required
def effectiveness_review(request, pk: int):
    review = effectiveness.review_get(request.user, pk)
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            effectiveness.review_complete(actor=request.user, review=review, **form.cleaned_data)
        except REFUSALS as exc:
            form_errors(form, exc)
        else:
            messages.success(request, "Effectiveness reviewed.")
            return redirect("training:effectiveness-review", pk)
    nonconformities = effectiveness.human_error_nonconformities(
        requirement=review.requirement, person=review.person, since=review.record.completed_on)
    return render(request, "training/effectiveness_review.html", {
        "review": review, "form": form, "nonconformities": nonconformities,
        "may_review": review.status == "open" and (review.reviewer_id == request.user.pk or has_perm(
            request.user, "training", "edit", review.site_id)) and review.person_id != request.user.pk,
    })
