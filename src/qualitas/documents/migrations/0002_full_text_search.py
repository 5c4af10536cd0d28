"""Full-text index: an FTS5 table kept in step by triggers on SQLite, a GIN index on PostgreSQL."""

from django.db import migrations


def statements(vendor: str, setup: bool) -> list[str]:
    from qualitas.documents import search

    if vendor == "sqlite":
        return search.SQLITE_SETUP if setup else search.SQLITE_TEARDOWN
    if vendor == "postgresql":
        return search.POSTGRES_SETUP if setup else search.POSTGRES_TEARDOWN
    raise RuntimeError(f"No full-text search for {vendor}: use SQLite or PostgreSQL.")


def forwards(apps, schema_editor):
    for sql in statements(schema_editor.connection.vendor, True):
        schema_editor.execute(sql, params=None)


def backwards(apps, schema_editor):
    for sql in statements(schema_editor.connection.vendor, False):
        schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [("documents", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
