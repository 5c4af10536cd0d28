"""The coverage view (ISO 9001 9.2.2, ISO 19011 5.4.2): every clause of each standard in scope with
when it was last audited and next planned, gaps in the three-year cycle; the propagation through the
clause tree (pure), the selector on records, the API and the page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from qualitas.audits import coverage
from tests.audits.test_audit_record_kit import audit, clause, programme, today

D1, D2, D3 = dt.date(2025, 1, 10), dt.date(2026, 2, 1), dt.date(2026, 6, 1)
# 8 ─ 8.1, 8.5 ─ 8.5.1, 8.5.2
TREE = [(8, None), (81, 8), (85, 8), (851, 85), (852, 85)]


def test_a_clause_named_covers_its_sub_clauses():
    assert coverage.propagate(TREE, {85: D2}) == {85: D2, 851: D2, 852: D2}


def test_a_heading_is_covered_when_all_its_sub_clauses_are_from_the_oldest_date():
    dates = coverage.propagate(TREE, {81: D1, 851: D2, 852: D3})
    assert dates[85] == D2 and dates[8] == D1
    assert 8 not in coverage.propagate(TREE, {81: D1, 851: D2})  # 8.5.2 never audited: 8.5 and 8 are not


def test_the_latest_audit_wins_and_for_planned_audits_the_earliest():
    assert coverage.propagate(TREE, {8: D1, 85: D3})[851] == D3
    assert coverage.propagate(TREE, {8: D3, 85: D2}, better=min, worse=max)[851] == D2


def test_state_of_a_clause():
    start = dt.date(2023, 12, 2)
    assert coverage.state_of(dt.date(2024, 1, 1), None, start) == "audited"
    assert coverage.state_of(dt.date(2023, 1, 1), dt.date(2027, 1, 1), start) == "planned"
    assert coverage.state_of(dt.date(2023, 1, 1), None, start) == "gap"
    assert coverage.state_of(None, None, start) == "gap"


trees = st.lists(st.integers(0, 20), min_size=1, max_size=25).map(
    lambda parents: [(i, (p % i) if i and p % (i + 1) else None) for i, p in enumerate(parents)])


@given(trees, st.dictionaries(st.integers(0, 24), st.dates(dt.date(2020, 1, 1), dt.date(2030, 1, 1)), max_size=10))
def test_propagation_never_gives_a_clause_an_older_date_than_named_and_children_inherit(nodes, direct):
    nodes = [(pk, up if up is not None and up < pk else None) for pk, up in nodes]  # parents first
    dates = coverage.propagate(nodes, direct)
    for pk, up in nodes:
        if pk in direct:
            assert dates[pk] >= direct[pk]
        if up is not None and up in dates:
            assert dates[pk] >= dates[up]


@pytest.mark.django_db
def test_audited_clauses_show_as_audited_this_year_and_planned_ones_as_planned(organisation, api_client):
    from qualitas.audits.models import Audit

    prog = programme(organisation)
    done = audit(organisation, clauses=[clause("ISO 9001", "8.5")],
                 start=today() - dt.timedelta(days=3), actual_end=today() - dt.timedelta(days=2),
                 actual_start=today() - dt.timedelta(days=3))
    Audit.objects.filter(pk=done.pk).update(status="reported")  # reporting itself is the report part's
    planned = audit(organisation, clauses=[clause("ISO 14001", "6.1.2")], standards=("ISO 14001",),
                    start=today() + dt.timedelta(days=30))
    sections = {s.standard.code: s for s in coverage.coverage_of(organisation.user("quality"), prog)}
    assert set(sections) == {"ISO 9001", "ISO 14001", "ISO 45001"}
    rows = {r.clause.number: r for r in sections["ISO 9001"].rows}
    assert (rows["8.5.1"].state, rows["8.5.1"].last, rows["8.5.1"].last_audit) == ("audited", done.actual_end,
                                                                                  done)
    assert rows["8.5"].last_audit == done and rows["8.4"].state == "gap"
    assert rows["8"].state == "gap"  # only one part of clause 8 was audited
    env = {r.clause.number: r for r in sections["ISO 14001"].rows}
    assert (env["6.1.2"].state, env["6.1.2"].next, env["6.1.2"].next_audit) == ("planned", planned.planned_start,
                                                                                planned)
    body = api_client.as_user(organisation.user("auditor")).get(f"/audits/programmes/{prog.pk}/coverage").json()
    iso9001 = next(s for s in body if s["standard"] == "ISO 9001")
    by_number = {c["number"]: c for c in iso9001["clauses"]}
    assert by_number["8.5.2"]["state"] == "audited" and by_number["8.5.2"]["last_audit_id"] == done.pk
    assert iso9001["audited"] == sections["ISO 9001"].audited and iso9001["gaps"] == sections["ISO 9001"].gaps

    browser = Client()
    browser.force_login(organisation.user("employee"))
    page = browser.get(f"/audits/programmes/{prog.pk}/coverage/?show=gaps")
    text = page.content.decode()
    assert page.status_code == 200
    assert 'data-clause="8.5.1" data-state="audited"' not in text  # audited rows hidden when showing gaps
    assert 'data-clause="8.4" data-state="gap"' in text and "coverage-gap" in text


@pytest.mark.django_db
def test_answered_checklist_questions_count_for_their_clauses_and_old_audits_leave_a_gap(organisation):
    from qualitas.audits.models import Audit, ChecklistQuestion

    prog = programme(organisation, standards=("ISO 9001",))
    old = audit(organisation, clauses=[clause("ISO 9001", "7.5")], start=today() - dt.timedelta(days=4 * 365),
                actual_end=today() - dt.timedelta(days=4 * 365))
    recent = audit(organisation, clauses=[], start=today() - dt.timedelta(days=40))
    Audit.objects.filter(pk__in=[old.pk, recent.pk]).update(status="closed")
    ChecklistQuestion.objects.create(audit=recent, clause=clause("ISO 9001", "9.1.2"), text="Satisfaction?",
                                     answer="conforming")
    ChecklistQuestion.objects.create(audit=recent, clause=clause("ISO 9001", "9.1.3"), text="Analysis?", answer="")
    rows = {r.clause.number: r for r in coverage.coverage_of(organisation.user("quality"), prog)[0].rows}
    assert rows["9.1.2"].state == "audited" and rows["9.1.2"].last_audit == recent
    assert rows["9.1.3"].state == "gap"  # not answered: not audited
    assert rows["7.5.1"].state == "gap" and rows["7.5.1"].last_audit == old  # audited four years ago
