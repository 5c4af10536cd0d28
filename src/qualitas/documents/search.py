"""Full-text search over number, title, keywords and content (including text extracted from uploads):
SQLite FTS5 (bm25 ranking) and PostgreSQL full text (ts_rank) behind one interface."""

from __future__ import annotations

import re

from django.db import connection

from qualitas.documents.models import Revision, SearchEntry

WORD = re.compile(r"\w+", re.UNICODE)


def index_revision(revision: Revision) -> None:
    """(Re)index one revision; called whenever its content or the document's metadata changes."""
    document = revision.document
    SearchEntry.objects.update_or_create(
        revision=revision,
        defaults={
            "document": document,
            "number": document.number,
            "title": document.title,
            "keywords": document.keywords,
            "body": revision.text or "",
        },
    )


def index_document(document) -> None:
    for revision in document.revisions.all():
        index_revision(revision)


def _fts5_query(text: str) -> str:
    words = WORD.findall(text)
    # Each word quoted (no FTS syntax from users); the last one as a prefix for type-ahead.
    return " ".join(f'"{word}"' + ("*" if i == len(words) - 1 else "") for i, word in enumerate(words))


def ranked_ids(text: str, limit: int = 500) -> list[tuple[int, float, str]]:
    """(revision id, score, snippet) best first; score higher is better on both databases."""
    if not WORD.search(text or ""):
        return []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The weighted vector is a stored generated column with a GIN index (migration 0002);
            # snippets are made later, only for the hits shown (see snippets()).
            cursor.execute(
                """
                SELECT revision_id, ts_rank(search_vector, query) AS score, ''
                FROM documents_searchentry, websearch_to_tsquery('english', %s) AS query
                WHERE search_vector @@ query
                ORDER BY score DESC LIMIT %s
                """,
                [text, limit],
            )
        else:
            cursor.execute(
                """
                SELECT rowid, -bm25(documents_fts, 10.0, 8.0, 4.0, 1.0) AS score,
                       snippet(documents_fts, 3, '[', ']', '…', 16)
                FROM documents_fts WHERE documents_fts MATCH %s ORDER BY score DESC LIMIT %s
                """,
                [_fts5_query(text), limit],
            )
        return [(row[0], float(row[1]), row[2] or "") for row in cursor.fetchall()]


def snippets(revision_ids: list[int], text: str) -> dict[int, str]:
    """Highlighted excerpts for the hits shown (PostgreSQL; SQLite returns them with the ranking)."""
    if connection.vendor != "postgresql" or not revision_ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT revision_id, ts_headline('english', body, websearch_to_tsquery('english', %s),
                                            'MaxWords=24, MinWords=8, StartSel=[, StopSel=]')
            FROM documents_searchentry WHERE revision_id = ANY(%s)
            """,
            [text, list(revision_ids)],
        )
        return dict(cursor.fetchall())


# --- Index structures, created by migration 0002 --------------------------------------------------------

SQLITE_SETUP = [
    """CREATE VIRTUAL TABLE documents_fts USING fts5(
           number, title, keywords, body, content='documents_searchentry', content_rowid='revision_id',
           tokenize='unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER documents_fts_insert AFTER INSERT ON documents_searchentry BEGIN
           INSERT INTO documents_fts(rowid, number, title, keywords, body)
           VALUES (new.revision_id, new.number, new.title, new.keywords, new.body); END""",
    """CREATE TRIGGER documents_fts_delete AFTER DELETE ON documents_searchentry BEGIN
           INSERT INTO documents_fts(documents_fts, rowid, number, title, keywords, body)
           VALUES ('delete', old.revision_id, old.number, old.title, old.keywords, old.body); END""",
    """CREATE TRIGGER documents_fts_update AFTER UPDATE ON documents_searchentry BEGIN
           INSERT INTO documents_fts(documents_fts, rowid, number, title, keywords, body)
           VALUES ('delete', old.revision_id, old.number, old.title, old.keywords, old.body);
           INSERT INTO documents_fts(rowid, number, title, keywords, body)
           VALUES (new.revision_id, new.number, new.title, new.keywords, new.body); END""",
]
SQLITE_TEARDOWN = [
    "DROP TRIGGER IF EXISTS documents_fts_insert",
    "DROP TRIGGER IF EXISTS documents_fts_delete",
    "DROP TRIGGER IF EXISTS documents_fts_update",
    "DROP TABLE IF EXISTS documents_fts",
]
POSTGRES_SETUP = [
    """ALTER TABLE documents_searchentry ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
           setweight(to_tsvector('english', number || ' ' || title), 'A')
           || setweight(to_tsvector('english', keywords), 'B')
           || setweight(to_tsvector('english', body), 'C')) STORED""",
    "CREATE INDEX documents_search_fts ON documents_searchentry USING GIN (search_vector)",
]
POSTGRES_TEARDOWN = [
    "DROP INDEX IF EXISTS documents_search_fts",
    "ALTER TABLE documents_searchentry DROP COLUMN IF EXISTS search_vector",
]
