"""Canonical serialisation for hashing: the same bytes for the same facts, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import uuid

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
GENESIS = "0" * 64


def to_primitive(value):
    """A JSON-safe, stable form of a model field value."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, decimal.Decimal):
        # One text per number whatever the column's scale: 7.4 and 7.40 (as read back) hash alike.
        return format(value.normalize(), "f") if value.is_finite() else str(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return hashlib.sha256(bytes(value)).hexdigest()
    if isinstance(value, list | tuple):
        return [to_primitive(item) for item in value]
    if isinstance(value, dict):
        return {str(key): to_primitive(item) for key, item in value.items()}
    return str(value)


def dumps(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def utc_text(value: dt.datetime) -> str:
    """A datetime as UTC text with microseconds, the form both databases can produce in SQL."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def timestamp_us(value) -> int:
    """Microseconds since the epoch, from a datetime or the text SQLite returns for one."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return (value - EPOCH) // dt.timedelta(microseconds=1)
