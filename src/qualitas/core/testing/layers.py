"""Demo-data layers: module demo data loaded once for a run of consecutive tests that ask for it.

A layer is one `transaction.atomic()` block opened before the first test that needs it and rolled
back when a test needing something else (or a transactional test) comes, or at the end of the
session. Each test inside runs in its own savepoint, so it still sees the layer exactly as loaded.
Layers are named by fixture: a test asks for `demo` (documents), `capa_demo` (the improvement loop)
or `full_demo` (every module's demo data plus `extras`: a change request and one attachment per
record picked by the permission matrix).
"""

from __future__ import annotations

from django.db import transaction

ALL = "all"
FIXTURES: dict[str, tuple[str, ...] | str] = {
    "demo": ("documents",),
    "capa_demo": ("capa",),
    "full_demo": ALL,
}


def key_for(fixturenames) -> tuple[str, ...] | str | None:
    """The layer a test needs from the fixtures it uses (None: the organisation alone)."""
    wanted = [FIXTURES[name] for name in fixturenames if name in FIXTURES]
    if not wanted:
        return None
    if ALL in wanted:
        return ALL
    return tuple(sorted({module for modules in wanted for module in modules}))


def load(key) -> None:
    from qualitas.demo import load_demo

    if key == ALL:
        load_demo()
        extras()
    else:
        load_demo(only=set(key))


def extras() -> None:
    """What the demo lacks and the cross-module tests need: a change request, and an attachment on
    the record of each type the permission matrix uses."""
    from qualitas.accounts.models import User
    from qualitas.core import records
    from qualitas.core.testing import factories, matrix
    from qualitas.documents.models import Document

    admin = User.objects.get(username="admin")
    document = Document.objects.filter(revisions__status="effective").order_by("pk").first()
    if document is not None and not document.change_requests.exists():
        factories.change_request(actor=User.objects.get(username="employee"), document=document)
    for record_type in records.all_types():
        instance = matrix.pick_instance(record_type)
        if instance is not None:
            factories.attachment(actor=admin, instance=instance, name=f"{record_type.key}.pdf")


class Layers:
    def __init__(self):
        self.key = None
        self._atomic = None

    def enter(self, key) -> None:
        assert self._atomic is None
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            load(key)
        except BaseException as exc:
            transaction.set_rollback(True)
            atomic.__exit__(type(exc), exc, exc.__traceback__)
            raise
        self._atomic, self.key = atomic, key

    def leave(self) -> None:
        if self._atomic is None:
            return
        atomic, self._atomic, self.key = self._atomic, None, None
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)
