from django.apps import AppConfig


class FilesConfig(AppConfig):
    name = "qualitas.core.files"
    label = "files"

    def ready(self) -> None:
        from qualitas.core.files.api import router
        from qualitas.core.registry import RecordPanel, registry

        registry.add_api_router("", router)
        registry.add_record_panel(RecordPanel("attachments", "Attachments", "files:panel", order=200))
        registry.add_export_section("attachments", _export)


def _export(instance) -> list[dict]:
    from qualitas.core.files.models import Attachment
    from qualitas.core.records import key_for

    return [
        {
            "name": a.original_name,
            "type": a.content_type,
            "size": a.size,
            "sha256": a.sha256,
            "uploaded_by": a.uploaded_by.display_name,
            "uploaded_at": a.uploaded_at.isoformat(),
            "withdrawn": bool(a.withdrawn_at),
        }
        for a in Attachment.objects.filter(record_type=key_for(instance), record_id=str(instance.pk))
    ]
