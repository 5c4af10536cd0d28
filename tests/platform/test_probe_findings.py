"""Findings of the outside security/integrity probe (issue 10), each fixed at the shared mechanism:
PDF stamping, PDF tables, spreadsheet cells, the workflow lookup, the API's input gate and error
format, PATCH bodies, and password validation."""

from __future__ import annotations

import io
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse

from qualitas.accounts import services as accounts
from qualitas.core.api_types import NOT_AN_OBJECT, NOT_NULL, BodySchema, PatchSchema
from qualitas.core.testing.factories import system
from tests.conftest import PASSWORD, bearer

pytestmark = pytest.mark.django_db


def _pdf_text(body: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)


# --- 1. Controlled copy of an uploaded PDF (pypdf 7) -----------------------------------------------


def test_controlled_copy_of_an_uploaded_pdf_is_stamped(client):
    from reportlab.pdfgen import canvas

    from qualitas.demo import load_organisation
    from qualitas.documents import services as documents
    from qualitas.documents.models import DocumentType, Revision
    from qualitas.documents.setup import ensure_document_types

    load_organisation()
    ensure_document_types()
    author = accounts.User.objects.get(username="author")
    document = documents.document_create(
        actor=author, doc_type=DocumentType.objects.get(code="SOP"), title="Spindle maintenance", content=""
    )
    revision = document.revisions.get()
    documents.revision_update(actor=author, revision=revision, content_kind="file")
    original = io.BytesIO()
    page = canvas.Canvas(original)
    page.drawString(72, 720, "Torque the spindle nut to 45 Nm.")
    page.save()
    documents.revision_upload(
        actor=author,
        revision=Revision.objects.get(pk=revision.pk),
        uploaded_file=SimpleUploadedFile("spindle.pdf", original.getvalue(), content_type="application/pdf"),
    )
    client.force_login(author)
    response = client.get(f"/documents/{document.pk}/revisions/{revision.pk}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = _pdf_text(response.content)
    assert "Torque the spindle nut" in text and "uncontrolled when printed" in text and "Page 1 of 2" in text


def test_dependencies_are_pinned_to_a_major_range_and_constrained():
    import re
    import tomllib
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    requirements = project["dependencies"] + project["optional-dependencies"]["test"]
    unbounded = [r for r in requirements if "<" not in r]
    assert not unbounded, f"No upper bound: {unbounded}"
    constraints = (root / "constraints.txt").read_text()
    pinned = {line.split("==")[0].lower() for line in constraints.splitlines() if "==" in line}
    names = {re.split(r"[\[<>=!~ ]", r, maxsplit=1)[0].lower() for r in requirements}
    assert {"django", "pypdf", "reportlab", "openpyxl"} <= pinned
    assert names <= pinned, names - pinned
    assert "-c constraints.txt" in (root / "Makefile").read_text()


# --- 2. History cells taller than a page -------------------------------------------------------------


def test_record_pdf_splits_a_history_cell_taller_than_a_page(client, quality_manager):
    words = " ".join(f"step{i}" for i in range(6000))
    process = accounts.process_create(actor=quality_manager, code="P-LONG", name="Machining")
    accounts.process_update(actor=quality_manager, process=process, purpose=f"{words} END-OF-PURPOSE")
    client.force_login(quality_manager)
    response = client.get(f"/records/accounts.process/{process.pk}/export.pdf")
    assert response.status_code == 200
    text = _pdf_text(response.content)
    assert "END-OF-PURPOSE" in text and "step5999" in text


# --- 3. Control characters in CSV/XLSX ---------------------------------------------------------------


def test_control_characters_are_escaped_visibly_and_formulas_still_neutralised():
    from openpyxl import load_workbook

    from qualitas.core.exports import csv_bytes, safe_cell, xlsx_bytes

    rows = [["Bell\x06ringer", '=HYPERLINK("x")'], ["\x07=1+1", "tab\tand\nnewline"]]
    assert safe_cell("Bell\x06ringer") == "Bell\\x06ringer" and safe_cell("=1") == "'=1"
    sheet = load_workbook(io.BytesIO(xlsx_bytes("T", ["A\x01", "B"], rows))).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values == [
        ["A\\x01", "B"],
        ["Bell\\x06ringer", '\'=HYPERLINK("x")'],
        ["\\x07=1+1", "tab\tand\nnewline"],
    ]
    text = csv_bytes(["A", "B"], rows).decode("utf-8-sig")
    assert "Bell\\x06ringer" in text and "'=HYPERLINK" in text and "\x06" not in text


def test_master_list_xlsx_with_a_control_character_in_a_title(client):
    from openpyxl import load_workbook

    from qualitas.demo import load_organisation
    from qualitas.documents import services as documents
    from qualitas.documents.models import DocumentType
    from qualitas.documents.setup import ensure_document_types

    load_organisation()
    ensure_document_types()
    author = accounts.User.objects.get(username="author")
    documents.document_create(actor=author, doc_type=DocumentType.objects.get(code="SOP"), title="Ack\x06nowledge")
    client.force_login(accounts.User.objects.get(username="quality"))
    response = client.get("/documents/", {"export": "xlsx"})
    assert response.status_code == 200
    cells = [cell.value for row in load_workbook(io.BytesIO(response.content)).active.iter_rows() for cell in row]
    assert "Ack\\x06nowledge" in cells
    assert "Ack\\x06nowledge" in client.get("/documents/", {"export": "csv"}).content.decode("utf-8-sig")


# --- 4. Workflow pages of record types without a workflow -------------------------------------------


def test_workflow_of_a_record_type_without_one_is_a_404(client, api_client, admin_user, site):
    client.force_login(admin_user)
    assert client.get(f"/workflow/accounts.site/{site.pk}/").status_code == 404
    assert client.get(f"/workflow/accounts.site/{site.pk}/approve/").status_code == 404
    response = api_client.as_user(admin_user).get(f"/records/accounts.site/{site.pk}/transitions")
    assert response.status_code == 404 and response.json()["message"]


# --- 5. The API's input gate: JSON errors, content types, bare bodies, dates ------------------------


def _headers(user) -> dict:
    return bearer(user)


def test_a_body_too_large_is_a_json_413(admin_user, site):
    body = json.dumps({"address": "x" * (30 * 1024 * 1024)})
    response = Client().patch(f"/api/v1/sites/{site.pk}", body, content_type="application/json", **_headers(admin_user))
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json" and "larger" in response.json()["message"]


def test_json_sent_as_text_plain_is_refused(admin_user, site):
    client, headers = Client(), _headers(admin_user)
    for method in (client.post, client.patch, client.put):
        response = method(f"/api/v1/sites/{site.pk}", '{"name": "Renamed"}', content_type="text/plain", **headers)
        assert response.status_code == 415 and "application/json" in response.json()["message"]
    response = client.post("/api/v1/sites", '{"code": "T", "name": "T"}', content_type="text/plain", **headers)
    assert response.status_code == 415
    site.refresh_from_db()
    assert site.name == "Site one" and not accounts.Site.objects.filter(code="T").exists()


def test_django_error_pages_under_the_api_are_json(admin_user):
    response = Client().post("/api/v1/users", {"username": "x"}, content_type="application/json",
                             **_headers(admin_user))  # fmt: skip
    assert response.status_code == 405 and response.json()["message"] == "Method Not Allowed."
    response = Client().get("/api/v1/no-such-endpoint", **_headers(admin_user))
    assert response.status_code == 404 and response.json()["message"]


@pytest.mark.parametrize("body", ['"hello"', "[1, 2]", "42", "true"])
def test_a_patch_body_that_is_not_an_object_is_a_422(admin_user, site, body):
    response = Client().patch(f"/api/v1/sites/{site.pk}", body, content_type="application/json",
                              **_headers(admin_user))  # fmt: skip
    assert response.status_code == 422 and response.json()["errors"][0]["message"] == NOT_AN_OBJECT


def _body_operations():
    """(method, path, schema class) of every operation of the API that takes a JSON body."""
    from qualitas.config.urls import api

    found = []
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                for method in {"POST", "PUT", "PATCH"} & set(operation.methods):
                    for model in operation.models:
                        if model.__ninja_param_source__ == "body":
                            found += [(method, prefix + path, f.annotation) for f in model.model_fields.values()]
    return found


def test_every_body_schema_refuses_what_is_not_an_object():
    operations = [(m, p, s) for m, p, s in _body_operations() if isinstance(s, type)]
    assert len(operations) >= 40
    for method, path, schema in operations:
        assert issubclass(schema, BodySchema), f"{method} {path}: {schema.__name__} must extend BodySchema"
        for body in ("hello", [None, None], 42):
            with pytest.raises(Exception, match="JSON object"):
                schema.model_validate(body)


@pytest.mark.parametrize("path, body", [
    ("/capas", '"AAA"'),  # every field has a default: a bare string was a CAPA of defaults
    ("/users/{admin}/unlock", "[null, null]"),
    ("/sites", '{"code": "B1", "name": "Bool", "active": 0}'),
    ("/document-types", '{"code": "B2", "name": "Ints", "reviewers_required": false}'),
    ("/severities", '{"code": "B3", "name": "Flags", "rank": 9, "disposition_signature": "yes"}'),
])
def test_lax_json_is_refused_and_changes_nothing(admin_user, path, body):
    from qualitas.capa.models import Capa
    from qualitas.core.audit.models import AuditEvent

    headers = _headers(admin_user)
    before = (AuditEvent.objects.count(), Capa.objects.count())
    response = Client().post(f"/api/v1{path.format(admin=admin_user.pk)}", body, content_type="application/json",
                             **headers)  # fmt: skip
    assert response.status_code == 422, response.content
    assert response.json()["errors"][0]["message"]
    assert (AuditEvent.objects.count(), Capa.objects.count()) == before


@pytest.mark.parametrize("query", ["until=0", "since=1700000000", "since=1899-12-31", "until=tomorrow"])
def test_date_query_parameters_take_iso_dates_from_1900(admin_user, query):
    response = Client().get(f"/api/v1/audit/events?{query}", **_headers(admin_user))
    assert response.status_code == 422, (query, response.content)
    assert Client().get("/api/v1/audit/events?since=1900-01-01&until=2030-01-01",
                        **_headers(admin_user)).status_code == 200  # fmt: skip


def _errors_on(schema, data: dict, field: str) -> list[str]:
    from pydantic import ValidationError as PydanticError

    try:
        schema.model_validate(data)
    except PydanticError as error:
        return [e["msg"] for e in error.errors() if e["loc"] == (field,)]
    return []


def test_dates_before_1900_are_refused(api_client, admin_user):
    from qualitas.capa.schemas import CapaPatch, ComplaintIn, NonconformityIn
    from qualitas.documents.schemas import RevisionPatch
    from qualitas.measurements.schemas import SubgroupIn, SubgroupPatch

    for schema, field, early, fine in (
        (RevisionPatch, "effective_date", "1899-12-31", "1900-01-01"),
        (CapaPatch, "due_date", "0001-01-01", "2030-06-30"),
        (NonconformityIn, "detected_on", "1776-07-04", "1999-12-31"),
        (ComplaintIn, "received_on", "1899-12-31", "1900-01-01"),
        (SubgroupIn, "taken_at", "0001-01-01T00:00:00+05:00", "1900-01-01T12:00:00+01:00"),
        (SubgroupPatch, "taken_at", "1850-01-01T00:00:00Z", "2024-01-01T00:00:00Z"),
    ):
        assert _errors_on(schema, {field: early}, field) == ["Dates before 1900-01-01 are not accepted."], schema
        assert _errors_on(schema, {field: fine}, field) == [], schema
    api = api_client.as_user(admin_user)
    response = api.post("/actions", {"title": "Old", "owner_id": admin_user.pk, "due_date": "1066-10-14"})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "due_date"


# --- 6. Explicit null for a field that cannot be cleared --------------------------------------------


def _body_schemas():
    """(method, path, schema class) of every PATCH and PUT operation of the API."""
    from qualitas.config.urls import api

    found = []
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                for method in {"PATCH", "PUT"} & set(operation.methods):
                    for model in operation.models:
                        if model.__ninja_param_source__ == "body":
                            found += [(method, prefix + path, f.annotation) for f in model.model_fields.values()]
    return found


def test_every_patch_and_put_body_refuses_null_where_the_field_cannot_be_cleared():
    operations = _body_schemas()
    assert len(operations) >= 15
    for method, path, schema in operations:
        assert issubclass(schema, PatchSchema), f"{method} {path}: {schema.__name__} must extend PatchSchema"
        nullable = schema.nullable_fields()
        for name in schema.model_fields:
            model_field = schema.model_field_for(name)
            if name in nullable:
                assert name in schema.nullable or (model_field.null and not model_field.many_to_many), (path, name)
                continue
            with pytest.raises(Exception) as refused:
                schema.model_validate({name: None})
            errors = [e for e in refused.value.errors() if e["loc"] == (name,)]
            assert errors and errors[0]["msg"] == NOT_NULL, (method, path, name, refused.value.errors())
        with pytest.raises(Exception, match="JSON object"):
            schema.model_validate("hello")


def test_the_openapi_document_shows_which_patch_fields_take_null(client):
    spec = client.get("/api/v1/openapi.json").json()
    schemas = spec["components"]["schemas"]
    site_patch = schemas["SitePatch"]["properties"]
    assert site_patch["address"]["type"] == "string" and "anyOf" not in site_patch["address"]
    department = schemas["DepartmentPatch"]["properties"]
    assert {"type": "null"} in department["site_id"]["anyOf"]


@pytest.mark.parametrize(
    ("schema_path", "field"),
    [
        ("qualitas.accounts.schemas.ProcessPatch", "outputs"),
        ("qualitas.capa.schemas.NonconformityPatch", "containment"),
        ("qualitas.documents.schemas.RevisionPatch", "content"),
        ("qualitas.documents.schemas.RevisionPatch", "change_summary"),
        ("qualitas.measurements.schemas.CharacteristicPatch", "ewma_lambda"),
        ("qualitas.documents.schemas.DocumentTypePatch", "number_pattern"),
    ],
)
def test_the_reported_null_fields_are_refused(schema_path, field):
    from importlib import import_module

    module, name = schema_path.rsplit(".", 1)
    schema = getattr(import_module(module), name)
    with pytest.raises(Exception) as refused:
        schema.model_validate({"version": 1, field: None})
    assert refused.value.errors()[0]["loc"] == (field,)


def test_null_for_a_site_address_is_a_422_naming_the_field(api_client, admin_user, site, other_site):
    from qualitas.accounts.models import Department

    api = api_client.as_user(admin_user)
    response = api.patch(f"/sites/{site.pk}", {"address": None, "version": site.version})
    assert response.status_code == 422 and response.json()["errors"] == [{"field": "address", "message": NOT_NULL}]
    process = accounts.process_create(actor=admin_user, code="P-N", name="Null outputs")
    response = api.patch(f"/processes/{process.pk}", {"outputs": None, "version": process.version})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "outputs"
    # A field that can be cleared still takes null.
    department = accounts.department_create(actor=admin_user, code="D", name="D", site=other_site)
    cleared = api.patch(f"/departments/{department.pk}", {"site_id": None, "version": department.version})
    assert cleared.status_code == 200
    assert Department.objects.get(pk=department.pk).site_id is None


# --- 7. Weak passwords --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "password"),
    [
        ("someone", "aaaaaaaaaaaa"),
        ("someone", "abcabcabcabc"),
        ("someone", "xxxxxxxxxxxxxxxxyz12"),
        ("pwuser", "pwuser123456"),
        ("someone", "qualitas-demo"),
    ],
)
def test_weak_passwords_are_refused_on_create_and_change(make_user, username, password):
    with pytest.raises(ValidationError):
        accounts.user_create(actor=system(), username=username, password=password)
    user = make_user(username=f"{username}2")
    with pytest.raises(ValidationError):
        accounts.user_set_password(actor=system(), user=user, password=password)
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_the_demo_password_is_refused_unless_in_demo_mode(make_user):
    from qualitas.demo import DEMO_PASSWORD

    user = make_user()
    with pytest.raises(ValidationError, match="demo password"):
        accounts.user_set_password(actor=system(), user=user, password=DEMO_PASSWORD)
    with override_settings(DEMO_MODE=True):
        accounts.user_set_password(actor=system(), user=user, password=DEMO_PASSWORD)
    assert user.check_password(DEMO_PASSWORD)


def test_the_profile_password_change_runs_the_validators(client, make_user):
    user = make_user(username="changer")
    client.force_login(user)
    response = client.post(
        reverse("password-change"),
        {"old_password": PASSWORD, "new_password1": "aaaaaaaaaaaaaaaa", "new_password2": "aaaaaaaaaaaaaaaa"},
    )
    assert response.status_code == 200 and "repeats the same characters" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_good_passphrases_and_the_demo_loader_still_work():
    from qualitas.demo import DEMO_PASSWORD, load_organisation

    accounts.user_create(actor=system(), username="pwuser", password="correct-horse-battery-staple")
    load_organisation()
    assert accounts.User.objects.get(username="quality").check_password(DEMO_PASSWORD)


@pytest.mark.django_db
def test_a_passphrase_sharing_letters_with_the_username_is_accepted():
    user = accounts.user_create(actor=system(), username="operator2", password="operator-passphrase-2026")
    assert user.check_password("operator-passphrase-2026")


# --- Optimistic locking: every change names the version it was made on ---------------------------------


def test_every_patch_and_step_body_of_a_versioned_record_requires_the_version():
    """Walks the OpenAPI document: a PATCH/PUT body, or a step body, of a record with a version must
    require `version` (a race without it silently lost one client's update)."""
    from qualitas.config.urls import api

    document = api.get_openapi_schema()
    schemas = document["components"]["schemas"]
    missing = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            if not body or "$ref" not in body:
                continue
            schema = schemas[body["$ref"].rsplit("/", 1)[1]]
            if "version" in schema.get("properties", {}) and "version" not in schema.get("required", []):
                missing.append(f"{method.upper()} {path}")
    assert missing == []


@pytest.mark.django_db
def test_a_patch_without_the_version_is_a_422_and_changes_nothing(api_client, admin_user, site):
    before = site.version
    response = api_client.as_user(admin_user).patch(f"/sites/{site.pk}", {"name": "Lost update"})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "version"
    site.refresh_from_db()
    assert site.version == before and site.name != "Lost update"


def test_an_unknown_step_of_a_record_with_a_workflow_is_a_404(client, quality_manager):
    from qualitas.core.testing import factories

    nc = factories.nonconformity(actor=quality_manager)
    client.force_login(quality_manager)
    url = f"/workflow/capa.nonconformity/{nc.pk}/no-such-step/"
    assert client.get(url).status_code == 404
    assert client.post(url, {"version": nc.version}).status_code == 404
