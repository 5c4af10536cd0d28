"""The fast paths of `qualitas audit verify` (issue 12): the database renders each row exactly as the exact
code hashes it (or declines, and the exact code decides), a large trail is verified in threads with the
same verdict and messages, and a value with a NUL in it is not taken for the value before the NUL."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from qualitas.accounts.models import Process, Site
from qualitas.core.audit import canonical, covered, verify
from qualitas.core.audit import verify_fast as fast
from qualitas.core.audit.models import AuditEvent
from qualitas.core.regulated import snapshot
from qualitas.core.testing import factories

pytestmark = pytest.mark.django_db


def sql(statement: str, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement, list(params))
        return cursor.fetchall() if cursor.description else None


def exact_text(plan: verify.TablePlan, instance) -> str:
    if plan.kind == "records":
        return canonical.dumps({"version": instance.version, "state": snapshot(instance)})
    return canonical.dumps({"row": plan.key, "state": covered.row_state(instance)})


def rendered(plan: verify.TablePlan) -> dict:
    return fast.rendered_texts(plan.model, plan.text)


def drop_triggers():
    if connection.vendor == "sqlite":
        sql("DROP TRIGGER audit_event_no_update")
        sql("DROP TRIGGER audit_event_no_delete")
    else:
        sql("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")


def test_the_database_renders_every_demo_row_as_the_exact_code_hashes_it(full_demo):
    same = declined = 0
    for plan in verify._record_plans() + verify._covered_plans():
        if plan.text is None:
            continue
        texts = rendered(plan)
        for instance in plan.model._base_manager.all():
            text = texts[instance.pk]
            if "\x01" in text:  # a value the database cannot render for sure: the exact code checks the row
                declined += 1
                continue
            assert text == exact_text(plan, instance), (plan.key, instance.pk)
            same += 1
    assert same > 5000 and declined < same / 100, (same, declined)


def test_awkward_values_render_as_the_exact_code_hashes_them(quality_manager):
    site = factories.site(actor=quality_manager, code="AWK")
    awkward = 'quote " backslash \\ newline \n tab \t bell \x07 unit \x1f é € 😀 \u2028 end'
    Site.objects.filter(pk=site.pk).update(
        name=awkward, address="", country="Ünïcode", created_at=dt.datetime(2024, 2, 29, 23, 59, 59, tzinfo=dt.UTC)
    )
    characteristic = factories.characteristic(actor=quality_manager)
    plans = {plan.key: plan for plan in verify._record_plans()}
    for model, pk, values in (
        (Site, site.pk, [{}]),
        (type(characteristic), characteristic.pk, [
            {"lsl": 0.1, "usl": 100.0, "target": 12.3456789}, {"lsl": 99999999999999.9, "usl": 2.5e-3, "target": None},
            {"lsl": -7.25, "usl": 1e-4, "target": 123456.789012345},
        ]),
    ):
        plan = plans[f"{model._meta.app_label}.{model._meta.model_name}"]
        for change in values:
            model._base_manager.filter(pk=pk).update(**change)
            instance = model._base_manager.get(pk=pk)
            assert rendered(plan)[pk] == exact_text(plan, instance), change


@pytest.mark.parametrize("value", [0.0, -0.0, 0.30000000000000004, 1e-5])
def test_floats_the_database_cannot_render_for_sure_go_to_the_exact_code(quality_manager, value):
    characteristic = factories.characteristic(actor=quality_manager, lsl=value)
    model = type(characteristic)
    plan = next(plan for plan in verify._record_plans() if plan.model is model)
    text = rendered(plan)[characteristic.pk]
    exact = exact_text(plan, model._base_manager.get(pk=characteristic.pk))
    assert text == exact or "\x01" in text
    # The row verifies: the exact code vouches for it …
    assert verify.verify(use_checkpoint=False).ok
    # … and names it once it differs from its last event.
    model._base_manager.filter(pk=characteristic.pk).update(lsl=value + 1)
    problems = verify.verify(use_checkpoint=False).problems
    assert any(f"measurements.characteristic {characteristic.pk} " in p and "altered" in p for p in problems)


def test_a_nul_appended_to_a_value_is_named(quality_manager):
    """printf(), GLOB and substr() stop at a NUL on SQLite; the fast checks must not."""
    site = factories.site(actor=quality_manager, code="NUL")
    assert verify.verify(use_checkpoint=False).ok
    if connection.vendor == "sqlite":  # PostgreSQL text cannot hold a NUL
        sql("UPDATE accounts_site SET name = name || char(0) || 'x' WHERE id = %s", [site.pk])
        problems = verify.verify(use_checkpoint=False).problems
        assert any(f"accounts.site {site.pk} " in p and "altered" in p for p in problems), problems
        sql("UPDATE accounts_site SET name = substr(name, 1, instr(name, char(0)) - 1) WHERE id = %s", [site.pk])
        assert verify.verify(use_checkpoint=False).ok
        last = AuditEvent.objects.order_by("-sequence").first()
        drop_triggers()
        sql("UPDATE audit_auditevent SET reason = reason || char(0) || 'x' WHERE id = %s", [last.pk])
        problems = verify.verify(use_checkpoint=False).problems
        assert f"event #{last.sequence} was altered (its hash does not match its content)" in problems


def trail(actor, count: int = 40):
    for n in range(count):
        factories.process(actor=actor, code=f"P-{n}", name=f"Process {n}")


@pytest.mark.django_db(transaction=True)
def test_threads_give_the_same_verdict_and_messages(quality_manager, monkeypatch):
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("in-memory SQLite cannot be shared between threads")
    monkeypatch.setattr(fast, "CHUNK", 7)  # many chunks and segments from a small trail
    trail(quality_manager)
    assert len(fast.segments(fast.chain_bounds(), 4)) == 4
    intact = verify.verify(use_checkpoint=False, workers=3)
    assert intact.ok, intact.problems
    alone = verify.verify(use_checkpoint=False, workers=1)
    assert (intact.events, intact.records, intact.rows) == (alone.events, alone.records, alone.rows)
    process = Process.objects.order_by("pk")[5]
    Process.objects.filter(pk=process.pk).update(name="tampered")
    middle = AuditEvent.objects.order_by("sequence")[len(AuditEvent.objects.all()) // 2]
    drop_triggers()
    sql("UPDATE audit_auditevent SET record_label = 'tampered' WHERE id = %s", [middle.pk])
    threaded = verify.verify(use_checkpoint=False, workers=3).problems
    assert threaded == verify.verify(use_checkpoint=False, workers=1).problems
    assert f"event #{middle.sequence} was altered (its hash does not match its content)" in threaded
    assert any(f"accounts.process {process.pk} " in p and "altered outside" in p for p in threaded)
