"""The only write path for measurements and SPC: characteristics, recorded subgroups, corrections,
exclusions, frozen limits and acknowledged signals. Each public service is one transaction."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone

from qualitas.accounts.services import system_actor
from qualitas.core import bulk
from qualitas.core.audit import canonical
from qualitas.core.audit.services import AuditEntry, record, record_many
from qualitas.core.permissions import authorize
from qualitas.core.regulated import (
    labelled_changes,
    record_create,
    record_update,
    snapshot,
)
from qualitas.core.workflow import engine
from qualitas.measurements import charting
from qualitas.measurements.models import (
    MAX_ABS_VALUE,
    SIZED_CHARTS,
    Characteristic,
    ControlLimits,
    Measurement,
    SignalEvent,
    Subgroup,
)

MODULE = "measurements"
NUMBER_SCHEME = "measurements.characteristic"
NUMBER_PATTERN = "CH-{seq:04d}"
CHARACTERISTIC_FIELDS = (
    "name", "description", "kind", "unit", "lsl", "usl", "target", "subgroup_size", "chart_type", "rules",
    "ewma_lambda", "ewma_l", "cusum_k", "cusum_h", "owner", "process", "site", "active", "raise_nonconformity",
)
# What frozen limits were computed for: changing it needs the limits released first.
LIMIT_DEFINING_FIELDS = ("chart_type", "subgroup_size", "ewma_lambda", "ewma_l", "cusum_k", "cusum_h")
# Per batch (one file or request, one transaction): subgroup entries (rows of a file, items of a
# request) and measured values. A file of 100,000 values, one per row, is one batch; every value and
# subgroup still gets its own audit event, appended in bulk (bench/measurements_bench.py: under 10 s).
# The bound keeps a batch's transaction, which holds SQLite's write lock, to seconds.
MAX_BATCH = 100_000
MAX_VALUES = 100_000
KEYS_PER_QUERY = 500
MAX_ERRORS_LISTED = 20
FUTURE_TOLERANCE = dt.timedelta(minutes=5)
# A bulk import of history could complete dozens of signals: the owner gets one notification per
# new signal point up to this many per batch, then one summary.
MAX_SIGNAL_NOTIFICATIONS = 5


def _check(fields: dict, allowed) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise ValidationError(f"Unknown fields: {', '.join(sorted(unknown))}.")


# --- Characteristics -----------------------------------------------------------------------------------


def next_characteristic_number() -> str:
    from qualitas.core.numbering.services import ensure_scheme, next_number

    ensure_scheme(NUMBER_SCHEME, NUMBER_PATTERN, MODULE, reset="never", description="Numbers of SPC characteristics")
    return next_number(NUMBER_SCHEME)


@transaction.atomic
def characteristic_create(*, actor, name: str, owner=None, number: str = "", **fields) -> Characteristic:
    # Defining what is charted is engineering work ("edit"); "create" alone lets operators record data.
    authorize(actor, MODULE, "edit", fields.get("site"))
    _check(fields, CHARACTERISTIC_FIELDS)
    if fields.get("chart_type") in ("p", "np", "c", "u"):
        fields["subgroup_size"] = 1
    number = (number or "").strip() or next_characteristic_number()
    if Characteristic.objects.filter(number=number).exists():
        raise ValidationError({"number": f"Characteristic number {number} is already used."})
    return record_create(
        actor,
        Characteristic(number=number, name=name, owner=owner or actor, **fields),
        event="measurements.characteristic_created",
    )


@transaction.atomic
def characteristic_update(
    *, actor, characteristic: Characteristic, version=None, reason: str = "", **fields
) -> Characteristic:
    """Change a characteristic (a reason is required while its limits are frozen). The chart definition
    cannot change under frozen limits, and the chart family not once measurements exist."""
    authorize(actor, MODULE, "edit", characteristic.site_id)
    _check(fields, CHARACTERISTIC_FIELDS)
    if "site" in fields:
        authorize(actor, MODULE, "edit", fields["site"])
    changed = {name for name, value in fields.items() if getattr(characteristic, name) != value}
    frozen = characteristic.limits.filter(status="active").exists()
    if frozen and changed & set(LIMIT_DEFINING_FIELDS):
        names = ", ".join(sorted(changed & set(LIMIT_DEFINING_FIELDS)))
        raise ValidationError(
            {"chart_type": f"The control limits are frozen for the current chart ({names} would change): "
                           "release the limits first, then freeze new ones."}
        )
    if characteristic.subgroups.exists():
        new_type = fields.get("chart_type", characteristic.chart_type)
        if charting.family(new_type) != charting.family(characteristic.chart_type):
            raise ValidationError(
                {"chart_type": "Measurements exist: a variables chart cannot become an attribute chart or the "
                               "reverse. Create a new characteristic instead."}
            )
        if "subgroup_size" in changed:
            raise ValidationError(
                {"subgroup_size": "Measurements exist in subgroups of the current size; the size cannot change."}
            )
    if fields.get("chart_type") in ("p", "np", "c", "u"):
        fields["subgroup_size"] = 1
    return record_update(
        actor,
        characteristic,
        event="measurements.characteristic_updated",
        changes=fields,
        expected_version=version,
        reason=reason,
    )


# --- Recording measurements ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SubgroupEntry:
    """One subgroup (or inspected sample) to record. `where` names it in error messages ("row 12",
    "item 3"). Values given for an existing subgroup key are added to that subgroup."""

    values: tuple[float, ...] = ()
    count: int | None = None
    size: float | None = None
    key: str = ""
    taken_at: dt.datetime | None = None
    lot: str = ""
    where: str = ""


@dataclass
class RecordOutcome:
    subgroups_created: int = 0
    values_recorded: int = 0
    completed: Sequence[Subgroup] = field(default_factory=list)
    signals: list[SignalEvent] = field(default_factory=list)


def _finite(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and (
        abs(value) <= MAX_ABS_VALUE
    )


class _Batch:
    """Validates every entry of a batch against the characteristic and what is stored, collecting all
    problems first so nothing is written unless everything is right."""

    def __init__(self, characteristic: Characteristic, entries: Sequence[SubgroupEntry], now: dt.datetime):
        self.characteristic = characteristic
        self.now = now
        self.errors: list[str] = []
        keys = {entry.key.strip() for entry in entries if entry.key.strip()}
        if len(keys) > KEYS_PER_QUERY:  # a file of thousands of subgroups: which of its keys exist already
            keys &= set(Subgroup.objects.filter(characteristic=characteristic).values_list("key", flat=True))
        ordered = sorted(keys)
        existing = [
            subgroup
            for start in range(0, len(ordered), KEYS_PER_QUERY)
            for subgroup in Subgroup.objects.filter(
                characteristic=characteristic, key__in=ordered[start:start + KEYS_PER_QUERY]
            ).annotate(values_count=Count("measurements"))
        ]
        self.stored = {subgroup.key: subgroup for subgroup in existing}
        self.filled = {subgroup.key: subgroup.values_count for subgroup in existing}
        self.added: dict[str, int] = {}

    def fail(self, entry: SubgroupEntry, index: int, message: str) -> None:
        self.errors.append(f"{entry.where or f'Item {index}'}: {message}")

    def check(self, index: int, entry: SubgroupEntry) -> None:
        key = entry.key.strip()
        self.check_time_and_lot(index, entry)
        if self.characteristic.is_attribute:
            self.check_attribute(index, entry, key)
        else:
            self.check_variables(index, entry, key)

    def check_time_and_lot(self, index: int, entry: SubgroupEntry) -> None:
        if len(entry.key.strip()) > 100 or len(entry.lot) > 100:
            self.fail(entry, index, "the subgroup key and the lot take at most 100 characters.")
        if entry.taken_at is not None:
            if timezone.is_naive(entry.taken_at):
                self.fail(entry, index, "the time needs a time zone.")
            elif entry.taken_at > self.now + FUTURE_TOLERANCE:
                self.fail(entry, index, f"the time {entry.taken_at:%Y-%m-%d %H:%M} is in the future.")

    def check_variables(self, index: int, entry: SubgroupEntry, key: str) -> None:
        size = self.characteristic.subgroup_size
        if entry.count is not None or entry.size is not None:
            self.fail(entry, index, "this characteristic takes measured values, not counts.")
            return
        if not entry.values:
            self.fail(entry, index, "no measured value.")
            return
        bad = [str(v) for v in entry.values if not _finite(v)]
        if bad:
            self.fail(entry, index, f"{', '.join(bad[:3])} is not a usable number (finite, at most 1e12).")
            return
        if not key:
            if len(entry.values) != size:
                self.fail(entry, index, f"{len(entry.values)} values given; a subgroup holds {size}. Give the "
                                        "subgroup key to fill a subgroup in several steps.")
            return
        if key in self.stored and self.stored[key].count is not None:
            self.fail(entry, index, f"subgroup {key} is an attribute sample.")
            return
        already = self.filled.get(key, 0) + self.added.get(key, 0)
        if already + len(entry.values) > size:
            self.fail(entry, index, f"subgroup {key} would hold {already + len(entry.values)} values; it holds "
                                    f"{size} (correct a value instead of adding one).")
        self.added[key] = self.added.get(key, 0) + len(entry.values)

    def check_attribute(self, index: int, entry: SubgroupEntry, key: str) -> None:
        kind = self.characteristic.chart_type
        if entry.values:
            self.fail(entry, index, f"a {kind} chart takes a count{' and a sample size' if kind != 'c' else ''}, "
                                    "not measured values.")
            return
        count, size = entry.count, entry.size
        if count is None or isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= 10**9:
            self.fail(entry, index, "the count must be a whole number of at least 0.")
            return
        if kind in SIZED_CHARTS:
            if size is None or not _finite(size) or size <= 0:
                self.fail(entry, index, "the sample size must be a positive number.")
                return
            if kind in ("p", "np") and (size != int(size) or count > size):
                self.fail(entry, index, f"{count} nonconforming in a sample of {size:g}: the sample size is a "
                                        "whole number at least as large as the count.")
        elif size is not None and size != 1:
            self.fail(entry, index, "a c chart counts nonconformities per sample of constant size; use a u chart "
                                    "when the inspection units vary.")
        if key and (key in self.stored or key in self.added):
            self.fail(entry, index, f"subgroup {key} is already recorded; correct it instead.")
        if key:
            self.added[key] = 1


def _raise_batch_errors(errors: list[str]) -> None:
    listed = errors[:MAX_ERRORS_LISTED]
    more = len(errors) - len(listed)
    summary = f"Nothing was recorded: {len(errors)} problem{'s' if len(errors) > 1 else ''} found."
    raise ValidationError([summary, *listed, *([f"… and {more} more."] if more else [])])


def _batch_hash(entries: Sequence[SubgroupEntry], known: dict | None = None) -> str:
    """`known`: bulk._fragments()'s encodings of the values written, their times among them."""
    times: dict = {}  # the rows of a subgroup share their time
    known = known or {}

    def when(taken_at):
        if taken_at not in times:
            encoded = known.get((type(taken_at), taken_at))
            times[taken_at] = encoded[0] if encoded is not None else canonical.to_primitive(taken_at)
        return times[taken_at]

    return canonical.sha256(
        canonical.dumps([[e.key, when(e.taken_at), e.lot, list(e.values), e.count, e.size] for e in entries])
    )


@transaction.atomic
def measurements_record(
    *,
    actor,
    characteristic: Characteristic,
    entries: Sequence[SubgroupEntry],
    source: str = "manual",
    source_name: str = "",
    api_token=None,
) -> RecordOutcome:
    """Record subgroups all-or-nothing: every entry is checked first and the problems listed together.
    New signals on the completed subgroups are stored, notified to the owner and passed to
    `signals_detected`."""
    characteristic = Characteristic.objects.select_for_update().get(pk=characteristic.pk)
    authorize(actor, MODULE, "create", characteristic.site_id)
    if not characteristic.active:
        raise ValidationError(f"{characteristic.number} is inactive: it accepts no measurements.")
    if source not in ("manual", "upload", "api"):
        raise ValidationError({"source": "Unknown source."})
    if not entries:
        raise ValidationError("There are no measurements to record.")
    if len(entries) > MAX_BATCH:
        raise ValidationError(f"At most {MAX_BATCH:,} subgroups per batch; split the file or request.")
    if sum(len(entry.values) for entry in entries) > MAX_VALUES:
        raise ValidationError(f"At most {MAX_VALUES:,} values per batch; split the file or request.")
    now = timezone.now()
    batch = _Batch(characteristic, entries, now)
    for index, entry in enumerate(entries, start=1):
        batch.check(index, entry)
    if batch.errors:
        _raise_batch_errors(batch.errors)
    encodings = bulk._fragments()  # shared by the subgroups', the values' and the batch's texts
    outcome = _write(actor, characteristic, entries, batch, now, source, source_name[:300], api_token, encodings)
    completed = outcome.completed  # a CompletedSubgroups: times and ids without an instance each
    span = sorted(completed.times()) or [now]
    record(
        actor,
        "create",
        "measurements.recorded",
        instance=characteristic,
        changes={
            "measurements": [
                None,
                f"{outcome.values_recorded or len(entries)} value(s) in {len(entries)} subgroup entr"
                f"{'y' if len(entries) == 1 else 'ies'} ({outcome.subgroups_created} new subgroup(s)) taken "
                f"{span[0]:%Y-%m-%d %H:%M} to {span[-1]:%Y-%m-%d %H:%M}",
            ],
            "source": [None, f"{source}{f': {source_name}' if source_name else ''}"],
            "batch sha256": [None, _batch_hash(entries, encodings[1])],
        },
    )
    outcome.signals = _detect(actor, characteristic, completed.ids())
    return outcome


def _write(actor, characteristic, entries, batch: _Batch, now, source, source_name, api_token,
           encodings=None) -> RecordOutcome:
    """Insert the new subgroups, then the values, each in bulk (qualitas.core.bulk), and append their
    creation events to the trail in bulk: the subgroups' first, then the values'."""
    outcome = RecordOutcome()
    sequence = (characteristic.subgroups.aggregate(last=Max("sequence"))["last"] or 0) + 1
    subgroups: dict[str, Subgroup] = dict(batch.stored)
    characteristic_of = Subgroup._meta.get_field("characteristic")
    for subgroup in subgroups.values():
        characteristic_of.set_cached_value(subgroup, characteristic)  # for str(subgroup), without a query
    provenance = {"source": source, "source_name": source_name, "api_token_id": getattr(api_token, "pk", None),
                  "entered_by_id": actor.pk}
    filled = dict(batch.filled)
    touched: set[str] = set()
    keys = [entry.key.strip() for entry in entries]
    reserved = set(keys) | (set(characteristic.subgroups.values_list("key", flat=True)) if "" in keys else set())
    new_rows: list[dict] = []
    for index, entry in enumerate(entries):  # new subgroups first
        if keys[index] and keys[index] in subgroups:
            continue
        if not keys[index]:
            keys[index] = _free_key(sequence, reserved)
        new_rows.append({
            "characteristic_id": characteristic.pk, "key": keys[index], "sequence": sequence,
            "taken_at": entry.taken_at or now, "lot": entry.lot,
            "count": None if entry.count is None else int(entry.count),
            "sample_size": _sample_size(characteristic, entry), **provenance,
        })
        subgroups[keys[index]] = None  # reserved for this entry's later values
        sequence += 1
    prepared: dict = {}  # the subgroups' times, prepared once for their values too
    new_ids = bulk.insert_values(Subgroup, new_rows, prepared=prepared)
    outcome.subgroups_created = len(new_rows)
    # Each subgroup's id and label (Subgroup.__str__, checked on the first new one) without an instance
    # per row: a file of 100,000 single values creates 100,000 subgroups.
    made: dict[str, tuple[int, dict]] = {row["key"]: (pk, row) for pk, row in zip(new_ids, new_rows, strict=True)}
    pk_of = {key: subgroup.pk for key, subgroup in batch.stored.items()} | {key: pk for key, (pk, _r) in made.items()}
    label_of = {key: str(subgroup) for key, subgroup in batch.stored.items()}
    if new_rows:
        first = _subgroup(characteristic, new_ids[0], new_rows[0])
        if str(first) == _subgroup_label(characteristic, first.key):
            label_of.update((key, _subgroup_label(characteristic, key)) for key in made)
        else:  # __str__ changed: ask each subgroup
            label_of.update((key, str(_subgroup(characteristic, pk, row))) for key, (pk, row) in made.items())
    values: list[dict] = []
    labels: list[str] = []
    for key, entry in zip(keys, entries, strict=True):
        touched.add(key)
        taken_at = entry.taken_at or now
        subgroup_id, label = pk_of[key], label_of[key]
        for value in entry.values:
            position = filled[key] = filled.get(key, 0) + 1
            values.append({"subgroup_id": subgroup_id, "position": position, "value": float(value),
                           "taken_at": taken_at, **provenance})
            labels.append(f"{label} value {position}")  # Measurement.__str__, without an instance each
    ids = bulk.insert_values(Measurement, values, prepared=prepared)
    # One creation event per subgroup and per value, as record_create would write for each (every one
    # is checked by `qualitas audit verify`), from the values just written rather than read back.
    bulk.record_created(actor, Subgroup,
                        [(pk, label_of[row["key"]], row) for pk, row in zip(new_ids, new_rows, strict=True)],
                        event="measurements.subgroup_recorded", encodings=encodings)
    bulk.record_created(actor, Measurement, list(zip(ids, labels, values, strict=True)),
                        event="measurements.value_recorded", encodings=encodings)
    outcome.values_recorded = len(values)
    points = characteristic.points_size
    outcome.completed = CompletedSubgroups(characteristic, [
        subgroups[key] if subgroups[key] is not None else made[key]
        for key in touched if characteristic.is_attribute or filled.get(key, 0) == points
    ])
    return outcome


def _subgroup_label(characteristic: Characteristic, key: str) -> str:
    return f"{characteristic.number} subgroup {key}"  # Subgroup.__str__ (checked in _write)


def _subgroup(characteristic: Characteristic, pk: int, row: dict) -> Subgroup:
    """The Subgroup of a row just written by bulk.insert_values, as if read back (no query)."""
    (subgroup,) = bulk.instances(Subgroup, [row], [pk])
    Subgroup._meta.get_field("characteristic").set_cached_value(subgroup, characteristic)
    return subgroup


class CompletedSubgroups(Sequence):
    """The subgroups a batch completed, each made a Subgroup instance when first looked at: an upload of
    100,000 single values completes 100,000 subgroups, and the page names one. Items are stored
    subgroups or (id, row written) of new ones; `ids()` and `times()` read them without instances."""

    def __init__(self, characteristic: Characteristic, items: list):
        self._characteristic = characteristic
        self._items = items

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self._items)))]
        item = self._items[index]
        if type(item) is tuple:
            item = self._items[index] = _subgroup(self._characteristic, *item)
        return item

    def ids(self) -> set[int]:
        return {item[0] if type(item) is tuple else item.pk for item in self._items}

    def times(self) -> list[dt.datetime]:
        return [item[1]["taken_at"] if type(item) is tuple else item.taken_at for item in self._items]


def _created(instance) -> dict:
    """The changes `record_create` records for a new record."""
    state = snapshot(instance)
    return labelled_changes(instance, {name: [None, value] for name, value in state.items()
                                     if value not in (None, "", False)})


def _free_key(sequence: int, reserved: set[str]) -> str:
    """The subgroup's sequence number as its key, unless someone used that key already."""
    key = str(sequence)
    while key in reserved:
        key = f"{key}a"
    reserved.add(key)
    return key


def _sample_size(characteristic: Characteristic, entry: SubgroupEntry) -> float | None:
    if entry.count is None:
        return None
    return 1.0 if characteristic.chart_type == "c" else float(entry.size)


# --- Signals -------------------------------------------------------------------------------------------


def signals_detected(characteristic: Characteristic, new_signals: list[SignalEvent]) -> None:
    """Hook called (inside the recording transaction) with the signals just reported for
    `characteristic`. The CAPA module raises a nonconformity here when
    `characteristic.raise_nonconformity` is set."""
    if not characteristic.raise_nonconformity or not new_signals:
        return
    from qualitas.core.links.services import link_create
    from qualitas.core.modules import raiser_for
    from qualitas.core.raising import raise_from

    if raiser_for("nonconformity") is None:  # no module that handles nonconformities is installed
        return
    lines = [
        f"Subgroup {signal.subgroup.key} ({timezone.localtime(signal.subgroup.taken_at):%Y-%m-%d %H:%M}), "
        f"{signal.chart} chart: {', '.join(signal.rules)}"
        for signal in new_signals
    ]
    # Raised by the system: the signals came from recorded data, not from a person's decision.
    system = system_actor()
    nc = raise_from(
        actor=system, record=characteristic, raising="nonconformity",
        title=f"Out-of-control signal on {characteristic.number} {characteristic.name}"[:300],
        description="The control chart signalled at:\n" + "\n".join(lines),
        nc_type="process", category="Process signal", site=characteristic.site, process=characteristic.process,
        owner=characteristic.owner,
    )
    for signal in new_signals:
        link_create(actor=system, source=nc, target=signal, kind="raised_from")


def _detect(actor, characteristic: Characteristic, candidate_ids: set[int]) -> list[SignalEvent]:
    """Store and notify the signals at the candidate subgroups that were not reported before."""
    if not candidate_ids:
        return []
    try:
        judged = charting.judge_points(characteristic)
    except charting.NotEnoughData:
        return []
    reported_here = SignalEvent.objects.filter(characteristic=characteristic)
    if len(candidate_ids) <= KEYS_PER_QUERY:  # else no IN list of thousands of ids (SQLite limits them)
        reported_here = reported_here.filter(subgroup_id__in=candidate_ids)
    reported = set(reported_here.values_list("subgroup_id", "chart"))
    now = timezone.now()
    new: list[SignalEvent] = []
    for found in judged.signals:
        if found.subgroup.pk not in candidate_ids or (found.subgroup.pk, found.chart) in reported:
            continue
        event = SignalEvent(
            characteristic=characteristic, subgroup=found.subgroup, chart=found.chart, rules=list(found.rules),
            value=found.value, limits=judged.limits, detected_at=now,
        )
        # record_create's checks but those of the keys, which come from the rows just read.
        event.full_clean(exclude=("characteristic", "subgroup", "limits"), validate_unique=False)
        new.append(event)
    # As record_create, for a file's worth of signals at once: one insert, one append to the trail.
    bulk.insert(SignalEvent, new)
    record_many(actor, [
        AuditEntry("create", "measurements.signal_detected", instance=event, changes=_created(event)) for event in new
    ])
    if new:
        _notify_owner(characteristic, new)
        signals_detected(characteristic, new)
    return new


def _notify_owner(characteristic: Characteristic, events: list[SignalEvent]) -> None:
    from django.urls import reverse

    from qualitas.core.notifications.services import notify

    url = reverse("measurements:detail", args=[characteristic.pk])
    by_point: dict[int, list[SignalEvent]] = {}
    for event in events:
        by_point.setdefault(event.subgroup_id, []).append(event)
    points = list(by_point.values())
    for group in points[:MAX_SIGNAL_NOTIFICATIONS]:
        subgroup = group[0].subgroup
        rules = ", ".join(f"{event.chart}: {', '.join(event.rules)}" for event in group)
        notify(
            characteristic.owner,
            f"Out-of-control signal on {characteristic.number} {characteristic.name}, subgroup {subgroup.key}",
            f"Subgroup {subgroup.key} taken {timezone.localtime(subgroup.taken_at):%Y-%m-%d %H:%M} signals "
            f"({rules}). Investigate the cause and acknowledge the signal.",
            url=url,
            kind="spc-signal",
        )
    if len(points) > MAX_SIGNAL_NOTIFICATIONS:
        notify(
            characteristic.owner,
            f"{len(points) - MAX_SIGNAL_NOTIFICATIONS} more out-of-control signals on {characteristic.number}",
            "The recorded batch completed more signals than are notified one by one; see the signal list.",
            url=url,
            kind="spc-signal",
        )


@transaction.atomic
def signal_acknowledge(*, actor, event: SignalEvent, note: str) -> SignalEvent:
    """The owner or an editor acknowledges a signal, saying what was found or done."""
    characteristic = event.characteristic
    if actor.pk != characteristic.owner_id:
        authorize(actor, MODULE, "edit", characteristic.site_id)
    if event.acknowledged_at is not None:
        raise ValidationError("This signal is already acknowledged.")
    if not (note or "").strip():
        raise ValidationError({"note": "Say what was found or done about the signal."})
    return record_update(
        actor,
        event,
        event="measurements.signal_acknowledged",
        changes={"acknowledged_by": actor, "acknowledged_at": timezone.now(), "note": note.strip()},
        require_reason=False,
    )


# --- Corrections and exclusions ------------------------------------------------------------------------


def _reason(reason: str) -> str:
    if not (reason or "").strip():
        raise ValidationError({"reason": "Give the reason for the correction."})
    return reason.strip()


@transaction.atomic
def measurement_correct(*, actor, measurement: Measurement, value: float, reason: str, version=None) -> Measurement:
    """Correct a measured value (typing or transfer error); the old value stays in the audit trail."""
    characteristic = measurement.subgroup.characteristic
    authorize(actor, MODULE, "edit", characteristic.site_id)
    reason = _reason(reason)
    if not _finite(value):
        raise ValidationError({"value": "Enter a finite number (at most 1e12)."})
    corrected = record_update(
        actor, measurement, event="measurements.value_corrected", changes={"value": float(value)},
        expected_version=version, reason=reason, action="correct",
    )
    _detect(actor, characteristic, {measurement.subgroup_id})
    return corrected


SUBGROUP_CORRECTABLE = ("taken_at", "lot", "count", "sample_size")


def _check_subgroup_fields(characteristic: Characteristic, subgroup: Subgroup, fields: dict) -> None:
    """The corrected subgroup must pass the same checks as a new one."""
    probe = SubgroupEntry(
        count=fields.get("count", subgroup.count),
        size=fields.get("sample_size", subgroup.sample_size),
        taken_at=fields.get("taken_at", subgroup.taken_at),
        lot=fields.get("lot", subgroup.lot) or "",
        where="The correction",
    )
    checker = _Batch(characteristic, [], timezone.now())
    checker.check_time_and_lot(1, probe)
    if characteristic.is_attribute:
        checker.check_attribute(1, probe, key="")
    if checker.errors:
        raise ValidationError(checker.errors[0])


@transaction.atomic
def subgroup_correct(*, actor, subgroup: Subgroup, reason: str, version=None, **fields) -> Subgroup:
    """Correct when a subgroup was taken, its lot, or an attribute sample's count and size."""
    characteristic = subgroup.characteristic
    authorize(actor, MODULE, "edit", characteristic.site_id)
    _check(fields, SUBGROUP_CORRECTABLE)
    reason = _reason(reason)
    if ("count" in fields or "sample_size" in fields) and not characteristic.is_attribute:
        raise ValidationError({"count": "Counts apply to attribute charts; correct the measured values instead."})
    _check_subgroup_fields(characteristic, subgroup, fields)
    corrected = record_update(
        actor, subgroup, event="measurements.subgroup_corrected", changes=fields, expected_version=version,
        reason=reason, action="correct",
    )
    _detect(actor, characteristic, {subgroup.pk})
    return corrected


@transaction.atomic
def subgroup_exclude(*, actor, subgroup: Subgroup, excluded: bool, reason: str, version=None) -> Subgroup:
    """Leave a subgroup out of (or bring it back into) the control-limit estimate; it stays on the chart."""
    authorize(actor, MODULE, "edit", subgroup.characteristic.site_id)
    reason = _reason(reason)
    return record_update(
        actor, subgroup, event="measurements.subgroup_excluded" if excluded else "measurements.subgroup_included",
        changes={"excluded": bool(excluded), "exclusion_reason": reason if excluded else ""},
        expected_version=version, reason=reason,
    )


# --- Frozen limits -------------------------------------------------------------------------------------


def limits_freeze(
    *,
    actor,
    characteristic: Characteristic,
    credentials,
    first: int | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    reason: str = "",
) -> ControlLimits:
    """Freeze Phase I limits computed from the first `first` subgroups or from those taken between
    `since` and `until` (excluded subgroups left out), approved by the actor's electronic signature.
    Freezing again supersedes the limits in use and needs a reason."""
    from qualitas.core.signatures import services as signing

    authorize(actor, MODULE, "approve", characteristic.site_id)
    current = characteristic.limits.filter(status="active").first()
    if current is not None and not (reason or "").strip():
        raise ValidationError({"reason": "Limits are frozen already: say why they are frozen again."})
    phase1 = charting.phase1_series(characteristic, first=first, since=since, until=until)
    chartset = charting.estimate_or_refuse(characteristic, phase1)
    signing.verify_signer(actor, credentials, instance=current or characteristic, meaning="approved")
    with transaction.atomic():
        locked = Characteristic.objects.select_for_update().get(pk=characteristic.pk)
        current = locked.limits.filter(status="active").first()  # as it is now, under the lock
        now = timezone.now()
        if current is not None:
            engine.perform(
                actor=actor, instance=current, transition="supersede", reason=reason,
                changes={"ended_at": now, "ended_reason": reason.strip()}, by_service=True,
            )
        limits = record_create(
            actor,
            ControlLimits(
                characteristic=locked, chart_type=locked.chart_type, subgroup_size=locked.subgroup_size,
                limits=charting.frozen_limits(chartset), known=charting.known_parameters(locked, chartset),
                phase1_subgroups=len(phase1.subgroups), phase1_from=phase1.subgroups[0].taken_at,
                phase1_to=phase1.subgroups[-1].taken_at,
                excluded=[s.key for s in phase1.subgroups if s.excluded], reason=(reason or "").strip(),
                frozen_by=actor, frozen_at=now,
            ),
            event="measurements.limits_frozen",
            reason=(reason or "").strip(),
        )
        signing.sign(actor=actor, instance=limits, meaning="approved", credentials=credentials, verified=True,
                     transition="freeze_limits")
        record(actor, "update", "measurements.limits_changed", instance=locked, reason=(reason or "").strip(),
               changes={"control limits": [None, charting.describe_limits(limits)]})
    return limits


@transaction.atomic
def limits_release(*, actor, characteristic: Characteristic, reason: str) -> ControlLimits:
    """Stop judging against the frozen limits (back to trial limits from all data), with a reason."""
    authorize(actor, MODULE, "approve", characteristic.site_id)
    current = characteristic.limits.select_for_update().filter(status="active").first()
    if current is None:
        raise ValidationError("No limits are frozen.")
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why the frozen limits are released."})
    released = engine.perform(
        actor=actor, instance=current, transition="release", reason=reason,
        changes={"ended_at": timezone.now(), "ended_reason": reason.strip()}, by_service=True,
    )
    record(actor, "update", "measurements.limits_changed", instance=characteristic, reason=reason.strip(),
           changes={"control limits": [charting.describe_limits(current), "trial limits from the data"]})
    return released
