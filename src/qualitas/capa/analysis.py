"""Root cause analysis as data: validation and normalisation of the 5-Why chains, the Ishikawa
(fishbone) diagram over the 6M categories and the root causes, as stored on the CAPA.

    why_chains  = [{"problem": "...", "whys": ["why 1", "why 2", ...], "cause": "conclusion"}, ...]
    fishbone    = {"method": ["cause", ...], "machine": [...], ...}        (6M keys only)
    root_causes = [{"statement": "...", "category": "method", "origin": "5-Why 1",
                    "verified": true, "verification": "how it was confirmed"}, ...]
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

from qualitas.capa.models import SIX_M

CATEGORIES = dict(SIX_M)
MAX_BRANCHES = 10
MAX_WHYS = 10
MAX_TEXT = 2000


def _text(value, field: str, *, required: bool = True) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError({field: "Must be text."})
    value = " ".join(value.split())
    if required and not value:
        raise ValidationError({field: "Must not be empty."})
    if len(value) > MAX_TEXT:
        raise ValidationError({field: f"At most {MAX_TEXT} characters."})
    return value


def clean_why_chains(chains) -> list[dict]:
    if not isinstance(chains, list):
        raise ValidationError({"why_chains": "A list of 5-Why branches."})
    if len(chains) > MAX_BRANCHES:
        raise ValidationError({"why_chains": f"At most {MAX_BRANCHES} branches."})
    cleaned = []
    for number, chain in enumerate(chains, start=1):
        if not isinstance(chain, dict):
            raise ValidationError({"why_chains": f"Branch {number} must be an object with problem and whys."})
        whys = chain.get("whys") or []
        if not isinstance(whys, list) or not whys:
            raise ValidationError({"why_chains": f"Branch {number} needs at least one 'why'."})
        if len(whys) > MAX_WHYS:
            raise ValidationError({"why_chains": f"Branch {number}: at most {MAX_WHYS} whys."})
        cleaned.append(
            {
                "problem": _text(chain.get("problem"), "why_chains"),
                "whys": [_text(why, "why_chains") for why in whys],
                "cause": _text(chain.get("cause"), "why_chains", required=False),
            }
        )
    return cleaned


def clean_fishbone(diagram) -> dict:
    if not isinstance(diagram, dict):
        raise ValidationError({"fishbone": "An object mapping 6M categories to lists of causes."})
    unknown = set(diagram) - set(CATEGORIES)
    if unknown:
        raise ValidationError(
            {"fishbone": f"Unknown categories {', '.join(sorted(map(str, unknown)))}; use {', '.join(CATEGORIES)}."}
        )
    cleaned = {}
    for category in CATEGORIES:
        causes = diagram.get(category) or []
        if not isinstance(causes, list):
            raise ValidationError({"fishbone": f"{category}: a list of causes."})
        causes = [_text(cause, "fishbone") for cause in causes if str(cause or "").strip()]
        if causes:
            cleaned[category] = causes
    return cleaned


def clean_root_causes(causes) -> list[dict]:
    if not isinstance(causes, list):
        raise ValidationError({"root_causes": "A list of root causes."})
    cleaned = []
    for number, cause in enumerate(causes, start=1):
        if not isinstance(cause, dict):
            raise ValidationError({"root_causes": f"Root cause {number} must be an object."})
        category = cause.get("category") or ""
        if category not in CATEGORIES:
            raise ValidationError(
                {"root_causes": f"Root cause {number}: category must be one of {', '.join(CATEGORIES)}."}
            )
        verified = cause.get("verified", False)
        if not isinstance(verified, bool):
            raise ValidationError({"root_causes": f"Root cause {number}: verified is true or false."})
        verification = _text(cause.get("verification"), "root_causes", required=False)
        if verified and not verification:
            raise ValidationError({"root_causes": f"Root cause {number}: say how it was verified."})
        cleaned.append(
            {
                "statement": _text(cause.get("statement"), "root_causes"),
                "category": category,
                "origin": _text(cause.get("origin"), "root_causes", required=False),
                "verified": verified,
                "verification": verification,
            }
        )
    return cleaned


def verified_causes(capa) -> list[dict]:
    return [cause for cause in capa.root_causes or [] if cause.get("verified")]


def fishbone_rows(capa) -> list[tuple[str, str, list[str]]]:
    """(key, label, causes) for every 6M category, in the usual order, for pages and the 8D PDF."""
    diagram = capa.fishbone or {}
    return [(key, label, diagram.get(key, [])) for key, label in SIX_M]
