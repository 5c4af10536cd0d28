"""Full-text search over number, title, keywords and content (including text extracted from uploads):
SQLite FTS5 (bm25 ranking) and PostgreSQL full text (ts_rank) behind one interface.

`rank()` ranks inside the database the revisions of a queryset (already narrowed to what the reader
may see and asked for) and returns only the best; the excerpts are then made for the hits shown only,
from the plain text the index holds (`bodies()`), with the words the database matched (`marks()`)."""

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
    """(revision id, score, snippet) over the whole index, every revision, best first; score higher is
    better on both databases. (Search itself ranks what the reader may see with rank().)"""
    if not WORD.search(text or ""):
        return []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The weighted vector is a stored generated column with a GIN index (migration 0002);
            # snippets are made later, only for the hits shown (see marks()).
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


def matches(text: str) -> bool:
    return bool(WORD.search(text or ""))


SQLITE_RANK = "bm25(10.0, 8.0, 4.0, 1.0)"  # number, title, keywords, body
POSTGRES_QUERY = "websearch_to_tsquery('english', %s)"


def rank(revisions, text: str, limit: int) -> list[tuple[int, int, float]]:
    """(revision id, document id, score) of the revisions of the queryset `revisions` whose index entry
    matches `text`, best first (score higher is better on both databases; ties: newest first), at most
    `limit`. The queryset's conditions (who may see what, filters) are part of the one ranking query,
    so only matching rows that pass them are scored and sorted."""
    if not matches(text):
        return []
    if connection.vendor != "postgresql":
        # FTS5's own rank column, with the same bm25 weights: ordered by it, FTS5 hands over the matches
        # best first, so the other conditions are checked only until `limit` rows pass them.
        ranked = revisions.extra(  # noqa: S610 - fixed SQL; the query text only as a parameter
            tables=["documents_fts"],
            where=[
                "documents_fts.rowid = documents_revision.id",
                "documents_fts MATCH %s",
                f"documents_fts.rank MATCH '{SQLITE_RANK}'",
            ],
            params=[_fts5_query(text)],
            select={"score": "-documents_fts.rank"},
            order_by=["documents_fts.rank"],
        )
        rows = ranked.values_list("pk", "document_id", "score")[:limit]
        return [(revision_id, document_id, float(score)) for revision_id, document_id, score in rows]
    lexemes = _query_size(text)
    if not lexemes:
        return []  # only stop words
    if lexemes == 1:
        # For a one-word query ts_rank scores a match in the number, title or keywords (weights A, B:
        # at least 0.4 / 1.645) above any match in the text alone (weight C: below 0.2). So when there
        # are `limit` of the former, they are the best `limit`, ranked on the whole vector as always,
        # and the (often thousands of) matches in the text alone need not be read and scored.
        head = _best(_postgres_ranked(revisions, text, "head_vector"), limit)
        if len(head) == limit:
            return head
    return _best(_postgres_ranked(revisions, text, "search_vector"), limit)


def _postgres_ranked(revisions, text: str, vector: str):
    # The weighted vector is a stored generated column with a GIN index (migration 0002), kept in the
    # row (migration 0006) so that scoring a match does not read it back from TOAST.
    return revisions.extra(  # noqa: S610 - fixed SQL; the query text only as a parameter
        tables=["documents_searchentry"],
        where=[
            "documents_searchentry.revision_id = documents_revision.id",
            f"documents_searchentry.{vector} @@ {POSTGRES_QUERY}",
        ],
        params=[text],
        select={"score": f"ts_rank(documents_searchentry.search_vector, {POSTGRES_QUERY})"},
        select_params=[text],
    )


def _best(ranked, limit: int) -> list[tuple[int, int, float]]:
    rows = ranked.order_by("-score", "-pk").values_list("pk", "document_id", "score")[:limit]
    return [(revision_id, document_id, float(score)) for revision_id, document_id, score in rows]


def _query_size(text: str) -> int:
    """How many lexemes and operators PostgreSQL makes of the query (0: stop words only)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT numnode({POSTGRES_QUERY})", [text])
        return cursor.fetchone()[0]


def marks(revision_ids: list[int], text: str) -> dict[int, str]:
    """The database's highlighted excerpts of those of the given revisions that match `text`, with the
    matches between START and STOP: which words of the text matched (stemmed forms, prefixes, letters
    without diacritics), for `excerpt`."""
    if not revision_ids or not matches(text):
        return {}
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"""SELECT revision_id, ts_headline('english', body, {POSTGRES_QUERY}, %s) FROM documents_searchentry
                    WHERE revision_id = ANY(%s) AND search_vector @@ {POSTGRES_QUERY}""",  # noqa: S608 - fixed SQL
                [text, f"MaxWords=24, MinWords=8, StartSel={START}, StopSel={STOP}", list(revision_ids), text],
            )
            return dict(cursor.fetchall())
    placeholders = ", ".join(["%s"] * len(revision_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT rowid, snippet(documents_fts, 3, char(2), char(3), '…', 16) FROM documents_fts
                WHERE documents_fts MATCH %s AND rowid IN ({placeholders})""",  # noqa: S608 - placeholders only
            [_fts5_query(text), *revision_ids],
        )
        return dict(cursor.fetchall())


def bodies(revision_ids: list[int]) -> dict[int, str]:
    """The plain text the index holds of each revision (plain_text() as it was indexed)."""
    return dict(SearchEntry.objects.filter(revision_id__in=revision_ids).values_list("revision_id", "body"))


def matched_terms(query: str, marked: str = "") -> set[str]:
    """The words to highlight: the query's own words and those the database marked as matches."""
    terms = {word.lower() for word in WORD.findall(query or "")}
    for fragment in MARKED.findall(marked or ""):
        terms |= {word.lower() for word in WORD.findall(fragment)}
    return terms


def excerpt(text: str, terms: set[str], *, words: int = 28, before: int = 8) -> tuple[SafeString, str]:
    """An excerpt of plain `text` around the first matching word: as HTML (escaped, the matches in
    <mark>) and as plain text. A word matches a term it equals or, for terms of 3+ letters, starts with."""

    exact, prefixes = frozenset(terms), tuple(term for term in terms if len(term) >= 3)

    def matches(token: str) -> bool:
        token = token.lower()
        return token in exact or token.startswith(prefixes)

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


# --- Ranking structures, created by migration 0006 -------------------------------------------------------
#
# SQLite: ranking joins each match to its revision (status, document, author) to keep only what the
# reader may see; an index holding those columns answers that without reading the revision's row,
# text and all. PostgreSQL: the same as a covering index; the weighted vector kept in its row (not in
# TOAST, which cost three index look-ups per match); and the vector of the number, title and keywords
# alone (weights A and B), whose matches outrank every match in the text alone (see rank()).

SQLITE_RANKING_SETUP = [
    "CREATE INDEX documents_revision_search ON documents_revision (id, status, document_id, author_id)",
]
SQLITE_RANKING_TEARDOWN = ["DROP INDEX IF EXISTS documents_revision_search"]
POSTGRES_RANKING_SETUP = [
    "CREATE INDEX documents_revision_search ON documents_revision (id) INCLUDE (status, document_id, author_id)",
    "ALTER TABLE documents_searchentry ALTER COLUMN search_vector SET STORAGE MAIN",
    # Adding a stored column rewrites the table: every vector is stored again, in its row.
    """ALTER TABLE documents_searchentry ADD COLUMN head_vector tsvector GENERATED ALWAYS AS (
           setweight(to_tsvector('english', number || ' ' || title), 'A')
           || setweight(to_tsvector('english', keywords), 'B')) STORED""",
    "CREATE INDEX documents_search_head ON documents_searchentry USING GIN (head_vector)",
]
POSTGRES_RANKING_TEARDOWN = [
    "DROP INDEX IF EXISTS documents_search_head",
    "ALTER TABLE documents_searchentry DROP COLUMN IF EXISTS head_vector",
    "ALTER TABLE documents_searchentry ALTER COLUMN search_vector SET STORAGE EXTENDED",
    "DROP INDEX IF EXISTS documents_revision_search",
]
