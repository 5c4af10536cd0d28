"""Demo SPC data for Acme Precision Parts: a year of daily subgroups on five characteristics, with a
mean shift, a tool-wear trend, a variance increase and a short-lived contamination that the run
rules catch; limits frozen (and signed by the quality manager) on two of them. Idempotent.

The data are generated from a fixed seed, so every demo shows the same charts.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from django.utils import timezone

from qualitas.core.demo import DEMO_PASSWORD

DAYS = 365
SEED = 20260117


def _days(count: int = DAYS) -> list[dt.datetime]:
    """One subgroup a day at 10:00 local time, the last one yesterday."""
    today = timezone.localdate()
    zone = timezone.get_current_timezone()
    return [
        dt.datetime.combine(today - dt.timedelta(days=count - i), dt.time(10, 0), tzinfo=zone) for i in range(count)
    ]


def bore_diameters(rng: np.random.Generator) -> np.ndarray:
    """Ø12 H7 bore (12.000–12.018 mm), subgroups of 5; the mean shifts up 1.2 σ for three weeks from day
    200 (a worn boring bar), until the tool is changed."""
    sigma = 0.0022
    means = np.full(DAYS, 12.0088)
    means[200:221] += 1.2 * sigma
    return means[:, None] + rng.normal(0, sigma, (DAYS, 5))


def roughness(rng: np.random.Generator) -> np.ndarray:
    """Ra of a turned shaft (µm, USL 0.8), one value a day; from day 280 the insert wears and Ra climbs
    steadily for ten days before the insert is indexed."""
    values = 0.52 + rng.normal(0, 0.025, DAYS)
    values[280:290] = 0.54 + 0.028 * np.arange(10) + rng.normal(0, 0.003, 10)
    return values


def torque(rng: np.random.Generator) -> np.ndarray:
    """Spindle torque (N·m), subgroups of 4; from day 300 a loose clamp doubles the spread for a month."""
    spread = np.full(DAYS, 0.8)
    spread[300:330] *= 2.2
    return 42.0 + rng.normal(0, 1, (DAYS, 4)) * spread[:, None]


def final_inspection(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Parts inspected a day (80–200) and nonconforming among them; a burr problem for days 150–157."""
    sizes = rng.integers(80, 201, DAYS)
    rate = np.full(DAYS, 0.025)
    rate[150:158] = 0.085
    return rng.binomial(sizes, rate), sizes


def coolant(rng: np.random.Generator) -> np.ndarray:
    """Coolant concentration (%), one reading a day; a dosing pump runs 1 σ low for the last month."""
    values = 6.0 + rng.normal(0, 0.25, DAYS)
    values[335:] -= 0.25
    return values


def load() -> None:
    from qualitas.accounts import services as accounts
    from qualitas.accounts.models import ApiToken, Process, Site, User
    from qualitas.core.signatures import services as signing
    from qualitas.measurements import services
    from qualitas.measurements.models import Characteristic, SignalEvent

    if Characteristic.objects.filter(name__startswith="Bore diameter").exists():
        return
    quality = User.objects.get(username="quality")
    if not signing.has_acknowledged_policy(quality):
        signing.acknowledge_policy(actor=quality, password=DEMO_PASSWORD)
    springfield, riverside = Site.objects.get(code="SPR"), Site.objects.get(code="RVD")
    machining, inspection = Process.objects.get(code="CP-04"), Process.objects.get(code="CP-05")
    cmm = ApiToken.objects.filter(user=quality, name="CMM Zeiss Contura (demo)").first() or accounts.token_create(
        actor=accounts.system_actor(), user=quality, name="CMM Zeiss Contura (demo)")[0]
    rng = np.random.default_rng(SEED)
    days = _days()
    sign = signing.Credentials(DEMO_PASSWORD, comment="Phase I reviewed: no assignable cause left in the data.")

    def create(**fields):
        return services.characteristic_create(actor=quality, owner=quality, **fields)

    def record(characteristic, rows, *, start=0, **source):
        entries = [
            services.SubgroupEntry(**row, taken_at=days[start + i], lot=f"L{(start + i) // 7 + 1:03d}")
            for i, row in enumerate(rows)
        ]
        services.measurements_record(actor=quality, characteristic=characteristic, entries=entries, **source)

    bore = create(
        name="Bore diameter Ø12 H7, housing H-4711", kind="product", unit="mm", lsl=12.000, usl=12.018,
        target=12.009, chart_type="xbar-r", subgroup_size=5, process=machining, site=springfield,
        description="Drawing H-4711 rev C, feature 7. Measured on the CMM, 5 consecutive parts a day.",
        raise_nonconformity=True,
    )
    rows = [{"values": tuple(v)} for v in bore_diameters(rng)]
    api = {"source": "api", "api_token": cmm, "source_name": f"API token {cmm.name} ({cmm.prefix}…)"}
    record(bore, rows[:25], **api)
    services.limits_freeze(actor=quality, characteristic=bore, credentials=sign, first=25)
    record(bore, rows[25:], start=25, **api)

    ra = create(
        name="Surface roughness Ra, shaft S-2210", kind="product", unit="µm", usl=0.8, chart_type="imr",
        subgroup_size=1, process=machining, site=springfield,
        description="Drawing S-2210, bearing seat. Profilometer, one part a shift.",
    )
    record(ra, [{"values": (v,)} for v in roughness(rng)], source="upload", source_name="roughness-log-S2210.xlsx")

    spindle = create(
        name="Spindle torque, CNC lathe L3", kind="process", unit="N·m", lsl=36.0, usl=48.0, target=42.0,
        chart_type="xbar-s", subgroup_size=4, process=machining, site=riverside,
        description="Machine monitoring, 4 readings per shift during the finishing pass.",
    )
    rows = [{"values": tuple(v)} for v in torque(rng)]
    record(spindle, rows[:30], source="manual")
    services.limits_freeze(actor=quality, characteristic=spindle, credentials=sign, first=30)
    record(spindle, rows[30:], start=30, source="manual")

    nonconforming, sizes = final_inspection(rng)
    final = create(
        name="Nonconforming parts at final inspection, line 2", kind="product", chart_type="p", rules="we",
        process=inspection, site=springfield,
        description="Visual and gauge inspection of every part of a sample; burrs, dents, out-of-tolerance.",
    )
    record(final, [{"count": int(c), "size": float(n)} for c, n in zip(nonconforming, sizes, strict=True)],
           source="manual")

    concentration = create(
        name="Coolant concentration, central system", kind="process", unit="%", lsl=5.0, usl=7.0, target=6.0,
        chart_type="ewma", subgroup_size=1, rules="none", ewma_lambda=0.2, ewma_l=2.7, process=machining,
        site=riverside, description="Refractometer reading at the start of the day shift.",
    )
    record(concentration, [{"values": (v,)} for v in coolant(rng)], source="manual")

    # Signals older than a month were investigated at the time.
    month_ago = timezone.now() - dt.timedelta(days=30)
    for event in SignalEvent.objects.filter(subgroup__taken_at__lt=month_ago).select_related("characteristic"):
        services.signal_acknowledge(
            actor=quality, event=event, note="Investigated at the time; cause removed (see the shift log)."
        )
