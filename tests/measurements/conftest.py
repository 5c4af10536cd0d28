"""Fixtures for the measurements module: the demo organisation's people, characteristics and the
piston-ring data set (Montgomery Example 6.1; R's qcc `pistonrings`)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone

from qualitas.accounts.models import Process, Site, User
from qualitas.core.signatures import services as signing
from qualitas.measurements import services
from qualitas.measurements.services import SubgroupEntry

PASSWORD = "qualitas-demo"
DATA = Path(__file__).resolve().parents[1] / "stats" / "data"
START = dt.datetime(2026, 1, 5, 8, 0, tzinfo=dt.UTC)


def piston_rings() -> list[list[float]]:
    lines = (DATA / "pistonrings_40x5.csv").read_text(encoding="utf-8").splitlines()[1:]
    return [[float(v) for v in line.split(",")[1:6]] for line in lines]


def orange_juice() -> list[tuple[int, int]]:
    lines = (DATA / "orangejuice.csv").read_text(encoding="utf-8").splitlines()[1:]
    return [(int(cells[1]), int(cells[2])) for cells in (line.split(",") for line in lines)]


def entries(rows, *, first: int = 1, step=dt.timedelta(hours=1)) -> list[SubgroupEntry]:
    """Subgroups S001, S002 … taken an hour apart from START (numbering from `first`)."""
    return [
        SubgroupEntry(values=tuple(row), key=f"S{number:03d}", taken_at=START + (number - 1) * step)
        for number, row in enumerate(rows, start=first)
    ]


@pytest.fixture
def people(db):
    from qualitas.demo import load_organisation

    load_organisation()
    users = {u.username: u for u in User.objects.all()}
    for name in ("quality", "approver", "reviewer"):
        if not signing.has_acknowledged_policy(users[name]):
            signing.acknowledge_policy(actor=users[name], password=PASSWORD)
    return users


@pytest.fixture
def springfield(people):
    return Site.objects.get(code="SPR")


@pytest.fixture
def make_characteristic(people, springfield):
    def make(**fields):
        defaults = {
            "name": "Piston ring inside diameter",
            "unit": "mm",
            "lsl": 73.95,
            "usl": 74.05,
            "target": 74.0,
            "subgroup_size": 5,
            "chart_type": "xbar-r",
            "process": Process.objects.get(code="CP-04"),
            "site": springfield,
            "owner": people["quality"],
        }
        return services.characteristic_create(actor=people["quality"], **(defaults | fields))

    return make


@pytest.fixture
def rings(make_characteristic):
    return make_characteristic()


def now():
    return timezone.now()
