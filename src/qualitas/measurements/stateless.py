"""Statistics on posted data for the API: the JSON of `qualitas stats chart` and `capability`."""

from __future__ import annotations

import numpy as np

from qualitas.measurements.charting import CENTRE_OPTION
from qualitas.measurements.reports import jsonable
from qualitas.stats import capability as capability_lib
from qualitas.stats import charts
from qualitas.stats.results import StatsInputError


def as_array(data: list) -> np.ndarray:
    """Individual values as a 1-D array, or subgroup rows as a 2-D array padded with NaN (null = missing)."""
    if not data or not isinstance(data[0], list):
        return np.asarray(data, dtype=float)
    width = max(len(row) for row in data)
    if width == 0:
        raise StatsInputError("Every subgroup is empty.")
    table = np.full((len(data), width), np.nan)
    for index, row in enumerate(data):
        table[index, : len(row)] = [np.nan if v is None else v for v in row]
    return table


def chart(kind: str, data: list, sizes: list | None, options: dict) -> dict:
    options = dict(options)
    if "target" in options:
        options[CENTRE_OPTION[kind]] = options.pop("target")
    if kind != "cusum":
        options.setdefault("rules", "none" if kind == "ewma" else "nelson")
    if not options.get("exclude"):
        options.pop("exclude", None)
    array = as_array(data)
    chartset = charts.chart(kind, array, None if sizes is None else np.asarray(sizes, dtype=float), **options)
    return jsonable(chartset.to_dict())


def capability(values: list, **options) -> dict:
    return jsonable(capability_lib.capability(as_array(values), **options).to_dict())
