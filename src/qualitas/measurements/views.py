"""Measurements and SPC pages. Thin: each view parses input, calls one service or selector, renders."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from qualitas.core.forms import apply as _apply
from qualitas.core.forms import form_errors as _form_errors
from qualitas.core.permissions import authorize, has_perm
from qualitas.core.regulated import StaleVersion
from qualitas.core.signatures import services as signing
from qualitas.core.signatures.selectors import signatures_of
from qualitas.measurements import forms, reports, selectors, services
from qualitas.measurements.models import CHART_NAMES
from qualitas.stats import svg
from qualitas.stats.results import StatsInputError

MODULE = "measurements"


def responsive(picture: str) -> str:
    """Let the SVG scale to its container (Bootstrap's w-100 h-auto beat the width/height attributes)."""
    return picture.replace('class="qualitas-chart', 'class="w-100 h-auto qualitas-chart', 1)


def _rights(user, characteristic) -> dict:
    site = characteristic.site_id
    return {
        "can_enter": characteristic.active and has_perm(user, MODULE, "create", site),
        "can_edit": has_perm(user, MODULE, "edit", site),
        "can_approve": has_perm(user, MODULE, "approve", site),
        "is_owner": user.pk == characteristic.owner_id,
    }


@login_required
def characteristic_list(request):
    include_inactive = request.GET.get("inactive") == "1"
    process_id = request.GET.get("process", "")
    characteristics = selectors.characteristic_list(
        request.user,
        query=request.GET.get("q", "")[:200],
        process_id=int(process_id) if process_id.isdigit() else None,
        chart_type=request.GET.get("chart", "")[:10],
        include_inactive=include_inactive,
    )
    from qualitas.accounts.models import Process
    from qualitas.measurements.models import CHART_TYPES

    page = Paginator(characteristics, 50).get_page(request.GET.get("page"))
    return render(request, "measurements/list.html", {
        "page": page,
        "filters": request.GET,
        "processes": Process.objects.filter(active=True),
        "chart_types": CHART_TYPES,
        "can_create": has_perm(request.user, MODULE, "edit"),
    })


@login_required
def characteristic_new(request):
    authorize(request.user, MODULE, "edit")
    form = forms.CharacteristicForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in forms.CHARACTERISTIC_FIELDS}
        try:
            characteristic = services.characteristic_create(actor=request.user, **data)
        except (ValidationError, PermissionDenied) as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, f"{characteristic.number} created. Record its first measurements.")
            return redirect("measurements:detail", characteristic.pk)
    return render(request, "measurements/form.html", {"form": form, "title": "New characteristic"})


@login_required
def characteristic_edit(request, characteristic_id: int):
    characteristic = selectors.characteristic_get(request.user, characteristic_id)
    authorize(request.user, MODULE, "edit", characteristic.site_id)
    form = forms.CharacteristicForm(request.POST or None, instance=characteristic)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in [*forms.CHARACTERISTIC_FIELDS, "active"]}
        data["owner"] = data["owner"] or characteristic.owner
        characteristic.refresh_from_db()  # the ModelForm assigned the posted values to the instance
        try:
            services.characteristic_update(
                actor=request.user, characteristic=characteristic, version=form.cleaned_data["version"],
                reason=form.cleaned_data["reason"], **data,
            )
        except (ValidationError, PermissionDenied, StaleVersion) as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, f"{characteristic.number} saved.")
            return redirect("measurements:detail", characteristic.pk)
    return render(request, "measurements/form.html", {
        "form": form, "title": f"Edit {characteristic}", "characteristic": characteristic,
    })


def _window(request, default_last: int | None = reports.DEFAULT_LAST) -> tuple[forms.WindowForm, reports.Window]:
    """The points shown: the last N (default 50 on charts, all for capability) in an optional period."""
    form = forms.WindowForm(request.GET or None, default_last=default_last)
    return form, form.window()


def _chart_context(request, characteristic) -> dict:
    window_form, window = _window(request)
    report = reports.chart_report(characteristic, window)
    picture = ""
    if report.chartset is not None:
        try:
            kind = svg.KIND_TITLES.get(characteristic.chart_type, characteristic.chart_type)
            title = f"{characteristic.number} · {kind}"
            picture = responsive(svg.chart_svg(report.chartset, title=title, labels=report.labels))
        except StatsInputError as exc:
            report.message = str(exc)
    return {
        "characteristic": characteristic,
        "report": report,
        "svg": picture,
        "window_form": window_form,
        "window_query": request.GET.urlencode(),
        "latest": selectors.latest_subgroups(request.user, characteristic, 10),
        **_rights(request.user, characteristic),
    }


@login_required
def characteristic_detail(request, characteristic_id: int):
    characteristic = selectors.characteristic_get(request.user, characteristic_id)
    limits = selectors.active_limits(characteristic)
    open_signals = list(selectors.signal_events(request.user, characteristic, open_only=True))
    return render(request, "measurements/detail.html", {
        **_chart_context(request, characteristic),
        "limits": limits,
        "limits_signatures": signatures_of(limits) if limits else [],
        "limits_history": selectors.limits_history(request.user, characteristic)[:10],
        "entry_form": forms.EntryForm(characteristic=characteristic),
        "upload_form": forms.UploadForm(),
        "limits_rows": [{"label": CHART_NAMES.get(c["name"], c["name"]), **c} for c in limits.limits["charts"]]
        if limits else [],
        "open_signals": open_signals[:20],
        "open_more": max(0, len(open_signals) - 20),
    })


@login_required
def chart_partial(request, characteristic_id: int):
    """The chart, signals and latest points, polled by htmx every 30 seconds."""
    characteristic = selectors.characteristic_get(request.user, characteristic_id)
    return render(request, "measurements/_chart.html", _chart_context(request, characteristic))


@login_required
@require_POST
def entry(request, characteristic_id: int):
    characteristic = selectors.characteristic_get(request.user, characteristic_id)
    form = forms.EntryForm(request.POST, characteristic=characteristic)
    if form.is_valid():
        try:
            outcome = services.measurements_record(
                actor=request.user, characteristic=characteristic, entries=[form.entry()], source="manual"
            )
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        else:
            text = f"Subgroup {outcome.completed[0].key if outcome.completed else ''} recorded."
            if outcome.signals:
                text += f" It signals: {', '.join(r for s in outcome.signals for r in s.rules)}."
            messages.success(request, text)
    else:
        errors = "; ".join(f"{form[name].label}: {' '.join(e)}" if name in form.fields else " ".join(e)
                           for name, e in form.errors.items())
        messages.error(request, f"Nothing was recorded. {errors}")
    return redirect(reverse("measurements:detail", args=[characteristic.pk]) + "#chart")


@login_required
@require_POST
def upload(request, characteristic_id: int):
    from qualitas.measurements.upload import read_upload

    characteristic = selectors.characteristic_get(request.user, characteristic_id)
    authorize(request.user, MODULE, "create", characteristic.site_id)
    form = forms.UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "Choose a CSV or XLSX file.")
        return redirect("measurements:detail", characteristic.pk)

    try:
        entries, name = read_upload(characteristic, form.cleaned_data["file"])
        outcome = services.measurements_record(
            actor=request.user, characteristic=characteristic, entries=entries, source="upload", source_name=name
        )
    except (ValidationError, PermissionDenied) as exc:
        for line in getattr(exc, "messages", [str(exc)]):
            messages.error(request, line)
    else:
        messages.success(request, f"{name}: {outcome.values_recorded or len(entries)} value(s) recorded in "
                                  f"{len(entries)} subgroup entries; {len(outcome.signals)} new signal(s).")
    return redirect("measurements:detail", characteristic.pk)


@login_required
def freeze(request, characteristic_id: int):
    characteristic = selectors.characteristic_get(request.user, characteristic_id)
    authorize(request.user, MODULE, "approve", characteristic.site_id)
    form = forms.FreezeForm(request.POST or None, otp_required=signing.needs_otp(request.user))
    if request.method == "POST" and form.is_valid():
        phase1 = form.phase1()
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.limits_freeze(
                    actor=request.user, characteristic=characteristic, reason=data["reason"],
                    credentials=signing.Credentials(data["password"], data.get("otp", ""), data.get("comment", "")),
                    **phase1,
                )
            except (ValidationError, PermissionDenied) as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, "Control limits frozen and approved. New points are judged against them.")
                return redirect("measurements:detail", characteristic.pk)
    return render(request, "measurements/freeze.html", {
        "form": form,
        "characteristic": characteristic,
        "current": selectors.active_limits(characteristic),
        "needs_policy": not signing.has_acknowledged_policy(request.user),
    })


@login_required
@require_POST
def release(request, characteristic_id: int):
    characteristic = selectors.characteristic_get(request.user, characteristic_id)
    form = forms.ReasonForm(request.POST)
    if form.is_valid():
        _apply(request, lambda: services.limits_release(
            actor=request.user, characteristic=characteristic, reason=form.cleaned_data["reason"]),
            "Frozen limits released: points are judged against trial limits again.")
    else:
        messages.error(request, "Say why the frozen limits are released.")
    return redirect("measurements:detail", characteristic.pk)


@login_required
def capability(request, characteristic_id: int):
    characteristic = selectors.characteristic_get(request.user, characteristic_id)
    window_form, window = _window(request, default_last=None)
    report = reports.capability_report(characteristic, window)
    picture = ""
    if report.result is not None:
        result = report.result
        picture = responsive(svg.histogram_svg(
            report.values, lsl=characteristic.lsl, usl=characteristic.usl, target=characteristic.target,
            mean=result.mean, sigma=result.sigma_within, title=f"Capability of {characteristic.number}",
        ))
    return render(request, "measurements/capability.html", {
        "characteristic": characteristic,
        "report": report,
        "result": report.result,
        "svg": picture,
        "window_form": window_form,
        "window_query": request.GET.urlencode(),
        "indices": _indices(report.result) if report.result else [],
        "ppm": _ppm(report.result) if report.result else [],
        "confidence": f"{report.result.confidence * 100:g}" if report.result else "",
    })


def _indices(result) -> list[dict]:
    names = [("cp", "Cp"), ("cpl", "Cpl"), ("cpu", "Cpu"), ("cpk", "Cpk"), ("pp", "Pp"), ("ppl", "Ppl"),
             ("ppu", "Ppu"), ("ppk", "Ppk"), ("cpm", "Cpm")]
    rows = []
    for key, label in names:
        value = getattr(result, key)
        if value is None:
            continue
        low, high = result.ci.get(key, (None, None))
        rows.append({"label": label, "value": value, "low": low, "high": high})
    return rows


def _ppm(result) -> list[dict]:
    labels = {"observed": "Observed", "expected_within": "Expected (within)", "expected_overall": "Expected (overall)"}
    return [
        {"label": label, "below": result.ppm[key]["below_lsl"], "above": result.ppm[key]["above_usl"],
         "total": result.ppm[key]["total"]}
        for key, label in labels.items() if key in result.ppm
    ]


@login_required
def chart_pdf(request, characteristic_id: int):
    from qualitas.measurements.pdf import chart_pdf as render_pdf

    characteristic = selectors.characteristic_get(request.user, characteristic_id)
    _, window = _window(request)
    response = HttpResponse(render_pdf(request.user, characteristic, window), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{characteristic.number}-control-chart.pdf"'
    return response


@login_required
def capability_pdf(request, characteristic_id: int):
    from qualitas.measurements.pdf import capability_pdf as render_pdf

    characteristic = selectors.characteristic_get(request.user, characteristic_id)
    _, window = _window(request, default_last=None)
    response = HttpResponse(render_pdf(request.user, characteristic, window), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{characteristic.number}-capability.pdf"'
    return response


@login_required
def subgroup_detail(request, subgroup_id: int):
    subgroup = selectors.subgroup_get(request.user, subgroup_id)
    characteristic = subgroup.characteristic
    values = list(subgroup.measurements.select_related("entered_by", "api_token").order_by("position"))
    return render(request, "measurements/subgroup.html", {
        "subgroup": subgroup,
        "characteristic": characteristic,
        "values": [(m, forms.CorrectionForm(initial={"version": m.version, "value": m.value}, prefix=f"m{m.pk}"))
                   for m in values],
        "correction_form": forms.SubgroupCorrectionForm(
            attribute=characteristic.is_attribute,
            initial={"version": subgroup.version, "taken_at": subgroup.taken_at, "lot": subgroup.lot,
                     "count": subgroup.count, "sample_size": subgroup.sample_size},
        ),
        "exclusion_form": forms.ExclusionForm(initial={"version": subgroup.version, "excluded": not subgroup.excluded}),
        "signals": subgroup.signal_events.select_related("acknowledged_by"),
        **_rights(request.user, characteristic),
    })


@login_required
@require_POST
def value_correct(request, measurement_id: int):
    measurement = selectors.measurement_get(request.user, measurement_id)
    form = forms.CorrectionForm(request.POST, prefix=f"m{measurement.pk}")
    if form.is_valid():
        _apply(request, lambda: services.measurement_correct(
            actor=request.user, measurement=measurement, value=form.cleaned_data["value"],
            reason=form.cleaned_data["reason"], version=form.cleaned_data["version"]),
            f"Value {measurement.position} corrected; the previous value stays in the history.")
    else:
        messages.error(request, "Enter the correct value and the reason for the correction.")
    return redirect("measurements:subgroup", measurement.subgroup_id)


@login_required
@require_POST
def subgroup_correct(request, subgroup_id: int):
    subgroup = selectors.subgroup_get(request.user, subgroup_id)
    form = forms.SubgroupCorrectionForm(request.POST, attribute=subgroup.characteristic.is_attribute)
    if form.is_valid():
        data = dict(form.cleaned_data)
        version, reason = data.pop("version"), data.pop("reason")
        changes = {name: value for name, value in data.items() if getattr(subgroup, name) != value}
        _apply(request, lambda: services.subgroup_correct(
            actor=request.user, subgroup=subgroup, reason=reason, version=version, **changes),
            "Subgroup corrected.")
    else:
        messages.error(request, "Check the corrected fields and give a reason.")
    return redirect("measurements:subgroup", subgroup.pk)


@login_required
@require_POST
def subgroup_exclusion(request, subgroup_id: int):
    subgroup = selectors.subgroup_get(request.user, subgroup_id)
    form = forms.ExclusionForm(request.POST)
    if form.is_valid():
        excluded = form.cleaned_data["excluded"]
        _apply(request, lambda: services.subgroup_exclude(
            actor=request.user, subgroup=subgroup, excluded=excluded, reason=form.cleaned_data["reason"],
            version=form.cleaned_data["version"]),
            "Subgroup left out of the limit calculation." if excluded else "Subgroup used for the limits again.")
    else:
        messages.error(request, "Give the reason.")
    return redirect("measurements:subgroup", subgroup.pk)


@login_required
@require_POST
def signal_acknowledge(request, signal_id: int):
    event = selectors.signal_get(request.user, signal_id)
    form = forms.AcknowledgeForm(request.POST)
    if form.is_valid():
        _apply(request, lambda: services.signal_acknowledge(actor=request.user, event=event,
                                                           note=form.cleaned_data["note"]),
               "Signal acknowledged.")
    else:
        messages.error(request, "Say what was found or done about the signal.")
    return redirect(reverse("measurements:detail", args=[event.characteristic_id]) + "#signals")
