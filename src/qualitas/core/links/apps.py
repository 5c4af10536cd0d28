from django.apps import AppConfig


class LinksConfig(AppConfig):
    name = "qualitas.core.links"
    label = "links"

    def ready(self) -> None:
        from qualitas.core.links.api import router
        from qualitas.core.registry import RecordPanel, registry

        registry.add_api_router("", router)
        registry.add_record_panel(RecordPanel("related", "Related", "links:panel", order=100))
        registry.add_export_section("links", _export)


def _export(instance) -> list[dict]:
    from qualitas.core.links.models import KINDS
    from qualitas.core.links.selectors import links_of
    from qualitas.core.records import key_for

    key, pk = key_for(instance), str(instance.pk)
    rows = []
    for link in links_of(instance):
        outgoing = link.source_type == key and link.source_id == pk
        rows.append(
            {
                "relation": KINDS[link.kind][0 if outgoing else 1],
                "record_type": link.target_type if outgoing else link.source_type,
                "record_id": link.target_id if outgoing else link.source_id,
                "record": link.target_label if outgoing else link.source_label,
                "note": link.note,
            }
        )
    return rows
