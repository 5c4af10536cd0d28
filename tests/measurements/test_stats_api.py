"""Stateless statistics over HTTP: the same JSON as `qualitas stats`, the published numbers, and a
clear 4xx (never a 500) for bad input."""

from __future__ import annotations

import json

import pytest

from qualitas.stats import cli
from tests.conftest import bearer
from tests.measurements.conftest import DATA, orange_juice, piston_rings
from tests.measurements.test_api import Api

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(employee):
    """Any signed-in user may compute: the endpoints store nothing."""
    return Api(bearer(employee))


def cli_json(capsys, *argv) -> dict:
    assert cli.main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def test_piston_rings_chart_matches_qcc_and_the_command_line(api, capsys):
    response = api.post("/stats/chart", {"kind": "xbar-r", "data": piston_rings(), "options": {"phase1": 25}})
    assert response.status_code == 200, response.content
    result = response.json()
    assert set(result) == {"chart", "charts", "sigma"}
    xbar, r = result["charts"]
    # qcc(pistonrings[1:25], type = "xbar"): centre 74.00118, sd 0.009785, limits 73.98805 / 74.01431
    assert (xbar["center"], xbar["ucl"], xbar["lcl"]) == pytest.approx((74.00118, 74.01431, 73.98805), abs=1e-5)
    assert result["sigma"] == pytest.approx(0.009785, abs=1e-6)
    assert (r["center"], r["ucl"], r["lcl"]) == pytest.approx((0.02276, 0.048126, 0.0), abs=1e-6)
    assert [s["point"] for s in xbar["signals"] if "nelson-1" in s["rules"]] == [37, 38, 39]
    assert result == cli_json(capsys, "chart", "xbar-r", str(DATA / "pistonrings_40x5.csv"), "--phase1", "25",
                              "--json")


def test_orange_juice_p_chart_matches_montgomery(api):
    counts, sizes = zip(*orange_juice()[:30], strict=True)
    result = api.post("/stats/chart", {"kind": "p", "data": list(counts), "sizes": list(sizes)}).json()
    p = result["charts"][0]
    # Montgomery Example 7.1: p̄ = 0.2313, UCL = 0.4102, LCL = 0.0524; samples 15 and 23 out
    assert (p["center"], p["ucl"], p["lcl"]) == pytest.approx((0.2313, 0.4102, 0.0524), abs=1e-4)
    assert [s["point"] for s in p["signals"] if "nelson-1" in s["rules"]] == [15, 23]


def test_a_missing_subgroup_is_a_gap_in_the_chart(api):
    result = api.post("/stats/chart", {"kind": "xbar-r", "data": [[1, 2], [None, None], [2, 3]]}).json()
    assert result["charts"][0]["values"] == [1.5, None, 2.5]


def test_known_parameters_and_ewma_options(api):
    values = [10.0, 10.2, 9.9, 10.1, 10.4, 10.3, 10.5, 10.6]
    result = api.post("/stats/chart", {"kind": "ewma", "data": values,
                                       "options": {"lam": 0.3, "L": 3, "target": 10, "sigma": 0.2}}).json()
    chart = result["charts"][0]
    assert chart["center"] == 10 and result["sigma"] == 0.2
    # z1 = 0.3·10.0 + 0.7·10 = 10; z2 = 0.3·10.2 + 0.7·10 = 10.06
    assert chart["values"][:2] == pytest.approx([10.0, 10.06], abs=1e-12)


def test_tabular_cusum_matches_montgomery_table_9_2(api):
    lines = (DATA / "montgomery_table9_1.csv").read_text(encoding="utf-8").splitlines()[1:]
    values = [float(line.split(",")[-1]) for line in lines]
    result = api.post("/stats/chart", {"kind": "cusum", "data": values,
                                       "options": {"k": 0.5, "h": 5, "target": 10, "sigma": 1}}).json()
    chart = result["charts"][0]
    # Montgomery Example 9.1: C+ reaches 5.28 > H = 5 at period 29; new mean 10 + 0.5 + 5.28/7 = 11.25
    assert chart["values"][28] == pytest.approx(5.28, abs=0.005)
    assert [s["point"] for s in chart["signals"]] == [29, 30]
    assert chart["shifted_mean"][28] == pytest.approx(11.25, abs=0.01)


def test_capability_matches_qcc(api):
    result = api.post("/stats/capability", {"values": piston_rings()[:25], "lsl": 73.95, "usl": 74.05,
                                            "within": "rbar"}).json()
    # qcc process.capability(qcc(pistonrings[1:25]), spec.limits = c(73.95, 74.05))
    assert result["n"] == 125
    assert result["sigma_within"] == pytest.approx(0.009785, abs=1e-6)
    assert (result["cp"], result["cpl"], result["cpu"], result["cpk"]) == pytest.approx(
        (1.7032, 1.7433, 1.6632, 1.6632), abs=1e-4)
    low, high = result["ci"]["cp"]
    assert low < result["cp"] < high


def test_sampling_plan_and_action_priority(api):
    # ANSI/ASQ Z1.4 Table I and II-A: lot 2000, level II → K; AQL 0.65 normal → n 125, Ac 2, Re 3
    plan = api.get("/stats/sampling", lot_size=2000, aql="0.65").json()
    assert plan == {"code_letter": "K", "plan_code_letter": "K", "n": 125, "ac": 2, "re": 3, "inspect_all": False}
    tightened = api.get("/stats/sampling", lot_size=2000, aql="0.65", inspection="tightened").json()
    assert (tightened["n"], tightened["ac"], tightened["re"]) == (125, 1, 2)
    # AIAG-VDA FMEA handbook (2019): S 9, O 4, D 1 → M; S 5, O 8, D 5 → H
    assert api.get("/stats/ap", s=9, o=4, d=1).json() == {"ap": "M", "rpn": 36}
    assert api.get("/stats/ap", s=5, o=8, d=5).json() == {"ap": "H", "rpn": 200}


@pytest.mark.parametrize(
    "payload",
    [
        {"kind": "imr", "data": []},
        {"kind": "imr", "data": [1, "Infinity", 3]},
        {"kind": "imr", "data": [1e300, 1, 2]},
        {"kind": "xbar-q", "data": [1, 2, 3]},
        {"kind": "imr", "data": [1, 2, 3], "options": {"lam": 0}},
        {"kind": "imr", "data": [1, 2, 3], "options": {"sigma": -1}},
    ],
)
def test_invalid_requests_get_422(api, payload):
    response = api.post("/stats/chart", payload)
    assert response.status_code == 422, response.content
    assert response.json()["message"] == "The request is not valid."


@pytest.mark.parametrize(
    "payload, reason",
    [
        ({"kind": "imr", "data": [1.0, 1.0, 1.0]}, "no variation"),
        ({"kind": "imr", "data": [1, 2, 3], "options": {"phase1": 9}}, "phase1"),
        ({"kind": "xbar-r", "data": [1, 2, 3]}, ""),
        ({"kind": "p", "data": [3, 4]}, "sample sizes"),
        ({"kind": "p", "data": [60, 4], "sizes": [50, 50]}, "more nonconforming"),
        ({"kind": "u", "data": [3, 4], "sizes": [1]}, "sizes"),
        ({"kind": "c", "data": [3, 4], "sizes": [1, 1]}, "c charts take no sizes"),
        ({"kind": "cusum", "data": [1, 2, 3], "options": {"rules": "nelson"}}, "does not apply"),
        ({"kind": "imr", "data": [1, 2, 3], "options": {"lam": 0.2}}, "does not apply"),
        ({"kind": "imr", "data": [[]]}, ""),
    ],
)
def test_statistically_impossible_requests_get_400_with_the_reason(api, payload, reason):
    response = api.post("/stats/chart", payload)
    assert response.status_code == 400, response.content
    assert reason in response.json()["message"]


@pytest.mark.parametrize(
    "path, params, status",
    [
        ("/stats/sampling", {"lot_size": 0, "aql": "0.65"}, 422),
        ("/stats/sampling", {"lot_size": 500, "aql": "0.7"}, 400),
        ("/stats/sampling", {"lot_size": 500, "aql": "0.65", "level": "IV"}, 400),
        ("/stats/ap", {"s": 11, "o": 1, "d": 1}, 422),
        ("/stats/ap", {"s": 5, "o": 1}, 422),
    ],
)
def test_bad_sampling_and_ap_queries(api, path, params, status):
    assert api.get(path, **params).status_code == status


def test_bad_capability_requests(api):
    assert api.post("/stats/capability", {"values": [1, 2, 3]}).status_code == 400
    assert api.post("/stats/capability", {"values": [1, 2, 3], "lsl": 5, "usl": 4}).status_code == 400
    assert api.post("/stats/capability", {"values": [], "lsl": 1}).status_code == 422
