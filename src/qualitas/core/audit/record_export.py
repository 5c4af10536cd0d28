"""Generic export of any regulated record with its metadata, links, signatures and history (P11-B),
as JSON (electronic) and PDF (human-readable)."""

from __future__ import annotations

from django.utils import timezone

from qualitas.core import pdf, records
from qualitas.core.audit.canonical import to_primitive
from qualitas.core.audit.services import record
from qualitas.core.registry import registry
from qualitas.core.regulated import content_hash_of, is_regulated, snapshot


def history_section(instance, actor) -> list[dict]:
    """The record's history as the actor may read it (see selectors.history: links to records the
    actor may not see name only their type)."""
    from qualitas.core.audit.selectors import history

    events = reversed(history(actor, records.key_for(instance), instance.pk))
    return [
        {
            "sequence": e.sequence,
            "at": to_primitive(e.occurred_at),
            "actor": e.actor_name,
            "source": e.source,
            "action": e.action,
            "event": e.event,
            "version": e.record_version,
            "changes": e.changes_dict,
            "reason": e.reason,
            "hash": e.hash,
        }
        for e in events
    ]


def signatures_section(instance, actor=None) -> list[dict]:
    from qualitas.core.signatures.selectors import signatures_of

    return [
        {
            "signer": s.signer_name,
            "username": s.signer_username,
            "meaning": s.meaning,
            "signed_at": to_primitive(s.signed_at),
            "record_version": s.record_version,
            "valid": s.is_valid,
            "invalid_reason": s.invalid_reason,
            "comment": s.comment,
            "content_hash": s.content_hash,
            "manifest_hash": s.manifest_hash,
        }
        for s in signatures_of(instance)
    ]


def export_data(actor, record_type: str, record_id) -> tuple[object, dict]:
    instance = records.resolve(actor, record_type, record_id)
    data = {
        "record_type": record_type,
        "id": instance.pk,
        "label": str(instance),
        "exported_at": to_primitive(timezone.now()),
        "exported_by": actor.display_name,
        "fields": snapshot(instance) if is_regulated(instance) else {},
        "version": getattr(instance, "version", None),
        "content_hash": content_hash_of(instance) if is_regulated(instance) else None,
    }
    for name, section in registry.export_sections.items():
        data[name] = section(instance, actor)
    record(actor, "export", "record.exported", instance=instance)
    return instance, data


def export_pdf(actor, record_type: str, record_id) -> bytes:
    from qualitas.core.signatures.selectors import signatures_of

    instance, data = export_data(actor, record_type, record_id)
    label = records.get_type(record_type).label
    frame = pdf.PageFrame(
        title=f"{label}: {instance}",
        subtitle=f"Version {data['version']}",
        footer_note=f"Exported {timezone.localtime():%Y-%m-%d %H:%M %Z} by {actor.display_name}",
    )
    story = [
        pdf.Paragraph(f"{label}: {pdf.escape(str(instance))}", pdf.H1),
        pdf.p(
            f"Record {record_type} #{instance.pk}, version {data['version']}, content hash {data['content_hash']}",
            pdf.SMALL,
        ),
        pdf.Paragraph("Fields", pdf.H2),
        pdf.table(["Field", "Value"], sorted(data["fields"].items()), widths=[50 * pdf.mm, None]),
    ]
    for name, rows in data.items():
        if name in ("history", "signatures") or not isinstance(rows, list) or not rows or not isinstance(rows[0], dict):
            continue
        story += [
            pdf.Paragraph(name.replace("_", " ").capitalize(), pdf.H2),
            pdf.table(list(rows[0].keys()), [list(map(str, row.values())) for row in rows]),
        ]
    story += pdf.signature_block(signatures_of(instance))
    story += [
        pdf.Paragraph("History", pdf.H2),
        pdf.table(
            ["#", "When (UTC)", "Who", "What", "Changes", "Reason"],
            [
                [
                    e["sequence"],
                    e["at"],
                    e["actor"],
                    e["event"],
                    "; ".join(f"{k}: {v[0]} → {v[1]}" for k, v in e["changes"].items()),
                    e["reason"],
                ]
                for e in data["history"]
            ],
            widths=[10 * pdf.mm, 34 * pdf.mm, 28 * pdf.mm, 36 * pdf.mm, None, 28 * pdf.mm],
        ),
    ]
    return pdf.render(frame, story)
