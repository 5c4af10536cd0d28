"""Signed checkpoints of the audit trail's head, kept outside the database (P11-A, P11-E).

The hash chain shows an edited or removed event in the middle of the trail, but not the newest
events deleted with the head moved back, nor a trail rewritten and rehashed from start to end: whoever
can write to the database can recompute every hash. A checkpoint records the head (sequence and hash)
and the time, with an HMAC under a key the database does not hold, in a file outside it:
settings.CHECKPOINT_DIR (QUALITAS_CHECKPOINT_DIR, default DATA_DIR/checkpoints). The key is the
contents of QUALITAS_CHECKPOINT_KEY_FILE when set (keep it where the database server cannot read it),
otherwise one derived from SECRET_KEY.

`qualitas serve` and `qualitas worker` write one at start and the scheduled job `audit.checkpoint`
(`write_periodic`) writes one at its interval; `qualitas audit checkpoint` writes one on demand.
`qualitas audit verify` checks the trail against the newest one by default. A checkpoint is written
only if the trail still contains the newest earlier checkpoint's head: a trail cut back or rewritten is
never blessed by a fresh checkpoint (the job fails and says why). After restoring a database backup,
move the checkpoints newer than the backup aside: they rightly say the restored trail lacks events.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from qualitas.core.audit import canonical
from qualitas.core.audit.models import AuditEvent, AuditHead

logger = logging.getLogger(__name__)

KEEP = 100  # checkpoints kept in the directory; older ones are pruned
PREFIX = "audit-checkpoint-"


class CheckpointMismatch(Exception):
    """The trail no longer contains the head an earlier checkpoint saw."""


def directory() -> Path:
    return Path(settings.CHECKPOINT_DIR)


def _key() -> bytes:
    key_file = os.environ.get("QUALITAS_CHECKPOINT_KEY_FILE", "").strip()
    if key_file:
        return hashlib.sha256(b"qualitas-audit-checkpoint:" + Path(key_file).read_bytes().strip()).digest()
    return hashlib.sha256(("qualitas-audit-checkpoint:" + settings.SECRET_KEY).encode()).digest()


def mac(payload: dict) -> str:
    return hmac.new(_key(), canonical.dumps(payload).encode(), hashlib.sha256).hexdigest()


def head() -> tuple[int, str]:
    row = AuditHead.objects.filter(pk=1).first()
    return (row.sequence, row.hash) if row else (0, canonical.GENESIS)


def write(path: str | Path) -> dict:
    """Write the current head to `path` (replacing it atomically)."""
    sequence, digest = head()
    payload = {"sequence": sequence, "hash": digest, "written_at": timezone.now().strftime("%Y-%m-%dT%H:%M:%S.%fZ")}
    document = {**payload, "hmac": mac(payload)}
    path = Path(path)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(json.dumps(document, indent=2) + "\n")
    temporary.replace(path)
    return document


def read(path: str | Path) -> dict:
    """The checkpoint's payload if its HMAC is right; ValueError if unreadable, PermissionError if forged."""
    path = Path(path)
    try:
        document = json.loads(path.read_text())
        payload = {key: document[key] for key in ("sequence", "hash", "written_at")}
        signature = document["hmac"]
        int(payload["sequence"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"cannot read checkpoint {path}: {exc}") from exc
    if not isinstance(signature, str) or not hmac.compare_digest(signature, mac(payload)):
        raise PermissionError(f"checkpoint {path.name} is not authentic (HMAC mismatch)")
    return payload


def files(where: Path | None = None) -> list[Path]:
    """The checkpoints in the directory, oldest first (their names start with the UTC time)."""
    where = where or directory()
    return sorted(where.glob(f"{PREFIX}*.json")) if where.is_dir() else []


def newest(where: Path | None = None) -> Path | None:
    found = files(where)
    return found[-1] if found else None


def problem(payload: dict, name: str, head_sequence: int) -> str | None:
    """Why the trail does not contain the head the checkpoint saw, or None."""
    sequence = int(payload["sequence"])
    if head_sequence < sequence:
        return f"the trail ends at #{head_sequence} but checkpoint {name} saw #{sequence}: events were removed"
    stored = AuditEvent.objects.filter(sequence=sequence).values_list("hash", flat=True).first() if sequence else None
    if sequence and stored != payload["hash"]:
        return (
            f"event #{sequence} differs from checkpoint {name}: the trail was rewritten since {payload['written_at']}"
        )
    return None


def write_in_directory(where: Path | None = None) -> str:
    """Write a checkpoint into the checkpoint directory unless the head has not moved since the newest
    one; raise CheckpointMismatch if the trail no longer contains that one's head. Returns what it did."""
    where = where or directory()
    where.mkdir(parents=True, exist_ok=True)
    previous = newest(where)
    sequence, _ = head()
    if previous is not None:
        try:
            payload = read(previous)
        except (ValueError, PermissionError) as exc:
            raise CheckpointMismatch(f"{exc}: not writing a new checkpoint over it") from exc
        reason = problem(payload, previous.name, sequence)
        if reason:
            raise CheckpointMismatch(f"{reason}; no new checkpoint written")
        if int(payload["sequence"]) == sequence:
            return f"head #{sequence} unchanged since {previous.name}"
    now = timezone.now()
    path = where / f"{PREFIX}{now:%Y%m%dT%H%M%S%fZ}-{sequence}.json"
    document = write(path)
    for old in files(where)[:-KEEP]:
        old.unlink(missing_ok=True)
    return f"checkpoint of event #{document['sequence']} written to {path}"


def write_periodic() -> str:
    """The scheduled job `audit.checkpoint`: fails (so the job run shows it) when the trail was cut back."""
    return write_in_directory()


def write_at_start() -> str | None:
    """For `qualitas serve` and `qualitas worker`: never stops them; a refusal is logged as an error."""
    try:
        return write_in_directory()
    except CheckpointMismatch as exc:
        logger.error("Audit trail checkpoint refused: %s. Run `qualitas audit verify`.", exc)
        return f"AUDIT TRAIL CHECKPOINT REFUSED: {exc}. Run `qualitas audit verify`."
    except Exception:
        logger.exception("Writing the audit trail checkpoint to %s failed", directory())
        return None
