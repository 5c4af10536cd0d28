import datetime as dt

from ninja import File, Form, Router, Schema
from ninja.files import UploadedFile

from qualitas.core import records
from qualitas.core.api_types import PathId
from qualitas.core.files import selectors, services
from qualitas.core.files.views import download_response

router = Router(tags=["attachments"])


class AttachmentOut(Schema):
    id: int
    record_type: str
    record_id: str
    original_name: str
    content_type: str
    size: int
    sha256: str
    description: str
    uploaded_by_id: int
    uploaded_at: dt.datetime
    withdrawn_at: dt.datetime | None
    withdrawal_reason: str


@router.get(
    "/records/{record_type}/{record_id}/attachments", response=list[AttachmentOut], summary="Attachments of a record"
)
def list_attachments(request, record_type: str, record_id: PathId, include_withdrawn: bool = False):
    return selectors.attachments_of(request.auth, record_type, record_id, include_withdrawn)[1]


@router.post(
    "/records/{record_type}/{record_id}/attachments",
    response={201: AttachmentOut},
    summary="Attach a file (type checked from its content; audited)",
)
def add_attachment(request, record_type: str, record_id: PathId, file: File[UploadedFile], description: Form[str] = ""):
    instance = records.resolve(request.auth, record_type, record_id)
    from ninja import Status

    return Status(
        201,
        services.attachment_add(
            actor=request.auth, instance=instance, uploaded_file=file, description=description[:500]
        ),
    )


@router.get("/attachments/{attachment_id}/download", summary="Download an attachment (verified SHA-256)")
def download(request, attachment_id: PathId):
    return download_response(selectors.attachment_get(request.auth, attachment_id))
