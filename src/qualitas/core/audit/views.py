from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from qualitas.accounts.models import User
from qualitas.core import pdf
from qualitas.core.audit import selectors
from qualitas.core.audit.models import ACTIONS
from qualitas.core.audit.services import record
from qualitas.core.exports import csv_bytes
from qualitas.core.records import all_types
from qualitas.core.widgets import DateInput

EXPORT_LIMIT = 100_000


@login_required
def history(request, record_type: str, record_id: int):
    events = selectors.history(request.user, record_type, record_id, limit=500)
    return render(
        request,
        "audit/_history.html",
        {
            "events": events,
            "record_type": record_type,
            "record_id": record_id,
        },
    )


@login_required
def export_json(request, record_type: str, record_id: int):
    from django.http import JsonResponse

    from qualitas.core.audit.record_export import export_data

    _, data = export_data(request.user, record_type, record_id)
    response = JsonResponse(data, json_dumps_params={"indent": 2, "ensure_ascii": False})
    response["Content-Disposition"] = f'attachment; filename="{record_type}-{record_id}.json"'
    return response


@login_required
def export_pdf(request, record_type: str, record_id: int):
    from qualitas.core.audit.record_export import export_pdf as render_pdf

    response = HttpResponse(render_pdf(request.user, record_type, record_id), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{record_type}-{record_id}.pdf"'
    return response


class TrailFilter(forms.Form):
    record_type = forms.ChoiceField(required=False, label="Record type")
    record_id = forms.CharField(required=False, max_length=64, label="Record id")
    user = forms.ModelChoiceField(queryset=User.objects.all(), required=False, label="User")
    action = forms.ChoiceField(choices=[("", "Any action"), *ACTIONS], required=False)
    since = forms.DateField(required=False, label="From", widget=DateInput())
    until = forms.DateField(required=False, label="To", widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["record_type"].choices = (
            [("", "Any record type")] + [(t.key, t.label) for t in all_types()] + [("accounts.user", "User account")]
        )


def _filtered(request):
    form = TrailFilter(request.GET or None)
    filters = {}
    if form.is_valid():
        data = form.cleaned_data
        filters = {
            "record_type": data["record_type"],
            "record_id": data["record_id"],
            "user_id": data["user"].pk if data["user"] else None,
            "since": data["since"],
            "until": data["until"],
            "action": data["action"],
        }
    return form, selectors.trail(request.user, **filters), filters


@login_required
def trail(request):
    form, events, filters = _filtered(request)
    export = request.GET.get("export")
    if export in ("csv", "pdf"):
        return _export(request, events, filters, export)
    return render(
        request,
        "audit/trail.html",
        {"form": form, "events": events[:200], "count": events.count(), "query": request.GET.urlencode()},
    )


def _rows(events):
    for event in events[:EXPORT_LIMIT]:
        changes = "; ".join(f"{row['field']}: {row['old']} → {row['new']}" for row in event.change_rows)
        yield [
            event.sequence,
            timezone.localtime(event.occurred_at).strftime("%Y-%m-%d %H:%M:%S %Z"),
            event.actor_name,
            event.get_source_display(),
            event.action,
            event.event,
            event.record_type,
            event.record_id,
            event.record_label,
            event.record_version or "",
            changes,
            event.reason,
            event.hash,
        ]


HEADER = [
    "Seq",
    "Time",
    "User",
    "Source",
    "Action",
    "Event",
    "Record type",
    "Record id",
    "Record",
    "Version",
    "Changes (old → new)",
    "Reason",
    "Hash",
]


def _export(request, events, filters, kind: str) -> HttpResponse:
    description = ", ".join(f"{k}={v}" for k, v in filters.items() if v) or "all events"
    record(
        request.user,
        "export",
        "audit.trail_exported",
        record_type="audit.trail",
        record_label=description[:300],
        changes={"format": [None, kind]},
    )
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    if kind == "csv":
        response = HttpResponse(csv_bytes(HEADER, _rows(events)), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="audit-trail-{stamp}.csv"'
        return response
    rows = [row[:12] for row in _rows(events)]
    frame = pdf.PageFrame(
        title="Audit trail",
        subtitle=description[:90],
        landscape=True,
        footer_note=f"Exported {timezone.localtime():%Y-%m-%d %H:%M %Z} by {request.user.display_name}",
    )
    story = [pdf.Paragraph("Audit trail", pdf.H1), pdf.p(f"Filter: {description}. {len(rows)} events."), pdf.spacer()]
    story.append(pdf.table(HEADER[:12], rows))
    response = HttpResponse(pdf.render(frame, story), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="audit-trail-{stamp}.pdf"'
    return response
