"""FMEA risk ranking: the risk priority number and the AIAG-VDA action priority.

The action priority (H, M, L) follows the AIAG-VDA FMEA Handbook (2019) tables for design and
process FMEA, shipped as bands of severity, occurrence and detection in
`data/aiag_vda_action_priority_bands.csv`. The bands are expanded once into a 10 × 10 × 10
lookup array, so arrays of ratings are ranked in one indexing operation.
"""

from __future__ import annotations

import csv
import io
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np

from qualitas.stats.results import StatsInputError

PRIORITIES = ("H", "M", "L")
_BANDS_FILE = "aiag_vda_action_priority_bands.csv"


def rpn(s: Any, o: Any, d: Any) -> Any:
    """Risk priority number S × O × D: an int for scalar ratings, an int array for arrays."""
    severity, occurrence, detection = _ratings(s, "severity"), _ratings(o, "occurrence"), _ratings(d, "detection")
    product = severity * occurrence * detection
    return int(product) if product.ndim == 0 else product


def action_priority(s: Any, o: Any, d: Any) -> Any:
    """AIAG-VDA action priority "H", "M" or "L": a str for scalar ratings, a str array for arrays."""
    severity, occurrence, detection = _ratings(s, "severity"), _ratings(o, "occurrence"), _ratings(d, "detection")
    codes = _priority_lookup()[severity - 1, occurrence - 1, detection - 1]
    labels = np.array(PRIORITIES)[codes]
    return str(labels) if labels.ndim == 0 else labels


def _ratings(value: Any, name: str) -> np.ndarray:
    """The ratings as an int array, refusing anything that is not a whole number from 1 to 10."""
    array = np.asarray(value)
    if array.dtype == bool or not (np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)):
        raise StatsInputError(f"The {name} rating must be a whole number from 1 to 10, not {value!r}.")
    if array.size and not (np.all(np.isfinite(array)) and np.all(array == np.round(array))):
        raise StatsInputError(f"The {name} rating must be a whole number from 1 to 10, not {value!r}.")
    if array.size and (array.min() < 1 or array.max() > 10):
        raise StatsInputError(f"The {name} rating must be a whole number from 1 to 10, not {value!r}.")
    return array.astype(np.int64)


@lru_cache(maxsize=1)
def _priority_lookup() -> np.ndarray:
    """Index [s-1, o-1, d-1] → 0 (H), 1 (M) or 2 (L), expanded from the handbook's bands."""
    table = np.full((10, 10, 10), -1, dtype=np.int8)
    covered = np.zeros((10, 10, 10), dtype=np.int8)
    text = resources.files("qualitas.stats").joinpath("data", _BANDS_FILE).read_text(encoding="utf-8")
    for row in csv.DictReader(io.StringIO(text)):
        s, o, d = (_band(row[key]) for key in ("severity_band", "occurrence_band", "detection_band"))
        table[s, o, d] = PRIORITIES.index(row["action_priority"].strip())
        covered[s, o, d] += 1
    if (covered != 1).any():
        raise RuntimeError(f"{_BANDS_FILE} must give every (S, O, D) combination exactly one priority.")
    table.setflags(write=False)
    return table


def _band(text: str) -> slice:
    """ "7-10" → slice(6, 10); "1" → slice(0, 1) (zero-based, for indexing the lookup)."""
    low, _, high = text.strip().partition("-")
    return slice(int(low) - 1, int(high or low))
