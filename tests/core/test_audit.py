"""The tamper-evident audit trail (P11-A, P11-E), reason for change (A11-R) and optimistic locking."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from qualitas.accounts import services as accounts
from qualitas.accounts.models import Process
from qualitas.core.audit import verify
from qualitas.core.audit.models import AuditEvent
from qualitas.core.regulated import StaleVersion, record_create, record_update
from tests.sample.models import SampleRecord

pytestmark = pytest.mark.django_db


def run_verify(*args):
    """`qualitas audit verify` in-process: (exit code, stdout, stderr)."""
    import io

    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("audit", "verify", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


def test_a_change_writes_one_event_with_old_and_new_values_and_the_reason(quality_manager):
    process = accounts.process_create(actor=quality_manager, code="P-1", name="Machining")
    accounts.process_update(actor=quality_manager, process=process, name="Turning", reason="Renamed by the team")
    event = AuditEvent.objects.filter(record_type="accounts.process", record_id=str(process.pk)).last()
    assert event.action == "update" and event.event == "organisation.process_updated"
    assert event.changes_dict == {"name": ["Machining", "Turning"]}
    assert event.reason == "Renamed by the team"
    assert event.actor_name == "Quinn Manager" and event.record_version == 2
    assert event.content_hash


def test_events_chain_to_each_other():
    events = list(AuditEvent.objects.order_by("sequence"))
    assert events, "the built-in roles and catalogue loading are audited"
    for previous, current in zip(events, events[1:], strict=False):
        assert current.previous_hash == previous.hash
        assert current.sequence == previous.sequence + 1


def test_untouched_database_verifies_with_exit_0(quality_manager):
    accounts.process_create(actor=quality_manager, code="P-1", name="Machining")
    code, out, err = run_verify()
    assert code == 0, err
    assert out.startswith("audit trail intact:")


@pytest.mark.parametrize("statement", ["UPDATE audit_auditevent SET reason = 'x'", "DELETE FROM audit_auditevent"])
def test_the_database_refuses_update_and_delete_on_the_trail(statement):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)


def test_the_model_refuses_changes_too():
    event = AuditEvent.objects.first()
    with pytest.raises(RuntimeError):
        event.save()
    with pytest.raises(RuntimeError):
        event.delete()


def test_raw_sql_edit_of_a_record_is_named_by_verify(quality_manager):
    process = accounts.process_create(actor=quality_manager, code="P-9", name="Welding")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE accounts_process SET name = 'Tampered' WHERE id = %s", [process.pk])
    code, out, err = run_verify()
    assert code == 1
    assert f"accounts.process {process.pk}" in err and "altered outside the application" in err


def test_bulk_update_behind_the_services_is_detected(quality_manager):
    accounts.process_create(actor=quality_manager, code="P-1", name="A")
    Process.objects.update(purpose="changed in bulk")
    report = verify.verify()
    assert not report.ok and any("altered outside" in p for p in report.problems)


def drop_triggers(cursor):
    if connection.vendor == "sqlite":
        cursor.execute("DROP TRIGGER audit_event_no_update")
        cursor.execute("DROP TRIGGER audit_event_no_delete")
    else:
        cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")


def test_editing_an_event_behind_the_back_breaks_the_chain(quality_manager):
    accounts.process_create(actor=quality_manager, code="P-1", name="A")
    target = AuditEvent.objects.order_by("sequence")[2]
    with connection.cursor() as cursor:
        drop_triggers(cursor)
        cursor.execute("UPDATE audit_auditevent SET reason = 'rewritten' WHERE sequence = %s", [target.sequence])
    code, out, err = run_verify()
    assert code == 1
    assert f"event #{target.sequence} was altered" in err


def test_deleting_the_last_events_is_caught_by_a_checkpoint(quality_manager, tmp_path):
    accounts.process_create(actor=quality_manager, code="P-1", name="A")
    checkpoint = tmp_path / "head.json"
    call_command("audit", "checkpoint", "--out", str(checkpoint))
    assert run_verify("--checkpoint", str(checkpoint))[0] == 0
    last = AuditEvent.objects.order_by("-sequence").first()
    with connection.cursor() as cursor:
        drop_triggers(cursor)
        cursor.execute("DELETE FROM audit_auditevent WHERE sequence >= %s", [last.sequence - 1])
        # Cover the tracks in the head row and the record too: only the checkpoint can tell.
        cursor.execute(
            "UPDATE audit_audithead SET sequence = %s, hash = %s",
            [last.sequence - 2, AuditEvent.objects.get(sequence=last.sequence - 2).hash],
        )
        cursor.execute("DELETE FROM accounts_process WHERE code = %s", ["P-1"])
    report = verify.verify(checkpoint)
    assert any("checkpoint" in problem and "removed" in problem for problem in report.problems)
    code, _, err = run_verify("--checkpoint", str(checkpoint))
    assert code == 1 and "events were removed" in err


def test_a_forged_checkpoint_is_rejected(tmp_path):
    import json

    checkpoint = tmp_path / "head.json"
    call_command("audit", "checkpoint", "--out", str(checkpoint))
    document = json.loads(checkpoint.read_text())
    document["sequence"] = 1
    checkpoint.write_text(json.dumps(document))
    assert any("not authentic" in p for p in verify.verify(checkpoint).problems)


def test_verify_with_a_missing_checkpoint_file_exits_2(tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError) as excinfo:
        call_command("audit", "verify", "--checkpoint", str(tmp_path / "nope.json"))
    assert excinfo.value.returncode == 2


def test_change_to_an_approved_record_needs_a_reason(quality_manager):
    record = record_create(
        quality_manager,
        SampleRecord(title="T", body="B", author=quality_manager, status="approved"),
        event="sample.created",
    )
    with pytest.raises(ValidationError, match="reason"):
        record_update(quality_manager, record, event="sample.updated", changes={"title": "T2"})
    assert SampleRecord.objects.get(pk=record.pk).title == "T"
    record_update(quality_manager, record, event="sample.updated", changes={"title": "T2"}, reason="Typo")
    assert SampleRecord.objects.get(pk=record.pk).title == "T2"


def test_saving_from_a_stale_version_fails_and_loses_nothing(quality_manager):
    process = accounts.process_create(actor=quality_manager, code="P-1", name="A")
    accounts.process_update(actor=quality_manager, process=process, version=1, name="B")
    with pytest.raises(StaleVersion, match="changed by someone else"):
        accounts.process_update(actor=quality_manager, process=Process.objects.get(pk=process.pk), version=1, name="C")
    assert Process.objects.get(pk=process.pk).name == "B"


def test_api_edit_from_a_stale_version_is_409(api_client, quality_manager):
    process = accounts.process_create(actor=quality_manager, code="P-1", name="A")
    api = api_client.as_user(quality_manager)
    assert api.patch(f"/processes/{process.pk}", {"name": "B", "version": 1}).status_code == 200
    response = api.patch(f"/processes/{process.pk}", {"name": "C", "version": 1})
    assert response.status_code == 409
    assert "changed by someone else" in response.json()["message"]
    assert api.get(f"/processes/{process.pk}").json()["name"] == "B"


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_edits_exactly_one_wins(quality_manager):
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith(("file:memorydb", ":memory:")):
        pytest.skip("in-memory SQLite cannot be shared between threads; the PostgreSQL run covers this")
    process = accounts.process_create(actor=quality_manager, code="P-1", name="A")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def edit(name):
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            accounts.process_update(
                actor=quality_manager, process=Process.objects.get(pk=process.pk), version=1, name=name
            )
            outcomes.append("saved")
        except StaleVersion:
            outcomes.append("409")
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=edit, args=(name,)) for name in ("B", "C")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["409", "saved"]
    assert Process.objects.get(pk=process.pk).version == 2


def test_sign_in_and_failed_sign_in_are_audited(client, employee):
    client.post("/accounts/login/", {"username": "emp1", "password": "wrong"})
    client.post("/accounts/login/", {"username": "emp1", "password": "correct-horse-battery-staple"})
    actions = list(
        AuditEvent.objects.filter(action__in=["login", "login-failure"]).values_list("action", "record_label")
    )
    assert ("login-failure", "emp1") in actions and ("login", "emp1") in actions


def test_history_tab_shows_who_what_and_why(client, quality_manager):
    process = accounts.process_create(actor=quality_manager, code="P-1", name="Machining")
    accounts.process_update(actor=quality_manager, process=process, name="Turning", reason="New name")
    client.force_login(quality_manager)
    html = client.get(f"/records/accounts.process/{process.pk}/history/").content.decode()
    assert "Quinn Manager" in html and "Machining" in html and "Turning" in html and "New name" in html


def test_history_of_a_record_you_cannot_see_is_404(client, make_user, quality_manager):
    process = accounts.process_create(actor=quality_manager, code="P-1", name="Machining")
    client.force_login(make_user())
    assert client.get(f"/records/accounts.process/{process.pk}/history/").status_code in (403, 404)


def test_trail_exports_csv_and_pdf_filtered_and_the_export_is_audited(client, make_user, quality_manager):
    process = accounts.process_create(actor=quality_manager, code="P-1", name="Machining")
    client.force_login(quality_manager)
    response = client.get(
        "/records/audit-trail/", {"record_type": "accounts.process", "record_id": process.pk, "export": "csv"}
    )
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    body = response.content.decode("utf-8-sig")
    assert "organisation.process_created" in body and "account.signed_in" not in body
    response = client.get("/records/audit-trail/", {"export": "pdf"})
    assert response.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="export", event="audit.trail_exported").count() == 2


def test_only_trail_readers_see_the_whole_trail(client, employee, api_client):
    client.force_login(employee)
    assert client.get("/records/audit-trail/").status_code == 403
    assert api_client.as_user(employee).get("/audit/events").status_code == 403


def test_api_history_and_events(api_client, quality_manager):
    process = accounts.process_create(actor=quality_manager, code="P-1", name="Machining")
    api = api_client.as_user(quality_manager)
    history = api.get(f"/records/accounts.process/{process.pk}/history").json()
    assert history[0]["event"] == "organisation.process_created"
    events = api.get("/audit/events", record_type="accounts.process").json()["items"]
    assert str(process.pk) in {e["record_id"] for e in events}  # with the session organisation's processes
    assert {e["record_type"] for e in events} == {"accounts.process"}
    api_event = api.get("/audit/events", action="create").json()["items"][0]
    assert api_event["actor_name"]


def test_api_writes_record_the_source_and_token(api_client, quality_manager):
    api = api_client.as_user(quality_manager)
    response = api.post("/sites", {"code": "X1", "name": "X"})
    event = AuditEvent.objects.filter(event="organisation.site_created").last()
    assert response.status_code == 201 and event.source == "api" and event.token_id


def test_record_export_json_and_pdf_with_signatures_and_history(client, quality_manager, api_client):
    process = accounts.process_create(actor=quality_manager, code="P-1", name="Machining")
    accounts.process_update(actor=quality_manager, process=process, name="Turning", reason="Renamed")
    client.force_login(quality_manager)
    data = client.get(f"/records/accounts.process/{process.pk}/export.json").json()
    assert data["fields"]["name"] == "Turning" and data["version"] == 2
    assert [e["event"] for e in data["history"]] == ["organisation.process_created", "organisation.process_updated"]
    assert data["history"][1]["changes"] == {"name": ["Machining", "Turning"]} and "signatures" in data
    pdf_bytes = client.get(f"/records/accounts.process/{process.pk}/export.pdf").content
    assert pdf_bytes.startswith(b"%PDF")
    api_data = api_client.as_user(quality_manager).get(f"/records/accounts.process/{process.pk}/export").json()
    assert api_data["content_hash"] == data["content_hash"]
    assert AuditEvent.objects.filter(event="record.exported").count() == 3


def test_permission_denied_is_audited_on_pages_and_api(client, employee, api_client):
    client.force_login(employee)
    client.get("/administration/users/")
    api_client.as_user(employee).post("/sites", {"code": "Z", "name": "Z"})
    refused = list(AuditEvent.objects.filter(action="permission-denied").values_list("actor_id", "record_label"))
    assert (employee.pk, "GET /administration/users/") in refused
    assert (employee.pk, "POST /api/v1/sites") in refused
