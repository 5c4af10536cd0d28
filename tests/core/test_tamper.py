"""Tamper evidence (P11-A, P11-E, P11-L; issue 10): a row changed, inserted or deleted behind the
application, a file altered on disk, or the trail cut back or rewritten is named by `qualitas audit verify`."""

from __future__ import annotations

import io
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from qualitas.accounts import services as accounts
from qualitas.accounts.models import Role, RoleAssignment
from qualitas.core import records
from qualitas.core.audit import canonical, checkpoints, covered, verify
from qualitas.core.audit.models import AuditEvent
from qualitas.core.audit.services import chain_hash
from qualitas.core.files import services as files
from qualitas.core.links import services as links
from qualitas.core.regulated import audited_fields, is_regulated
from qualitas.core.signatures import selectors as signature_selectors
from qualitas.core.signatures import services as signing
from qualitas.core.signatures.models import Signature
from qualitas.core.testing import factories
from qualitas.core.testing.factories import PASSWORD, system

pytestmark = pytest.mark.django_db



@pytest.fixture(autouse=True)
def checkpoint_dir(settings, tmp_path):
    """Each test its own checkpoint directory: a checkpoint describes one database's trail."""
    settings.CHECKPOINT_DIR = tmp_path / "checkpoints"
    return settings.CHECKPOINT_DIR


def run_verify(*args):
    """`qualitas audit verify` in-process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("audit", "verify", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


def sql(statement: str, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement, list(params))


def drop_triggers():
    if connection.vendor == "sqlite":
        sql("DROP TRIGGER audit_event_no_update")
        sql("DROP TRIGGER audit_event_no_delete")
    else:
        sql("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")


@pytest.fixture
def process(quality_manager):
    return factories.process(actor=quality_manager, code="P-T1", name="Machining")


@pytest.fixture
def signature(quality_manager, process):
    factories.acknowledged(quality_manager)
    return signing.sign(
        actor=quality_manager, instance=process, meaning="approved", credentials=signing.Credentials(password=PASSWORD)
    )


def test_an_untouched_database_with_every_covered_kind_of_row_verifies(
    client, quality_manager, admin_user, process, signature, employee
):
    other = factories.process(actor=quality_manager, code="P-T2", name="Turning")
    link = links.link_create(actor=quality_manager, source=other, target=process, kind="relates_to")
    links.link_remove(actor=quality_manager, link=link, reason="Wrong record")
    attachment = factories.attachment(actor=quality_manager, instance=process)
    files.attachment_withdraw(actor=quality_manager, attachment=attachment, reason="Superseded")
    assignment = accounts.role_assign(actor=system(), user=employee, role="auditor")
    accounts.role_unassign(actor=admin_user, assignment=assignment)
    code, out, err = run_verify()
    assert code == 0, err
    assert out.startswith("audit trail intact:") and " 1 files verified" in out
    assert AuditEvent.objects.filter(record_type="links.link", record_id=str(link.pk)).count() == 2
    assert AuditEvent.objects.get(event="account.role_assignment_deleted").content_hash == covered.DELETED
    client.force_login(quality_manager)
    trail = client.get("/records/audit-trail/", {"record_type": "signatures.signature"})
    assert trail.status_code == 200 and "signature.signature_saved" in trail.content.decode()


# --- Signatures (P11-L) ------------------------------------------------------------------------------


def test_a_signers_name_changed_in_the_database_is_named_and_the_signature_shows_invalid(
    client, quality_manager, process, signature
):
    sql("UPDATE signatures_signature SET signer_name = 'Mallory' WHERE id = %s", [signature.pk])
    code, _, err = run_verify()
    assert code == 1
    assert f"signatures.signature {signature.pk} (table signatures_signature" in err
    assert "signer_name is 'Mallory', the trail says 'Quinn Manager'" in err
    [shown] = signature_selectors.signatures_of(process)
    assert not shown.is_valid and "manifest" in shown.invalid_reason
    client.force_login(quality_manager)
    panel = client.get(f"/signatures/accounts.process/{process.pk}/").content.decode()
    assert "Invalid: signature altered" in panel and "Valid<" not in panel
    exported = client.get(f"/records/accounts.process/{process.pk}/export.json").json()
    assert exported["signatures"][0]["valid"] is False and "manifest" in exported["signatures"][0]["invalid_reason"]
    assert client.get(f"/records/accounts.process/{process.pk}/export.pdf").content.startswith(b"%PDF")


def test_a_recomputed_manifest_hash_does_not_hide_the_change_from_verify(process, signature):
    forged = Signature.objects.get(pk=signature.pk)
    forged.signer_name = "Mallory"
    sql(
        "UPDATE signatures_signature SET signer_name = 'Mallory', manifest_hash = %s WHERE id = %s",
        [signing.manifest_of(forged), signature.pk],
    )
    assert signature_selectors.signatures_of(process)[0].is_valid  # the row alone cannot tell
    report = verify.verify()
    assert any(f"signatures.signature {signature.pk} " in p and "signer_name" in p for p in report.problems)


def test_a_deleted_signature_is_named(signature):
    sql("DELETE FROM signatures_signature WHERE id = %s", [signature.pk])
    code, _, err = run_verify()
    assert code == 1
    assert f"signatures.signature {signature.pk} (table signatures_signature, id {signature.pk}) was deleted" in err


# --- Roles and role assignments ---------------------------------------------------------------------------


def test_an_administrator_assignment_inserted_in_the_database_is_named(employee):
    administrator = Role.objects.get(code="administrator")
    sql(
        "INSERT INTO accounts_roleassignment (user_id, role_id, site_id, assigned_at) VALUES (%s, %s, NULL, %s)",
        [employee.pk, administrator.pk, timezone.now()],
    )
    inserted = RoleAssignment.objects.get(user=employee, role=administrator)
    code, _, err = run_verify()
    assert code == 1
    assert f"accounts.roleassignment {inserted.pk} (table accounts_roleassignment, id {inserted.pk})" in err
    assert "inserted outside the application" in err


def test_a_role_assignment_moved_to_another_role_or_deleted_is_named(employee):
    [assignment] = RoleAssignment.objects.filter(user=employee)
    administrator = Role.objects.get(code="administrator")
    sql("UPDATE accounts_roleassignment SET role_id = %s WHERE id = %s", [administrator.pk, assignment.pk])
    report = verify.verify()
    assert any(f"accounts.roleassignment {assignment.pk} " in p and "role_id is" in p for p in report.problems)
    sql("DELETE FROM accounts_roleassignment WHERE id = %s", [assignment.pk])
    report = verify.verify()
    assert any(f"accounts.roleassignment {assignment.pk} " in p and "deleted" in p for p in report.problems)


def test_a_role_assignment_put_back_after_its_audited_removal_is_named(admin_user, employee):
    assignment = accounts.role_assign(actor=system(), user=employee, role="auditor")
    row = RoleAssignment.objects.filter(pk=assignment.pk).values("user_id", "role_id", "assigned_at").get()
    accounts.role_unassign(actor=admin_user, assignment=RoleAssignment.objects.get(pk=assignment.pk))
    sql(
        "INSERT INTO accounts_roleassignment (id, user_id, role_id, site_id, assigned_at) "
        "VALUES (%s, %s, %s, NULL, %s)",
        [assignment.pk, row["user_id"], row["role_id"], row["assigned_at"]],
    )
    report = verify.verify()
    assert any(f"accounts.roleassignment {assignment.pk} " in p and "records its deletion" in p
               for p in report.problems)


def test_a_roles_permissions_changed_in_the_database_are_named():
    role = Role.objects.get(code="employee")
    sql("UPDATE accounts_role SET permissions = %s WHERE id = %s", [json.dumps({"*": ["view", "administer"]}), role.pk])
    code, _, err = run_verify()
    assert code == 1
    assert f"accounts.role {role.pk} (Employee) was altered outside the application" in err


# --- Links and attachments ---------------------------------------------------------------------------------


def test_a_retargeted_link_is_named(quality_manager, process):
    other = factories.process(actor=quality_manager, code="P-T2", name="Turning")
    third = factories.process(actor=quality_manager, code="P-T3", name="Grinding")
    link = links.link_create(actor=quality_manager, source=other, target=process, kind="caused_by")
    sql("UPDATE links_link SET target_id = %s WHERE id = %s", [str(third.pk), link.pk])
    code, _, err = run_verify()
    assert code == 1
    assert f"links.link {link.pk} (table links_link, id {link.pk}) was altered" in err
    assert f"target_id is '{third.pk}', the trail says '{process.pk}'" in err


def test_an_inserted_or_deleted_link_is_named(quality_manager, process):
    other = factories.process(actor=quality_manager, code="P-T2", name="Turning")
    link = links.link_create(actor=quality_manager, source=other, target=process, kind="caused_by")
    sql("DELETE FROM links_link WHERE id = %s", [link.pk])
    sql(
        "INSERT INTO links_link (source_type, source_id, source_label, target_type, target_id, target_label, kind, "
        "note, created_at, removal_reason) VALUES ('accounts.process', %s, 'x', 'accounts.process', %s, 'y', "
        "'addresses', '', %s, '')",
        [str(other.pk), str(process.pk), timezone.now()],
    )
    problems = verify.verify().problems
    assert any(f"links.link {link.pk} " in p and "deleted outside" in p for p in problems)
    assert any("links.link " in p and "inserted outside the application" in p for p in problems)


def test_an_attachment_altered_on_disk_is_named(quality_manager, process):
    attachment = factories.attachment(actor=quality_manager, instance=process)
    with default_storage.open(attachment.stored_name, "wb") as handle:
        handle.write(b"%PDF-1.4\n% forged evidence\n%%EOF\n")
    code, _, err = run_verify()
    assert code == 1
    assert f"files.attachment {attachment.pk} (table files_attachment, id {attachment.pk})" in err
    assert "was altered (sha256" in err
    assert run_verify("--no-files")[0] == 0


def test_an_attachment_whose_file_and_stored_hash_were_both_replaced_is_named(quality_manager, process):
    attachment = factories.attachment(actor=quality_manager, instance=process)
    forged = b"%PDF-1.4\n% forged evidence\n%%EOF\n"
    with default_storage.open(attachment.stored_name, "wb") as handle:
        handle.write(forged)
    import hashlib

    sql("UPDATE files_attachment SET sha256 = %s WHERE id = %s", [hashlib.sha256(forged).hexdigest(), attachment.pk])
    code, _, err = run_verify()
    assert code == 1 and f"files.attachment {attachment.pk} " in err and "sha256 is" in err


def test_a_missing_attachment_file_is_named(quality_manager, process):
    attachment = factories.attachment(actor=quality_manager, instance=process)
    default_storage.delete(attachment.stored_name)
    assert any(f"files.attachment {attachment.pk} " in p and "missing" in p for p in verify.verify().problems)


# --- Every regulated record type ---------------------------------------------------------------------------


def regulated_types() -> list[str]:
    return sorted(t.key for t in records.all_types() if is_regulated(t.model()))


def editable_text_field(model):
    for field in audited_fields(model()):
        if field.get_internal_type() in ("CharField", "TextField") and not field.choices and not field.unique:
            return field
    return None


def test_every_modules_demo_data_verifies_intact(full_demo):
    """Every service writes the events verify expects, for every record type and covered row."""
    report = verify.verify(use_checkpoint=False)
    assert report.ok, report.problems[:20]
    assert report.rows and report.files and report.records


@pytest.mark.parametrize("key", regulated_types())
def test_a_regulated_record_changed_in_the_database_is_named(full_demo, key):
    model = records.get_type(key).model
    field = editable_text_field(model)
    row = model._base_manager.order_by("pk").first()
    if row is None or field is None:
        pytest.skip(f"no {key} in the demo data, or no free text field to change")
    model._base_manager.filter(pk=row.pk).update(**{field.attname: "tampered"})  # no service, no event
    problems = verify.verify(use_checkpoint=False).problems
    assert any(f"{key} {row.pk} " in p and "altered outside the application" in p for p in problems), problems


def test_the_core_record_types_are_among_those_checked():
    assert {"documents.revision", "capa.capa", "capa.nonconformity", "measurements.characteristic"} <= set(
        regulated_types()
    )


# --- Checkpoints: the default -----------------------------------------------------------------------------------


def cut_back_the_trail(count: int):
    """Delete the newest `count` events and move the head back: the chain alone still verifies."""
    last = AuditEvent.objects.order_by("-sequence").first().sequence
    keep = AuditEvent.objects.get(sequence=last - count)
    drop_triggers()
    sql("DELETE FROM audit_auditevent WHERE sequence > %s", [keep.sequence])
    sql("UPDATE audit_audithead SET sequence = %s, hash = %s", [keep.sequence, keep.hash])


def test_without_a_checkpoint_verify_warns_and_a_cut_back_trail_goes_unnoticed(quality_manager, checkpoint_dir):
    code, _, err = run_verify()
    assert code == 0 and "WARNING: no checkpoint in" in err and str(checkpoint_dir) in err
    accounts.site_create(actor=quality_manager, code="ZZ", name="Zed")
    sql("DELETE FROM accounts_site WHERE code = 'ZZ'")
    cut_back_the_trail(1)
    assert run_verify()[0] == 0  # which is why the checkpoint is the default


def test_removed_newest_events_are_caught_by_the_newest_checkpoint_by_default(quality_manager, checkpoint_dir):
    checkpoints.write_in_directory()
    site = accounts.site_create(actor=quality_manager, code="ZZ", name="Zed")
    assert "written" in checkpoints.write_in_directory()
    assert "unchanged" in checkpoints.write_in_directory()
    assert len(checkpoints.files()) == 2
    sql("DELETE FROM accounts_site WHERE id = %s", [site.pk])
    cut_back_the_trail(1)
    code, _, err = run_verify()
    assert code == 1 and "events were removed" in err and checkpoints.files()[-1].name in err
    assert run_verify("--no-checkpoint")[0] == 0
    with pytest.raises(checkpoints.CheckpointMismatch, match="events were removed"):
        checkpoints.write_in_directory()  # a cut-back trail is never blessed by a new checkpoint
    assert "AUDIT TRAIL CHECKPOINT REFUSED" in checkpoints.write_at_start()


def test_a_trail_rewritten_and_rehashed_from_start_to_end_is_caught_by_the_checkpoint(quality_manager):
    accounts.site_create(actor=quality_manager, code="ZZ", name="Zed")
    checkpoints.write_in_directory()
    target = AuditEvent.objects.order_by("sequence")[1]
    drop_triggers()
    sql("UPDATE audit_auditevent SET reason = 'rewritten' WHERE sequence = %s", [target.sequence])
    previous = canonical.GENESIS
    for event in AuditEvent.objects.order_by("sequence"):
        values = {name: getattr(event, name) for name in ("sequence", "occurred_at", "actor_id", "actor_name", "source",
                  "token_id", "client_address", "action", "event", "record_type", "record_id", "record_version",
                  "record_label", "changes", "reason", "content_hash")}
        digest = chain_hash(previous, values)
        sql("UPDATE audit_auditevent SET previous_hash = %s, hash = %s WHERE id = %s", [previous, digest, event.pk])
        previous = digest
    sql("UPDATE audit_audithead SET hash = %s", [previous])
    assert run_verify("--no-checkpoint")[0] == 0  # the chain is consistent again
    code, _, err = run_verify()
    assert code == 1 and "differs from checkpoint" in err and "rewritten" in err


def test_a_forged_checkpoint_in_the_directory_is_reported(checkpoint_dir):
    checkpoints.write_in_directory()
    path = checkpoints.newest()
    document = json.loads(path.read_text())
    document["sequence"] = 1
    path.write_text(json.dumps(document))
    code, _, err = run_verify()
    assert code == 1 and "not authentic" in err


def test_a_key_file_signs_checkpoints_instead_of_the_secret_key(monkeypatch, tmp_path):
    key = tmp_path / "checkpoint.key"
    key.write_text("a key the database server cannot read")
    monkeypatch.setenv("QUALITAS_CHECKPOINT_KEY_FILE", str(key))
    checkpoints.write_in_directory()
    assert run_verify()[0] == 0
    key.write_text("another key")
    assert "not authentic" in run_verify()[2]


def test_the_worker_writes_a_checkpoint_when_it_starts(monkeypatch):
    from qualitas.core.jobs import scheduler

    monkeypatch.setattr(scheduler, "run_loop", lambda stop, interval: None)
    out = io.StringIO()
    call_command("worker", "--interval", "1", stdout=out)
    assert "Audit trail: checkpoint of event #" in out.getvalue()
    assert json.loads(checkpoints.newest().read_text())["sequence"] == AuditEvent.objects.count()


def test_the_checkpoint_command_writes_into_the_directory_by_default():
    out = io.StringIO()
    call_command("audit", "checkpoint", stdout=out)
    assert "written to" in out.getvalue() and checkpoints.newest() is not None


# --- Rows from before the coverage ----------------------------------------------------------------------


def test_rows_from_before_the_upgrade_are_sealed_by_the_migration_and_then_verify(employee, quality_manager):
    from importlib import import_module

    from django.apps import apps

    administrator = Role.objects.get(code="administrator")
    sql(
        "INSERT INTO accounts_roleassignment (user_id, role_id, site_id, assigned_at) VALUES (%s, %s, NULL, %s)",
        [employee.pk, administrator.pk, timezone.now()],
    )  # as an older release wrote it: no row event
    assert not verify.verify(use_checkpoint=False).ok
    migration = import_module("qualitas.core.audit.migrations.0003_seal_covered_rows")
    migration.seal(apps, None)
    report = verify.verify(use_checkpoint=False)
    assert report.ok, report.problems
    inserted = RoleAssignment.objects.get(user=employee, role=administrator)
    sealed = AuditEvent.objects.filter(record_type="accounts.roleassignment", record_id=str(inserted.pk)).last()
    assert sealed.event == "audit.row_sealed" and sealed.content_hash == covered.row_hash(inserted)
    assert migration.COVERED == {
        tuple(covered.key_of(model).split(".")): covered.hashed_fields(model) for model in covered.covered_models()
    }


# --- The real command ------------------------------------------------------------------------------------


def test_qualitas_audit_verify_in_a_real_process_names_an_inserted_link(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUALITAS_")}
    env.update({"QUALITAS_DATA_DIR": str(tmp_path), "QUALITAS_LOG_LEVEL": "WARNING"})
    qualitas = [sys.executable, "-m", "qualitas"]
    subprocess.run([*qualitas, "migrate", "-v0"], env=env, check=True, timeout=180)
    subprocess.run([*qualitas, "audit", "checkpoint"], env=env, check=True, timeout=60)
    intact = subprocess.run([*qualitas, "audit", "verify"], env=env, capture_output=True, text=True, timeout=60)
    assert intact.returncode == 0, intact.stderr
    assert "and checkpoint audit-checkpoint-" in intact.stdout
    with sqlite3.connect(tmp_path / "qualitas.sqlite3") as database:
        database.execute(
            "INSERT INTO links_link (source_type, source_id, source_label, target_type, target_id, target_label, "
            "kind, note, created_at, removal_reason) VALUES ('accounts.role', '1', 'x', 'accounts.role', '2', 'y', "
            "'relates_to', '', '2026-01-01 00:00:00', '')"
        )
    broken = subprocess.run([*qualitas, "audit", "verify"], env=env, capture_output=True, text=True, timeout=60)
    assert broken.returncode == 1
    assert "BROKEN: links.link 1 (table links_link, id 1) has no audit event" in broken.stderr
