"""Measurements and SPC services with the real database: characteristics, recording all-or-nothing,
corrections and exclusions with reasons, frozen limits signed, Phase II judgement and signals.

Published numbers: R's qcc on `pistonrings` (the first 25 subgroups: centre 74.00118, σ = 0.009785,
limits 73.98805 / 74.01431, R̄ = 0.02276; Phase II subgroups 37, 38 and 39 above the UCL, as in
Montgomery's Fig. 6.5) and Montgomery's Example 7.1 (orange juice cans: p̄ = 0.2313, UCL 0.4102,
LCL 0.0524, samples 15 and 23 out).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from qualitas.accounts import services as accounts
from qualitas.core.audit.models import AuditEvent
from qualitas.core.notifications.models import Notification
from qualitas.core.regulated import StaleVersion
from qualitas.core.signatures.selectors import signatures_of
from qualitas.core.signatures.services import Credentials, SignatureRefused
from qualitas.core.testing.factories import system
from qualitas.measurements import charting, reports, services
from qualitas.measurements.models import ControlLimits, Measurement, SignalEvent, Subgroup
from qualitas.measurements.services import SubgroupEntry
from tests.measurements.conftest import PASSWORD, START, entries, orange_juice, piston_rings

pytestmark = pytest.mark.django_db
SIGN = Credentials(PASSWORD)


def record(people, characteristic, rows, **options):
    return services.measurements_record(
        actor=people["quality"], characteristic=characteristic, entries=entries(rows, **options)
    )


def chart_of(characteristic) -> dict:
    return reports.chart_report(characteristic, reports.Window(last=None)).to_dict()


def by_name(chart: dict) -> dict:
    return {c["name"]: c for c in chart["charts"]}


def nelson1(chart: dict) -> list[int]:
    return [s["point"] for s in chart["signals"] if "nelson-1" in s["rules"]]


# --- Characteristics ---------------------------------------------------------------------------------------


def test_characteristics_are_numbered_and_audited(rings, make_characteristic, people):
    second = make_characteristic(name="Ring width")
    assert (rings.number, second.number) == ("CH-0001", "CH-0002")
    event = AuditEvent.objects.get(event="measurements.characteristic_created", record_id=str(rings.pk))
    assert event.actor_id == people["quality"].pk
    assert rings.owner == people["quality"]


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"lsl": 74.05, "usl": 73.95}, "usl"),
        ({"target": 80.0}, "target"),
        ({"chart_type": "xbar-r", "subgroup_size": 1}, "subgroup_size"),
        ({"chart_type": "imr", "subgroup_size": 5}, "subgroup_size"),
        ({"chart_type": "ewma", "subgroup_size": 1, "ewma_lambda": 1.5}, "ewma_lambda"),
        ({"chart_type": "cusum", "subgroup_size": 1, "cusum_h": 0.0}, "cusum_h"),
    ],
)
def test_inconsistent_characteristics_are_refused(make_characteristic, fields, field):
    with pytest.raises(ValidationError) as error:
        make_characteristic(**fields)
    assert field in error.value.message_dict


def test_creating_needs_the_create_right_at_the_site(people, springfield):
    with pytest.raises(PermissionDenied):
        services.characteristic_create(actor=people["employee"], name="X", site=springfield)


def test_frozen_characteristics_change_only_with_a_reason_and_keep_their_chart(rings, people):
    record(people, rings, piston_rings()[:25])
    services.limits_freeze(actor=people["quality"], characteristic=rings, credentials=SIGN, first=25)
    rings.refresh_from_db()
    with pytest.raises(ValidationError, match="reason"):
        services.characteristic_update(actor=people["quality"], characteristic=rings, name="Bore")
    with pytest.raises(ValidationError, match="release the limits first"):
        services.characteristic_update(
            actor=people["quality"], characteristic=rings, chart_type="xbar-s", reason="Use S"
        )
    services.characteristic_update(
        actor=people["quality"], characteristic=rings, name="Bore", reason="Name as on the drawing",
        version=rings.version,
    )
    event = AuditEvent.objects.filter(event="measurements.characteristic_updated").latest("sequence")
    assert event.reason == "Name as on the drawing"
    with pytest.raises(StaleVersion):
        services.characteristic_update(
            actor=people["quality"], characteristic=rings, name="Again", reason="x", version=1
        )


def test_a_characteristic_with_data_keeps_its_chart_family(rings, people):
    record(people, rings, piston_rings()[:3])
    with pytest.raises(ValidationError, match="attribute chart"):
        services.characteristic_update(actor=people["quality"], characteristic=rings, chart_type="p")
    with pytest.raises(ValidationError, match="size cannot change"):
        services.characteristic_update(actor=people["quality"], characteristic=rings, subgroup_size=4)


# --- Recording ---------------------------------------------------------------------------------------------


def test_trial_limits_of_the_piston_rings_match_qcc(rings, people):
    outcome = record(people, rings, piston_rings()[:25])
    assert (outcome.subgroups_created, outcome.values_recorded, len(outcome.completed)) == (25, 125, 25)
    chart = chart_of(rings)
    xbar, r = by_name(chart)["xbar"], by_name(chart)["r"]
    assert xbar["center"] == pytest.approx(74.00118, abs=1e-5)
    assert xbar["ucl"] == pytest.approx(74.01431, abs=1e-5)
    assert xbar["lcl"] == pytest.approx(73.98805, abs=1e-5)
    assert chart["sigma"] == pytest.approx(0.009785, abs=1e-6)
    assert r["center"] == pytest.approx(0.02276, abs=1e-6)
    assert r["ucl"] == pytest.approx(0.048126, abs=1e-6)
    assert chart["limits"]["basis"] == "trial"
    event = AuditEvent.objects.get(event="measurements.recorded", record_id=str(rings.pk))
    assert "125 value(s) in 25 subgroup entries" in str(event.changes)


def test_a_batch_with_any_bad_entry_records_nothing_and_lists_every_problem(rings, people):
    batch = entries(piston_rings()[:6])
    batch[1] = SubgroupEntry(values=(74.0,) * 6, key="S002", where="Item 2")
    batch[4] = SubgroupEntry(values=(74.0, float("inf"), 74.0, 74.0, 74.0), where="Item 5")
    batch[5] = SubgroupEntry(values=(74.0,) * 5, taken_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=2),
                             where="Item 6")
    with pytest.raises(ValidationError) as error:
        services.measurements_record(actor=people["quality"], characteristic=rings, entries=batch)
    text = " ".join(error.value.messages)
    assert error.value.messages[0] == "Nothing was recorded: 3 problems found."
    assert "Item 2: subgroup S002 would hold 6 values; it holds 5" in text
    assert "Item 5: inf is not a usable number" in text and "Item 6: the time" in text and "future" in text
    assert not Subgroup.objects.exists() and not Measurement.objects.exists()


def test_a_subgroup_filled_in_several_posts_is_charted_once_complete(rings, people):
    record(people, rings, piston_rings()[:3])
    first = SubgroupEntry(values=(74.01, 74.0), key="S004", taken_at=START + dt.timedelta(hours=3))
    services.measurements_record(actor=people["quality"], characteristic=rings, entries=[first])
    series = charting.load_series(rings)
    assert (len(series), series.incomplete) == (3, 1)
    rest = SubgroupEntry(values=(73.99, 74.02, 74.0), key="S004")
    outcome = services.measurements_record(actor=people["quality"], characteristic=rings, entries=[rest])
    assert [s.key for s in outcome.completed] == ["S004"]
    assert list(Subgroup.objects.get(key="S004").measurements.values_list("position", flat=True)) == [1, 2, 3, 4, 5]
    with pytest.raises(ValidationError, match="would hold 6 values"):
        services.measurements_record(
            actor=people["quality"], characteristic=rings, entries=[SubgroupEntry(values=(74.0,), key="S004")]
        )


def test_an_inactive_characteristic_accepts_no_measurements(rings, people):
    services.characteristic_update(actor=people["quality"], characteristic=rings, active=False)
    with pytest.raises(ValidationError, match="inactive"):
        record(people, rings, piston_rings()[:1])


def test_orange_juice_p_chart_matches_montgomery(make_characteristic, people):
    cans = make_characteristic(name="Cans nonconforming", chart_type="p", lsl=None, usl=None, target=None)
    assert cans.subgroup_size == 1
    samples = [SubgroupEntry(count=d, size=n, taken_at=START + dt.timedelta(hours=i)) for i, (d, n) in
               enumerate(orange_juice()[:30])]
    services.measurements_record(actor=people["quality"], characteristic=cans, entries=samples)
    p = by_name(chart_of(cans))["p"]
    assert p["center"] == pytest.approx(0.2313, abs=1e-4)
    assert p["ucl"] == pytest.approx(0.4102, abs=1e-4)
    assert p["lcl"] == pytest.approx(0.0524, abs=1e-4)
    assert nelson1(p) == [15, 23]
    with pytest.raises(ValidationError, match="at least as large as the count"):
        services.measurements_record(actor=people["quality"], characteristic=cans,
                                     entries=[SubgroupEntry(count=60, size=50)])


# --- Corrections and exclusions ----------------------------------------------------------------------------


def test_a_correction_needs_a_reason_and_keeps_the_old_value_in_the_audit_trail(rings, people):
    record(people, rings, piston_rings()[:2])
    value = Measurement.objects.get(subgroup__key="S001", position=2)
    with pytest.raises(ValidationError, match="reason"):
        services.measurement_correct(actor=people["quality"], measurement=value, value=74.003, reason=" ")
    services.measurement_correct(
        actor=people["quality"], measurement=value, value=74.003, reason="Typing error, gauge printout says 74.003",
        version=1,
    )
    value.refresh_from_db()
    assert (value.value, value.version) == (74.003, 2)
    event = AuditEvent.objects.get(event="measurements.value_corrected")
    assert event.action == "correct" and event.reason == "Typing error, gauge printout says 74.003"
    assert event.changes_dict == {"value": ["74.002", "74.003"]}
    with pytest.raises(StaleVersion):
        services.measurement_correct(actor=people["quality"], measurement=value, value=74.0, reason="x", version=1)
    with pytest.raises(PermissionDenied):
        services.measurement_correct(actor=people["employee"], measurement=value, value=74.0, reason="x")


def test_an_excluded_subgroup_stays_on_the_chart_but_out_of_the_estimate(rings, people):
    rows = piston_rings()[:25]
    record(people, rings, rows)
    subgroup = Subgroup.objects.get(key="S001")
    services.subgroup_exclude(actor=people["quality"], subgroup=subgroup, excluded=True, reason="Gauge not zeroed")
    chart = chart_of(rings)
    xbar = by_name(chart)["xbar"]
    assert len(xbar["values"]) == 25
    others = [sum(row) / 5 for row in rows[1:]]
    assert xbar["center"] == pytest.approx(sum(others) / 24, abs=1e-12)
    event = AuditEvent.objects.get(event="measurements.subgroup_excluded")
    assert event.reason == "Gauge not zeroed"


def test_correcting_an_attribute_sample_is_checked_like_a_new_one(make_characteristic, people):
    cans = make_characteristic(name="Cans", chart_type="p", lsl=None, usl=None, target=None)
    services.measurements_record(actor=people["quality"], characteristic=cans,
                                 entries=[SubgroupEntry(count=3, size=50, key="A")])
    sample = Subgroup.objects.get(key="A")
    with pytest.raises(ValidationError, match="at least as large"):
        services.subgroup_correct(actor=people["quality"], subgroup=sample, count=80, reason="recount")
    services.subgroup_correct(actor=people["quality"], subgroup=sample, count=4, reason="Recounted the rejects")
    sample.refresh_from_db()
    assert sample.count == 4 and sample.version == 2


# --- Frozen limits and Phase II ----------------------------------------------------------------------------


def test_freezing_is_signed_and_later_points_are_judged_against_the_frozen_limits(rings, people):
    record(people, rings, piston_rings()[:25])
    limits = services.limits_freeze(actor=people["quality"], characteristic=rings, credentials=SIGN, first=25)
    [signature] = signatures_of(limits)
    assert (signature.meaning, signature.signer, signature.is_valid) == ("approved", people["quality"], True)
    assert limits.known == {"mu": pytest.approx(74.00118, abs=1e-5), "sigma": pytest.approx(0.009785, abs=1e-6)}
    assert (limits.phase1_subgroups, limits.phase1_from, limits.phase1_to) == (
        25, START, START + dt.timedelta(hours=24))
    record(people, rings, piston_rings()[25:], first=26)
    chart = chart_of(rings)
    xbar = by_name(chart)["xbar"]
    # The limits did not move with the Phase II data (trial limits from all 40 would).
    assert xbar["ucl"] == pytest.approx(74.01431, abs=1e-5)
    assert chart["limits"] == {"basis": "frozen", "id": limits.pk}
    assert nelson1(xbar) == [37, 38, 39]
    trial = charting.estimate(rings, charting.load_series(rings))
    assert trial.charts[0].center != pytest.approx(74.00118, abs=1e-5)


def test_a_wrong_password_or_missing_right_freezes_nothing(rings, people):
    record(people, rings, piston_rings()[:25])
    with pytest.raises(SignatureRefused):
        services.limits_freeze(actor=people["quality"], characteristic=rings, credentials=Credentials("wrong"),
                               first=25)
    with pytest.raises(PermissionDenied):
        services.limits_freeze(actor=people["author"], characteristic=rings, credentials=SIGN, first=25)
    assert not ControlLimits.objects.exists()
    assert AuditEvent.objects.filter(event="signature.refused").exists()


def test_freezing_again_needs_a_reason_and_keeps_the_history(rings, people):
    record(people, rings, piston_rings())
    first = services.limits_freeze(actor=people["quality"], characteristic=rings, credentials=SIGN, first=25)
    with pytest.raises(ValidationError, match="why"):
        services.limits_freeze(actor=people["quality"], characteristic=rings, credentials=SIGN, first=30)
    since, until = START + dt.timedelta(hours=5), START + dt.timedelta(hours=29)
    second = services.limits_freeze(
        actor=people["quality"], characteristic=rings, credentials=SIGN, since=since, until=until,
        reason="New boring bar after subgroup 25",
    )
    first.refresh_from_db()
    assert (first.status, first.ended_reason) == ("superseded", "New boring bar after subgroup 25")
    assert second.status == "active" and second.phase1_subgroups == 25
    assert signatures_of(first)[0].is_valid  # the status is workflow state, not signed content
    assert list(rings.limits.values_list("status", flat=True)) == ["active", "superseded"]
    services.limits_release(actor=people["quality"], characteristic=rings, reason="Process redesign")
    assert chart_of(rings)["limits"]["basis"] == "trial"


def test_phase_one_needs_enough_complete_subgroups(rings, people):
    record(people, rings, piston_rings()[:5])
    with pytest.raises(ValidationError, match="Only 5 complete subgroups"):
        services.limits_freeze(actor=people["quality"], characteristic=rings, credentials=SIGN, first=25)
    with pytest.raises(ValidationError, match="either"):
        services.limits_freeze(actor=people["quality"], characteristic=rings, credentials=SIGN)


# --- Signals -----------------------------------------------------------------------------------------------


def test_new_signals_are_stored_and_notified_once(rings, people, monkeypatch):
    hooked = []
    monkeypatch.setattr(services, "signals_detected", lambda characteristic, new: hooked.append(list(new)))
    record(people, rings, piston_rings()[:25])
    services.limits_freeze(actor=people["quality"], characteristic=rings, credentials=SIGN, first=25)
    before = Notification.objects.filter(recipient=people["quality"], kind="spc-signal").count()
    outcome = record(people, rings, piston_rings()[25:], first=26)
    signalled = sorted({e.subgroup.key for e in outcome.signals})
    assert {"S037", "S038", "S039"} <= set(signalled)
    assert [e.rules for e in outcome.signals if e.subgroup.key == "S038" and e.chart == "xbar"] == [
        ["nelson-1", "nelson-5", "nelson-6"]]
    notes = Notification.objects.filter(recipient=people["quality"], kind="spc-signal").order_by("pk")
    assert notes.count() - before == min(len(signalled), services.MAX_SIGNAL_NOTIFICATIONS) + (
        len(signalled) > services.MAX_SIGNAL_NOTIFICATIONS)
    assert "subgroup S035" in notes[before].subject and "/measurements/" in notes[before].url
    assert hooked == [outcome.signals]
    # A later point in control, and a correction of an old one, report nothing again.
    again = services.measurements_record(
        actor=people["quality"], characteristic=rings,
        entries=[SubgroupEntry(values=(74.0, 74.001, 73.999, 74.0, 74.0), key="S041")],
    )
    value = Measurement.objects.get(subgroup__key="S038", position=1)
    services.measurement_correct(actor=people["quality"], measurement=value, value=value.value, reason="checked")
    assert again.signals == [] and len(hooked) == 1
    assert SignalEvent.objects.filter(subgroup__key="S038").count() == 1


def test_signals_are_acknowledged_with_a_note_by_the_owner_or_an_editor(rings, people):
    record(people, rings, piston_rings()[:25])
    services.limits_freeze(actor=people["quality"], characteristic=rings, credentials=SIGN, first=25)
    record(people, rings, piston_rings()[25:], first=26)
    event = SignalEvent.objects.get(subgroup__key="S038", chart="xbar")
    with pytest.raises(ValidationError, match="found or done"):
        services.signal_acknowledge(actor=people["quality"], event=event, note="")
    with pytest.raises(PermissionDenied):
        services.signal_acknowledge(actor=people["employee"], event=event, note="seen")
    services.signal_acknowledge(actor=people["quality"], event=event, note="Boring bar worn; replaced")
    event.refresh_from_db()
    assert event.acknowledged_by == people["quality"] and event.note == "Boring bar worn; replaced"
    with pytest.raises(ValidationError, match="already"):
        services.signal_acknowledge(actor=people["quality"], event=event, note="again")


# --- Site scope --------------------------------------------------------------------------------------------


def test_users_see_only_characteristics_of_their_sites(rings, people, make_user, other_site):
    from qualitas.measurements import selectors

    local = make_user("quality-manager", site=other_site)
    assert list(selectors.characteristic_list(local)) == []
    assert list(selectors.characteristic_list(people["quality"])) == [rings]
    accounts.role_assign(actor=system(), user=local, role="quality-manager", site=rings.site)
    from qualitas.core.permissions import clear_cache

    clear_cache(local)
    assert list(selectors.characteristic_list(local)) == [rings]


def test_every_recorded_subgroup_and_value_passes_the_audit_verification(rings, make_characteristic, people):
    from qualitas.core.audit.verify import verify

    record(people, rings, piston_rings()[:25])
    services.limits_freeze(actor=people["quality"], characteristic=rings, credentials=SIGN, first=25)
    record(people, rings, piston_rings()[25:], first=26)
    value = Measurement.objects.get(subgroup__key="S003", position=4)
    services.measurement_correct(actor=people["quality"], measurement=value, value=74.0, reason="Re-measured")
    cans = make_characteristic(name="Cans", chart_type="p", lsl=None, usl=None, target=None)
    services.measurements_record(actor=people["quality"], characteristic=cans, entries=[
        SubgroupEntry(count=d, size=n, taken_at=START) for d, n in orange_juice()[:5]])
    report = verify()
    assert report.problems == [] and report.records >= 40 + 200 + 5
    assert AuditEvent.objects.filter(event="measurements.value_recorded").count() == 200


@pytest.mark.parametrize("kind, options", [("cusum", {"cusum_k": 0.5, "cusum_h": 5.0}),
                                           ("ewma", {"ewma_lambda": 0.1, "ewma_l": 2.7, "rules": "none"})])
def test_ewma_and_cusum_characteristics_freeze_target_and_sigma_from_phase_one(make_characteristic, people, kind,
                                                                              options):
    import numpy as np

    from tests.measurements.conftest import DATA

    lines = (DATA / "montgomery_table9_1.csv").read_text(encoding="utf-8").splitlines()[1:]
    # Montgomery's Table 9.1 with the last ten observations moved up a further 1.5 (a 2.5 σ shift instead
    # of 1 σ), so that Phase II signals against limits estimated from the first 20.
    values = [float(line.split(",")[-1]) + (1.5 if number > 20 else 0.0) for number, line in enumerate(lines, 1)]
    feature = make_characteristic(name="Viscosity", chart_type=kind, subgroup_size=1, lsl=None, usl=None,
                                  target=None, **options)
    record(people, feature, [[v] for v in values[:20]])
    limits = services.limits_freeze(actor=people["quality"], characteristic=feature, credentials=SIGN, first=20)
    phase1 = np.array(values[:20])
    # Phase I estimates: the mean and MR̄/d2(2), d2(2) = 2/√π
    assert limits.known["target"] == pytest.approx(phase1.mean(), abs=1e-12)
    assert limits.known["sigma"] == pytest.approx(np.abs(np.diff(phase1)).mean() / (2 / np.sqrt(np.pi)), rel=1e-9)
    record(people, feature, [[v] for v in values[20:]], first=21)
    shown = reports.chart_report(feature, reports.Window(last=None)).chartset.to_dict()
    parameters = {"k": 0.5, "h": 5.0} if kind == "cusum" else {"lam": 0.1, "L": 2.7, "rules": "none"}
    expected = charting.charts.chart(kind, np.array(values), **parameters, **limits.known).to_dict()
    assert shown == expected
    stored = sorted(SignalEvent.objects.filter(characteristic=feature).values_list("subgroup__sequence", flat=True))
    assert stored == [s["point"] for s in expected["charts"][0]["signals"]] and stored


def test_a_signal_raises_a_linked_nonconformity_when_the_characteristic_asks(make_characteristic, people):
    from qualitas.capa.models import Nonconformity
    from qualitas.core.audit.verify import verify
    from qualitas.core.links.selectors import linked

    watched = make_characteristic(raise_nonconformity=True)
    quiet = make_characteristic(name="Ring width")
    for characteristic in (watched, quiet):
        record(people, characteristic, piston_rings()[:25])
        services.limits_freeze(actor=people["quality"], characteristic=characteristic, credentials=SIGN, first=25)
        record(people, characteristic, piston_rings()[25:], first=26)
    nc = Nonconformity.objects.get()
    assert nc.source == "process_signal" and nc.owner == watched.owner and nc.process == watched.process
    assert "S038" in nc.description and "nelson-1" in nc.description
    links = linked(nc)
    assert ("measurements.characteristic", str(watched.pk)) in links
    signalled = SignalEvent.objects.filter(characteristic=watched)
    assert {("measurements.signalevent", str(e.pk)) for e in signalled} <= set(links)
    assert verify().ok
