from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import timezone

from qualitas.accounts.models import User
from qualitas.core import pdf
from qualitas.core.audit import selectors
from qualitas.core.audit.models import ACTIONS
from qualitas.core.audit.services import record
from qualitas.core.exports import csv_bytes
from qualitas.core.readcache import remembered
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
    record = forms.CharField(
        required=False, max_length=300, label="Record",
        widget=forms.TextInput(attrs={"placeholder": "Number, title or id"}),
    )
    user = forms.ModelChoiceField(queryset=User.objects.all(), required=False, label="User")
    action = forms.ChoiceField(choices=[("", "Any action"), *ACTIONS], required=False)
    since = forms.DateField(required=False, label="From", widget=DateInput())
    until = forms.DateField(required=False, label="To", widget=DateInput())
    # One record exactly, by its internal id (links from elsewhere and the API's record_id).
    record_id = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args, record_types: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["record_type"].choices = [("", "Any record type"), *record_types]

    def clean_record(self) -> str:
        return " ".join(self.cleaned_data["record"].split())

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", "“To” is before “From”.")
        return data

    def filters(self) -> dict:
        data = self.cleaned_data
        return {
            "record_type": data["record_type"],
            "record_id": data["record_id"],
            "record": data["record"],
            "user_id": data["user"].pk if data["user"] else None,
            "since": data["since"],
            "until": data["until"],
            "action": data["action"],
        }

    def description(self) -> str:
        """The filters used, as `name=value` pairs named like the API's query parameters."""
        data = self.cleaned_data
        parts = [
            ("record_type", data["record_type"]),
            ("record_id", data["record_id"]),
            ("record", data["record"]),
            ("user", f"{data['user'].username} ({data['user'].display_name})" if data["user"] else ""),
            ("action", data["action"]),
            ("since", data["since"].isoformat() if data["since"] else ""),
            ("until", data["until"].isoformat() if data["until"] else ""),
        ]
        return "; ".join(f"{name}={value}" for name, value in parts if value) or "none (the whole trail)"


class PagePosition(forms.Form):
    before = forms.IntegerField(required=False, min_value=1)
    after = forms.IntegerField(required=False, min_value=0)


EXPORTS = ("csv", "pdf")


@login_required
@remembered
def trail(request):
    record_types = selectors.trail_record_types(request.user)
    form = TrailFilter(request.GET or None, record_types=record_types)
    position = PagePosition(request.GET)
    export = request.GET.get("export", "")
    problems = []
    if form.is_bound and not form.is_valid():
        problems.append("Correct the filter below.")
    if not position.is_valid():
        problems.append("The page position must be a whole number (use the page links).")
    if export and export not in EXPORTS:
        problems.append(f"Unknown export format {export[:20]!r}: use csv or pdf.")
    if problems:  # nothing is shown or exported for a filter that could not be read
        context = {"form": form, "problems": problems, "page": None, "filter_query": ""}
        return render(request, "audit/trail.html", context, status=400)
    filters = form.filters() if form.is_bound else {}
    events = selectors.trail(request.user, **filters)
    if export:
        return _export(request, events, form, export)
    page = selectors.trail_page(events, before=position.cleaned_data["before"], after=position.cleaned_data["after"])
    labels = dict(record_types)
    for event in page.events:
        event.record_type_label = labels.get(event.record_type, event.record_type)
    query = QueryDict(mutable=True)
    for name in form.fields:
        if value := request.GET.get(name, "").strip():
            query[name] = value
    context = {"form": form, "page": page, "filter_query": query.urlencode()}
    if filters.get("record_id"):  # a hidden filter: say so, with the way out
        context["one_record"] = filters["record_id"]
        query.pop("record_id")
        context["all_records_query"] = query.urlencode()
    return render(request, "audit/trail.html", context)


def _changes_text(event) -> str:
    return "; ".join(
        f"{row['field']}: {'—' if row['old'] is None else row['old']} → {'—' if row['new'] is None else row['new']}"
        for row in event.change_rows
    )


def _rows(events):
    for event in events[:EXPORT_LIMIT]:
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
            _changes_text(event),
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


def _export(request, events, form: TrailFilter, kind: str) -> HttpResponse:
    """The filtered trail as a file. The file is made first, so the export event records exactly what
    it holds (the format, the filters and the number of events) and is not part of it."""
    description = form.description() if form.is_bound else "none (the whole trail)"
    rows = list(_rows(events))
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    if kind == "csv":
        response = HttpResponse(csv_bytes(HEADER, rows), content_type="text/csv; charset=utf-8")
    else:
        frame = pdf.PageFrame(
            title="Audit trail",
            subtitle=description[:90],
            landscape=True,
            footer_note=f"Exported {timezone.localtime():%Y-%m-%d %H:%M %Z} by {request.user.display_name}",
        )
        story = [
            pdf.Paragraph("Audit trail", pdf.H1),
            pdf.p(f"Filters: {description}. {len(rows)} event{'s' if len(rows) != 1 else ''}."),
            pdf.spacer(),
            pdf.table(HEADER[:12], [row[:12] for row in rows]),
        ]
        response = HttpResponse(pdf.render(frame, story), content_type="application/pdf")
    record(
        request.user,
        "export",
        "audit.trail_exported",
        record_type="audit.trail",
        record_label=f"Audit trail ({kind.upper()}), filters: {description}"[:300],
        changes={"format": [None, kind], "filters": [None, description], "events": [None, len(rows)]},
    )
    response["Content-Disposition"] = f'attachment; filename="audit-trail-{stamp}.{kind}"'
    return response
