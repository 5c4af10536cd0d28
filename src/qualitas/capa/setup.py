"""Default rows the improvement loop needs (created after `migrate` when missing)."""

from __future__ import annotations


def ensure_severities_after_migrate(sender, using="default", **kwargs) -> None:
    from django.db import connections

    if "capa_severity" in connections[using].introspection.table_names():
        from qualitas.capa.services import ensure_default_severities

        ensure_default_severities()
