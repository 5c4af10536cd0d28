"""Full-text search over number, title, keywords and content (including text extracted from uploads):
SQLite FTS5 (bm25 ranking) and PostgreSQL full text (ts_rank) behind one interface."""

from __future__ import annotations

import html
import re

from django.db import connection
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from qualitas.documents.models import Revision, SearchEntry

WORD = re.compile(r"\w+", re.UNICODE)
# Highlight markers the databases put around matched words: control characters no text contains, so a
# "[" in the content is never taken for a highlight.
START, STOP = "\x02", "\x03"
MARKED = re.compile(re.escape(START) + r"(.*?)" + re.escape(STOP), re.DOTALL)
BLOCK_TAGS = re.compile(
    r"</?(?:p|h[1-6]|li|ul|ol|tr|td|th|table|thead|tbody|blockquote|pre|br|hr|div)\b[^>]*>", re.IGNORECASE
)
TAGS = re.compile(r"<[^>]+>")


def plain_text(revision: Revision) -> str:
    """The revision's words as a reader sees them: Markdown rendered and its markup dropped (headings,
    emphasis, table rules, link targets), or the text extracted from the uploaded file."""
    if revision.content_kind != "markdown":
        return " ".join((revision.extracted_text or "").split())
    return markdown_to_text(revision.content or "")


def markdown_to_text(markdown: str) -> str:
    from qualitas.documents.rendering import to_html

    text = TAGS.sub("", BLOCK_TAGS.sub(" ", to_html(markdown)))
    return " ".join(html.unescape(text).split())


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
            "body": plain_text(revision),
        },
    )


def reindex_all() -> int:
    """Rebuild the index of every revision (after a change of what is indexed); returns the count."""
    count = 0
    for revision in Revision.objects.select_related("document").iterator():
        index_revision(revision)
        count += 1
    return count


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
                       snippet(documents_fts, 3, char(2), char(3), '…', 16)
                FROM documents_fts WHERE documents_fts MATCH %s ORDER BY score DESC LIMIT %s
                """,
                [_fts5_query(text), limit],
            )
        return [(row[0], float(row[1]), row[2] or "") for row in cursor.fetchall()]


def snippets(revision_ids: list[int], text: str) -> dict[int, str]:
    """The database's highlighted excerpts for the hits shown (PostgreSQL; SQLite returns them with the
    ranking), with matches between START and STOP: they tell which words of the text matched (stemmed
    forms included), for `excerpt`."""
    if connection.vendor != "postgresql" or not revision_ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT revision_id, ts_headline('english', body, websearch_to_tsquery('english', %s), %s)
            FROM documents_searchentry WHERE revision_id = ANY(%s)
            """,
            [text, f"MaxWords=24, MinWords=8, StartSel={START}, StopSel={STOP}", list(revision_ids)],
        )
        return dict(cursor.fetchall())


def matched_terms(query: str, marked: str = "") -> set[str]:
    """The words to highlight: the query's own words and those the database marked as matches."""
    terms = {word.lower() for word in WORD.findall(query or "")}
    for fragment in MARKED.findall(marked or ""):
        terms |= {word.lower() for word in WORD.findall(fragment)}
    return terms


def excerpt(text: str, terms: set[str], *, words: int = 28, before: int = 8) -> tuple[SafeString, str]:
    """An excerpt of plain `text` around the first matching word: as HTML (escaped, the matches in
    <mark>) and as plain text. A word matches a term it equals or, for terms of 3+ letters, starts with."""

    def matches(token: str) -> bool:
        token = token.lower()
        return any(token == term or (len(term) >= 3 and token.startswith(term)) for term in terms)

    tokens = list(WORD.finditer(text or ""))
    if not tokens:
        return mark_safe(""), ""  # noqa: S308 - an empty string
    first = next((i for i, token in enumerate(tokens) if matches(token.group())), 0)
    start = max(0, first - before)
    end = min(len(tokens), start + words)
    begin = tokens[start].start()
    finish = len(text.rstrip()) if end == len(tokens) else tokens[end - 1].end()
    parts, plain, cursor = [], [], begin
    for token in tokens[start:end]:
        gap = text[cursor : token.start()]
        parts.append(escape(gap))
        plain.append(gap)
        word = token.group()
        parts.append(f"<mark>{escape(word)}</mark>" if matches(word) else escape(word))
        plain.append(word)
        cursor = token.end()
    tail = text[cursor:finish]
    parts.append(escape(tail))
    plain.append(tail)
    lead, trail = ("… " if begin > 0 else ""), (" …" if end < len(tokens) else "")
    return (
        mark_safe(lead + "".join(parts) + trail),  # noqa: S308 - every piece of text is escaped above
        lead + "".join(plain) + trail,
    )


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
