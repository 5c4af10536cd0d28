"""Structures that let search rank only what the reader may see, fast (see search.py): an index of each
revision's status, document and author; on PostgreSQL also the vector kept in its row and the vector of
number, title and keywords with its GIN index."""

from django.db import migrations


def statements(vendor: str, setup: bool) -> list[str]:
    from qualitas.documents import search

    if vendor == "sqlite":
        return search.SQLITE_RANKING_SETUP if setup else search.SQLITE_RANKING_TEARDOWN
    if vendor == "postgresql":
        return search.POSTGRES_RANKING_SETUP if setup else search.POSTGRES_RANKING_TEARDOWN
    raise RuntimeError(f"No full-text search for {vendor}: use SQLite or PostgreSQL.")


def forwards(apps, schema_editor):
    for sql in statements(schema_editor.connection.vendor, True):
        schema_editor.execute(sql, params=None)


def backwards(apps, schema_editor):
    for sql in statements(schema_editor.connection.vendor, False):
        schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [("documents", "0005_review_comments")]
    operations = [migrations.RunPython(forwards, backwards)]
