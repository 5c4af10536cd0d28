"""ISO 2859-1 / MIL-STD-105E sampling plans, switching rules and OC curves."""

import csv
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qualitas.stats import sampling
from qualitas.stats.results import StatsInputError

DATA = Path(__file__).parents[2] / "src" / "qualitas" / "stats" / "data"


def _resolved() -> dict[tuple[str, str, str], tuple[int, int, int]]:
    """The published resolution of every (inspection, code letter, AQL) cell to (n, Ac, Re)."""
    with (DATA / "z14_single_resolved_AQLSchemes.csv").open(encoding="utf-8") as handle:
        return {
            (row["inspection"], row["code_letter"], row["aql"]): (int(row["n"]), int(row["Ac"]), int(row["Re"]))
            for row in csv.DictReader(handle)
        }


def _table_one() -> list[tuple[int, int | None, dict[str, str]]]:
    """Table I as (first lot size, last lot size or None for open-ended, letters per level)."""
    rows = []
    with (DATA / "z14_table1_code_letters_AQLSchemes.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            text = row.pop("lot_size").replace(",", "")
            if text.startswith("over "):
                rows.append((int(text[5:]), None, row))
            else:
                first, last = text.split("-")
                rows.append((int(first), int(last), row))
    return rows


RESOLVED = _resolved()
TABLE_ONE = _table_one()
LETTERS = "ABCDEFGHJKLMNPQR"


def test_aqls_and_levels_as_printed():
    assert sampling.AQLS[:6] == ("0.010", "0.015", "0.025", "0.040", "0.065", "0.10")
    assert sampling.AQLS[9:15] == ("0.65", "1.0", "1.5", "2.5", "4.0", "6.5")
    assert sampling.AQLS[-1] == "1000"
    assert len(sampling.AQLS) == 26
    assert sampling.LEVELS == ("S-1", "S-2", "S-3", "S-4", "I", "II", "III")


def test_resolved_table_is_complete():
    assert len(RESOLVED) == 3 * 16 * 26


def test_every_cell_matches_the_resolved_table():
    for (inspection, letter, aql), (n, ac, re) in RESOLVED.items():
        found = sampling.table_plan(letter, aql, inspection=inspection)
        assert (found.n, found.ac, found.re) == (n, ac, re), (inspection, letter, aql)


def test_arrows_keep_the_code_letter_and_name_the_plan_they_point_at():
    # Normal, letter A, AQL 0.010: the arrow points down to letter Q (n = 1250).
    assert sampling.table_plan("A", "0.010") == sampling.SamplingPlan("A", 1250, 0, 1, plan_code_letter="Q")
    # Normal, letter R, AQL 0.010: the arrow points up to letter Q.
    found = sampling.table_plan("R", "0.010")
    assert (found.code_letter, found.plan_code_letter, found.arrow_followed) == ("R", "Q", True)
    # Normal, letter B, AQL 6.5: up to A (n = 2, Ac 0, Re 1).
    assert sampling.table_plan("B", "6.5") == sampling.SamplingPlan("B", 2, 0, 1, plan_code_letter="A")
    # Tightened, letter Q, AQL 0.025: down past R to Table II-B's last row, S (n = 3150, Ac 1, Re 2).
    assert sampling.table_plan("Q", "0.025", inspection="tightened") == sampling.SamplingPlan(
        "Q", 3150, 1, 2, plan_code_letter="S"
    )
    # Reduced, letter C, AQL 6.5: down to D (n = 3, Ac 0, Re 2), keeping the Ac–Re gap.
    assert sampling.table_plan("C", "6.5", inspection="reduced") == sampling.SamplingPlan(
        "C", 3, 0, 2, plan_code_letter="D"
    )
    # A cell with a plan: both letters are the same.
    assert sampling.table_plan("K", "1.0").plan_code_letter == "K"
    assert not sampling.table_plan("K", "1.0").arrow_followed


def test_table_one_rows_are_contiguous():
    for (_, last, _), (first, _, _) in zip(TABLE_ONE, TABLE_ONE[1:], strict=False):
        assert first == last + 1


@pytest.mark.parametrize(
    ("lot_size", "level", "letter"),
    [
        (1, "II", "A"),
        (2, "II", "A"),
        (8, "II", "A"),
        (9, "II", "B"),
        (1000, "II", "J"),
        (2000, "II", "K"),
        (3200, "II", "K"),
        (3201, "II", "L"),
        (10_000, "II", "L"),
        (10_001, "II", "M"),
        (500_000, "II", "P"),
        (500_001, "II", "Q"),
        (10**9, "II", "Q"),
        (2, "III", "B"),
        (1000, "S-1", "C"),
        (1000, "S-4", "F"),
        (1000, "I", "G"),
        (1000, "III", "K"),
        (10**9, "III", "R"),
    ],
)
def test_code_letters(lot_size, level, letter):
    assert sampling.code_letter(lot_size, level) == letter


def test_code_letters_for_every_row_and_level():
    for first, last, letters in TABLE_ONE:
        for level in sampling.LEVELS:
            for lot_size in (first, last if last is not None else first * 10):
                assert sampling.code_letter(lot_size, level) == letters[level]


def test_plans_through_lot_size_for_every_row_level_inspection_and_aql():
    for first, last, letters in TABLE_ONE:
        lot_size = last if last is not None else first
        for level in sampling.LEVELS:
            for inspection in sampling.INSPECTIONS:
                for aql in sampling.AQLS:
                    n, ac, re = RESOLVED[(inspection, letters[level], aql)]
                    found = sampling.plan(lot_size, aql, level=level, inspection=inspection)
                    expected = (min(n, lot_size), ac, re, n >= lot_size)
                    assert (found.n, found.ac, found.re, found.inspect_all) == expected


@pytest.mark.parametrize(
    ("inspection", "expected"),
    [
        # ANSI/ASQ Z1.4, lot 2,000, level II → K; AQL 1.0.
        ("normal", {"code_letter": "K", "plan_code_letter": "K", "n": 125, "ac": 3, "re": 4, "inspect_all": False}),
        ("tightened", {"code_letter": "K", "plan_code_letter": "K", "n": 125, "ac": 2, "re": 3, "inspect_all": False}),
        ("reduced", {"code_letter": "K", "plan_code_letter": "K", "n": 50, "ac": 1, "re": 4, "inspect_all": False}),
    ],
)
def test_lot_of_2000_at_aql_1(inspection, expected):
    assert sampling.plan(2000, "1.0", inspection=inspection).to_dict() == expected


def test_small_lot_is_inspected_whole():
    # Lot 10, level II → B; AQL 0.65 points down to F (n = 20) ≥ 10 items: inspect all 10.
    assert sampling.plan(10, "0.65").to_dict() == {
        "code_letter": "B", "plan_code_letter": "F", "n": 10, "ac": 0, "re": 1, "inspect_all": True
    }
    assert sampling.plan(1, "2.5").inspect_all
    assert sampling.plan(1, "2.5").n == 1
    # Exactly equal counts as 100 % too.
    assert sampling.plan(13, "1.0", level="II").n == 13
    assert sampling.plan(13, "1.0", level="II").inspect_all


@pytest.mark.parametrize("aql", ["1", "1.0", "1.00", 1, 1.0, " 1.0 ", np.float64(1.0)])
def test_aql_spellings(aql):
    assert sampling.aql_index(aql) == sampling.AQLS.index("1.0")
    assert sampling.plan(2000, aql).ac == 3


@pytest.mark.parametrize(("aql", "printed"), [("0.65", "0.65"), (0.65, "0.65"), ("0.01", "0.010"), (10, "10")])
def test_more_aql_spellings(aql, printed):
    assert sampling.AQLS[sampling.aql_index(aql)] == printed


@pytest.mark.parametrize("aql", ["0.5", 0.5, "abc", "", None, True, 2000])
def test_unknown_aql_names_the_allowed_values(aql):
    with pytest.raises(StatsInputError, match=r"0\.010, 0\.015.*1\.0, 1\.5.*1000"):
        sampling.plan(1000, aql)


@pytest.mark.parametrize("lot_size", [0, -5, 2.5, 100.0, "100", True, None])
def test_lot_size_must_be_a_positive_whole_number(lot_size):
    with pytest.raises(StatsInputError, match="lot size must be a positive whole number"):
        sampling.plan(lot_size, "1.0")


def test_bad_level_inspection_and_letter():
    with pytest.raises(StatsInputError, match="inspection level"):
        sampling.code_letter(100, "IV")
    with pytest.raises(StatsInputError, match="Unknown inspection"):
        sampling.plan(100, "1.0", inspection="skip-lot")
    with pytest.raises(StatsInputError, match="code letter"):
        sampling.table_plan("I", "1.0")


# --- switching rules ------------------------------------------------------------------------
# Lot 2,000 at AQL 1.0: normal K 125 Ac 3 Re 4; tightened K 125 Ac 2 Re 3; reduced K 50 Ac 1 Re 4.
# One step tighter (AQL 0.65, letter K, normal) has Ac 2.


def _run(rules, counts, **flags):
    return [rules.record(2000, count, **flags) for count in counts]


def test_two_rejections_within_five_lots_tighten():
    rules = sampling.SwitchingRules("1.0")
    decisions = _run(rules, [0, 4, 0, 0, 0, 4])
    assert [d.accepted for d in decisions] == [True, False, True, True, True, False]
    assert rules.states == ["normal"] * 6 + ["tightened"]
    assert decisions[-1].reason == "2 lots not accepted within 5 consecutive lots"


def test_two_rejections_six_lots_apart_do_not_tighten():
    rules = sampling.SwitchingRules("1.0")
    _run(rules, [0, 4, 0, 0, 0, 0, 4])
    assert rules.inspection == "normal"


def test_tightened_returns_to_normal_after_five_accepted_in_a_row():
    rules = sampling.SwitchingRules("1.0", inspection="tightened")
    decisions = _run(rules, [0, 0, 0, 0, 3, 0, 0, 0, 0])
    assert decisions[0].plan.ac == 2
    assert rules.inspection == "tightened"
    rules.record(2000, 2)
    assert rules.inspection == "normal"
    assert rules.history[-1].reason == "5 consecutive lots accepted on tightened inspection"


def test_five_lots_not_accepted_on_tightened_discontinue():
    rules = sampling.SwitchingRules("1.0", inspection="tightened")
    _run(rules, [3, 0, 3, 0, 3, 0, 0, 3])
    assert rules.inspection == "tightened"
    rules.record(2000, 5)
    assert rules.inspection == "discontinued"
    with pytest.raises(StatsInputError, match="discontinued"):
        rules.record(2000, 0)
    rules.resume()
    assert rules.inspection == "tightened"
    rules.record(2000, 3)  # the count of lots not accepted restarted
    assert rules.inspection == "tightened"


def test_switching_score_with_acceptance_number_two_or_more():
    rules = sampling.SwitchingRules("1.0")
    decisions = _run(rules, [2] * 9, authority_approves=True)
    assert [d.switching_score for d in decisions] == [3, 6, 9, 12, 15, 18, 21, 24, 27]
    # 3 nonconforming: accepted at AQL 1.0 (Ac 3) but not at 0.65 (Ac 2), so the score resets.
    assert rules.record(2000, 3, authority_approves=True).switching_score == 0
    decisions = _run(rules, [1] * 10, authority_approves=True)
    assert decisions[-1].switching_score == 30
    assert decisions[-1].next_inspection == "reduced"
    assert rules.states[-2:] == ["normal", "reduced"]
    assert rules.record(2000, 0).plan.to_dict() == {
        "code_letter": "K", "plan_code_letter": "K", "n": 50, "ac": 1, "re": 4, "inspect_all": False
    }


def test_switching_score_with_acceptance_number_zero_or_one():
    # Lot 2,000 at AQL 0.10: normal K, n 125, Ac 0, Re 1; +2 per accepted lot.
    rules = sampling.SwitchingRules("0.10")
    decisions = [rules.record(2000, 0, authority_approves=True) for _ in range(15)]
    assert [d.switching_score for d in decisions] == list(range(2, 31, 2))
    assert rules.inspection == "reduced"


def test_reduced_needs_steady_production_and_approval():
    rules = sampling.SwitchingRules("1.0")
    _run(rules, [0] * 10, production_steady=True, authority_approves=False)
    assert rules.inspection == "normal"
    assert rules.switching_score == 30
    _run(rules, [0], production_steady=False, authority_approves=True)
    assert rules.inspection == "normal"
    assert rules.switching_score == 33
    _run(rules, [0], production_steady=True, authority_approves=True)
    assert rules.inspection == "reduced"


@pytest.mark.parametrize(
    ("count", "steady", "accepted", "next_inspection", "reason"),
    [
        (1, True, True, "reduced", ""),
        (2, True, True, "normal", "count between Ac and Re on reduced inspection"),
        (3, True, True, "normal", "count between Ac and Re on reduced inspection"),
        (4, True, False, "normal", "lot not accepted on reduced inspection"),
        (0, False, True, "normal", "production irregular or delayed"),
    ],
)
def test_reduced_back_to_normal(count, steady, accepted, next_inspection, reason):
    rules = sampling.SwitchingRules("1.0", inspection="reduced")
    decision = rules.record(2000, count, production_steady=steady)
    assert (decision.accepted, decision.next_inspection, decision.reason) == (accepted, next_inspection, reason)
    if next_inspection == "normal":
        assert rules.switching_score == 0


def test_decision_to_dict():
    decision = sampling.SwitchingRules("1.0").record(2000, 1)
    assert decision.to_dict() == {
        "lot": 1,
        "inspection": "normal",
        "plan": {"code_letter": "K", "plan_code_letter": "K", "n": 125, "ac": 3, "re": 4, "inspect_all": False},
        "nonconforming": 1,
        "accepted": True,
        "switching_score": 3,
        "next_inspection": "normal",
        "reason": "",
    }


def test_bad_switching_input():
    with pytest.raises(StatsInputError, match="AQL"):
        sampling.SwitchingRules("0.5")
    with pytest.raises(StatsInputError, match="inspection level"):
        sampling.SwitchingRules("1.0", level="X")
    with pytest.raises(StatsInputError, match="start as one of"):
        sampling.SwitchingRules("1.0", inspection="discontinued")
    with pytest.raises(StatsInputError, match="non-negative whole number"):
        sampling.SwitchingRules("1.0").record(2000, -1)
    with pytest.raises(StatsInputError, match="Only discontinued"):
        sampling.SwitchingRules("1.0").resume()


def test_every_normal_plan_with_ac_two_or_more_has_a_tighter_plan_of_the_same_size():
    """The score's "one step tighter" AQL always reads a plan in the same row of the normal table."""
    with (DATA / "z14_single_master_tables_with_arrows.csv").open(encoding="utf-8") as handle:
        rows = [row for row in csv.DictReader(handle) if row["inspection"] == "normal"]
    checked = 0
    for row in rows:
        for tighter, aql in zip(sampling.AQLS, sampling.AQLS[1:], strict=False):
            if "/" in row[aql] and int(row[aql].split("/")[0]) >= 2:
                assert "/" in row[tighter], (row["code_letter"], aql)
                checked += 1
    assert checked > 100


lots = st.lists(
    st.tuples(st.integers(min_value=0, max_value=6), st.booleans(), st.booleans()),
    min_size=1,
    max_size=120,
)


def _tighter_ac(letter, aql):
    return RESOLVED[("normal", letter, sampling.AQLS[sampling.AQLS.index(aql) - 1])][1]


@settings(max_examples=300, deadline=None)
@given(aql=st.sampled_from(["0.10", "0.65", "1.0", "2.5", "10"]), history=lots)
def test_switching_invariants(aql, history):
    rules = sampling.SwitchingRules(aql)
    decisions = []
    for count, steady, approves in history:
        if rules.inspection == "discontinued":
            rules.resume()
        decisions.append(rules.record(3000, count, production_steady=steady, authority_approves=approves))
    score = 0
    for index, (decision, (count, steady, approves)) in enumerate(zip(decisions, history, strict=True)):
        plan = decision.plan
        assert decision.accepted == (count < plan.re if decision.inspection == "reduced" else count <= plan.ac)
        run = _same_inspection_run(decisions, index)
        if decision.inspection == "normal":
            window = run[-5:]
            two_in_five = not decision.accepted and sum(not d.accepted for d in window) >= 2
            assert (decision.next_inspection == "tightened") == two_in_five
            if not two_in_five:
                if plan.ac >= 2:
                    score = score + 3 if count <= _tighter_ac(plan.plan_code_letter, aql) else 0
                else:
                    score = score + 2 if decision.accepted else 0
                assert decision.switching_score == score
                assert (decision.next_inspection == "reduced") == (score >= 30 and steady and approves)
        elif decision.inspection == "tightened":
            five_accepted = len(run) >= 5 and all(d.accepted for d in run[-5:])
            five_rejected = sum(not d.accepted for d in run) >= 5
            assert (decision.next_inspection == "normal") == five_accepted
            assert (decision.next_inspection == "discontinued") == five_rejected
        else:
            back = not decision.accepted or count > plan.ac or not steady
            assert decision.next_inspection == ("normal" if back else "reduced")
        if decision.next_inspection != decision.inspection:
            score = 0


def _same_inspection_run(decisions, index):
    """The lots from the start of the current spell of inspection up to and including `index`."""
    start = index
    while start > 0 and decisions[start - 1].next_inspection == decisions[start - 1].inspection:
        start -= 1
    return decisions[start : index + 1]


@settings(max_examples=200, deadline=None)
@given(history=lots)
def test_reduced_is_reached_only_through_the_score(history):
    rules = sampling.SwitchingRules("1.0")
    for count, steady, approves in history:
        if rules.inspection == "discontinued":
            rules.resume()
        decision = rules.record(2000, count, production_steady=steady, authority_approves=approves)
        if decision.next_inspection == "reduced" and decision.inspection != "reduced":
            assert decision.inspection == "normal"
            assert decision.switching_score >= 30 and steady and approves
        if decision.inspection == "tightened" and decision.next_inspection == "normal":
            assert all(d.accepted and d.inspection == "tightened" for d in rules.history[-5:])


# --- OC curves ------------------------------------------------------------------------------


def test_oc_curve_matches_montgomery_n89_c2():
    # Montgomery, Introduction to Statistical Quality Control, OC curve of the single sampling
    # plan n = 89, c = 2 (table of Pa against p).
    p = np.array([0.005, 0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08, 0.09])
    published = np.array([0.9897, 0.9397, 0.7366, 0.4985, 0.3042, 0.1721, 0.0919, 0.0468, 0.0230, 0.0109])
    np.testing.assert_allclose(sampling.oc_curve(89, 2, p), published, atol=5e-5)


def test_oc_curve_against_the_binomial_sum():
    for p in (0.0, 0.013, 0.1, 0.5, 1.0):
        expected = sum(math.comb(125, d) * p**d * (1 - p) ** (125 - d) for d in range(4))
        assert sampling.oc_curve(125, 3, p) == pytest.approx(expected, abs=1e-12)
    assert isinstance(sampling.oc_curve(125, 3, 0.01), float)
    assert sampling.oc_curve(125, 3, [0.01, 0.02]).shape == (2,)


def test_oc_curve_hypergeometric_for_an_isolated_lot():
    lot, n, ac = 200, 20, 1
    for p in (0.0, 0.025, 0.05, 0.1, 0.5):
        defective = round(p * lot)
        expected = sum(math.comb(defective, d) * math.comb(lot - defective, n - d) for d in range(ac + 1))
        expected /= math.comb(lot, n)
        assert sampling.oc_curve(n, ac, p, lot_size=lot) == pytest.approx(expected, abs=1e-12)
    # A very large lot behaves like the binomial.
    assert sampling.oc_curve(n, ac, 0.05, lot_size=10**7) == pytest.approx(sampling.oc_curve(n, ac, 0.05), abs=1e-6)


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((0, 0, 0.1), {}, "sample size"),
        ((10, -1, 0.1), {}, "acceptance number"),
        ((10, 1.5, 0.1), {}, "acceptance number"),
        ((10, 1, 1.5), {}, "between 0 and 1"),
        ((10, 1, [0.1, -0.1]), {}, "between 0 and 1"),
        ((10, 1, float("nan")), {}, "between 0 and 1"),
        ((10, 1, 0.1), {"lot_size": 5}, "exceeds the lot size"),
    ],
)
def test_oc_curve_bad_input(args, kwargs, message):
    with pytest.raises(StatsInputError, match=message):
        sampling.oc_curve(*args, **kwargs)
