"""Redline of two revisions: their rendered text compared block by block (headings, paragraphs, list
items, table rows, code) and, inside a changed block, word by word, with insertions in <ins> and
deletions in <del> (each announced to screen readers, not shown by colour alone). Formatting is part
of a word: a word that became bold is shown deleted in plain and inserted in bold.

The input is the sanitised HTML of the page (rendering.to_html, or escaped paragraphs for the text of
an uploaded file) and the output is cleaned again with the same allow-list plus the redline marks."""

from __future__ import annotations

import difflib
import html as htmllib
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import nh3

from qualitas.documents.rendering import ATTRIBUTES, TAGS, to_html

BLOCKS = {"h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "pre", "tr"}
CONTAINERS = {"ul", "ol", "blockquote", "table"}
INLINE = {"strong", "b", "em", "i", "u", "code", "a", "del", "sup", "sub", "span"}
CELL = "\x1f"  # the token that separates table cells
KIND_LABEL = {"li": "list item", "tr": "table row", "pre": "code block", "p": "paragraph", "hr": "rule"}


@dataclass(frozen=True)
class Token:
    text: str
    marks: tuple = ()  # the inline elements around the word, outermost first: ("strong",), ("a", href)
    sep: str = " "  # the white space before it ("" when glued to the previous word)

    @property
    def key(self) -> tuple:
        return (self.text, self.marks)


@dataclass
class Block:
    tag: str
    container: tuple = ()  # e.g. ("ul", 0) or ("table",)
    tokens: list[Token] = field(default_factory=list)
    cells: list[str] = field(default_factory=list)  # th/td for each cell of a table row

    @property
    def key(self) -> tuple:
        return (self.tag, self.container[:1], tuple(t.key for t in self.tokens))

    @property
    def plain(self) -> str:
        return "".join(t.sep + t.text for t in self.tokens if t.text != CELL).strip()

    @property
    def words(self) -> list[tuple]:
        return [t.key for t in self.tokens]


class _Parser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self.current: Block | None = None
        self.marks: list[tuple] = []
        self.containers: list[str] = []
        self.pending_sep = ""

    def _container(self) -> tuple:
        lists = [c for c in self.containers if c in ("ul", "ol")]
        if self.containers and self.containers[-1] in ("ul", "ol"):
            return (self.containers[-1], len(lists) - 1)
        return (self.containers[-1],) if self.containers else ()

    def _start(self, tag: str) -> None:
        self._finish()
        self.current = Block(tag, self._container())
        self.pending_sep = ""

    def _finish(self) -> None:
        if self.current is not None and (self.current.tokens or self.current.tag in ("tr", "hr")):
            self.blocks.append(self.current)
        self.current = None

    def handle_starttag(self, tag, attrs):
        if tag in CONTAINERS:
            if tag == "blockquote" or tag == "table":
                self._finish()
            self.containers.append(tag)
        elif tag in BLOCKS:
            if tag == "p" and self.current is not None and self.current.tag == "li":
                return  # a loose list item's paragraph stays in its item
            self._start(tag)
        elif tag in ("th", "td") and self.current is not None and self.current.tag == "tr":
            if self.current.cells:
                self.current.tokens.append(Token(CELL, (), ""))
            self.current.cells.append(tag)
            self.pending_sep = ""
        elif tag == "hr":
            self._finish()
            self.blocks.append(Block("hr", self._container()))
        elif tag == "br":
            self.pending_sep = "\n"
        elif tag in INLINE:
            href = dict(attrs).get("href", "") if tag == "a" else ""
            self.marks.append((tag, href) if tag == "a" else (tag,))

    def handle_endtag(self, tag):
        if tag in CONTAINERS:
            self._finish()
            if self.containers and self.containers[-1] == tag:
                self.containers.pop()
        elif tag in BLOCKS and tag != "p" or (tag == "p" and self.current is not None and self.current.tag == "p"):
            self._finish()
        elif tag in INLINE and self.marks:
            for index in range(len(self.marks) - 1, -1, -1):
                if self.marks[index][0] == tag:
                    del self.marks[index]
                    break

    def handle_data(self, data):
        if self.current is None:
            if not data.strip():
                return
            self._start("p")  # loose text (an uploaded file's text has no markup)
        pre = self.current.tag == "pre"
        for piece in re.split(r"(\s+)", data):
            if not piece:
                continue
            if piece.isspace():
                self.pending_sep = ("\n" if "\n" in piece else " ") if not pre else piece
                continue
            sep = self.pending_sep if self.current.tokens and self.current.tokens[-1].text != CELL else ""
            self.current.tokens.append(Token(piece, tuple(self.marks), sep))
            self.pending_sep = ""

    def close(self):
        super().close()
        self._finish()


def blocks_of(html: str) -> list[Block]:
    parser = _Parser()
    parser.feed(html)
    parser.close()
    return parser.blocks


# --- Rendering the redline -------------------------------------------------------------------------------

_LABELS = {"ins": "Inserted: ", "del": "Deleted: "}


def _open(mark: tuple) -> str:
    if mark[0] == "a":
        return f'<a href="{htmllib.escape(mark[1], quote=True)}">' if mark[1] else "<a>"
    if mark[0] in _LABELS:
        return f'<{mark[0]} class="redline-{mark[0]}"><span class="visually-hidden">{_LABELS[mark[0]]}</span>'
    return f"<{mark[0]}>"


def _inline(items: list[tuple[Token, str]], pre: bool = False) -> str:
    """Serialise (token, change) pairs, change in ("", "ins", "del"), with balanced inline elements:
    the change mark is the outermost element of each word."""
    out: list[str] = []
    stack: list[tuple] = []
    for number, (token, change) in enumerate(items):
        wanted = ([(change,)] if change else []) + list(token.marks)
        common = 0
        while common < len(stack) and common < len(wanted) and stack[common] == wanted[common]:
            common += 1
        out.extend(f"</{mark[0]}>" for mark in reversed(stack[common:]))
        stack = stack[:common]
        if number and token.sep:  # the space sits inside the elements its two words share
            out.append(htmllib.escape(token.sep if pre else " "))
        for mark in wanted[common:]:
            out.append(_open(mark))
            stack.append(mark)
        out.append(htmllib.escape(token.text, quote=False))
    out.extend(f"</{mark[0]}>" for mark in reversed(stack))
    return "".join(out)


def _render_block(block: Block, items: list[tuple[Token, str]], status: str) -> str:
    css = f' class="redline-block redline-{status}"' if status != "same" else ""
    if block.tag == "hr":
        return f"<hr{css}>"
    if block.tag == "tr":
        cells: list[list] = [[]]
        for token, change in items:
            if token.text == CELL:
                cells.append([])
            else:
                cells[-1].append((token, change))
        kinds = block.cells or ["td"]
        tags = [kinds[i] if i < len(kinds) else "td" for i in range(len(cells))]
        return f"<tr{css}>" + "".join(f"<{t}>{_inline(c)}</{t}>" for t, c in zip(tags, cells, strict=True)) + "</tr>"
    label = ""
    if status in ("added", "removed"):
        what = "Added" if status == "added" else "Removed"
        label = f'<span class="visually-hidden">{what} {KIND_LABEL.get(block.tag, "heading")}: </span>'
    return f"<{block.tag}{css}>{label}{_inline(items, pre=block.tag == 'pre')}</{block.tag}>"


def _word_diff(old: Block, new: Block, counts: dict) -> list[tuple[Token, str]]:
    items: list[tuple[Token, str]] = []
    matcher = difflib.SequenceMatcher(None, old.words, new.words, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            items.extend((token, "") for token in new.tokens[j1:j2])
            continue
        removed = [t for t in old.tokens[i1:i2]]
        added = [t for t in new.tokens[j1:j2]]
        if old.tag == "tr":  # cell boundaries are structure, not words: keep the new row's
            removed = [t for t in removed if t.text != CELL]
        items.extend((token, "del") for token in removed)
        items.extend((token, "" if token.text == CELL else "ins") for token in added)
        counts["deleted"] += sum(t.text != CELL for t in removed)
        counts["inserted"] += sum(t.text != CELL for t in added)
    return items


def _similar(old: Block, new: Block) -> float:
    if old.tag != new.tag or (old.tag == "tr" and len(old.cells) != len(new.cells)):
        return 0.0
    # by the plain text, so a block whose formatting changed still pairs with what it was
    return difflib.SequenceMatcher(None, old.plain, new.plain, autojunk=False).ratio()


def _grouped(rendered: list[tuple[tuple, str]]) -> str:
    """Put consecutive list items, table rows and quoted paragraphs back into their containers."""
    out: list[str] = []
    current: tuple = ()
    for container, markup in rendered:
        if container != current:
            if current:
                out.append(f"</{current[0]}>")
            if container:
                if container[0] == "table":
                    out.append('<table class="table table-sm redline-table">')
                elif container[0] in ("ul", "ol"):
                    depth = container[1] if len(container) > 1 else 0
                    out.append(f'<{container[0]} class="redline-list redline-depth-{min(depth, 4)}">')
                else:
                    out.append(f"<{container[0]}>")
            current = container
        out.append(markup)
    if current:
        out.append(f"</{current[0]}>")
    return "\n".join(out)


def redline_html(old_html: str, new_html: str) -> dict:
    """The redline of two sanitised HTML renderings: {"html", "inserted", "deleted", "blocks_added",
    "blocks_removed", "blocks_changed", "identical"}."""
    old_blocks, new_blocks = blocks_of(old_html), blocks_of(new_html)
    counts = {"inserted": 0, "deleted": 0, "added": 0, "removed": 0, "changed": 0}
    rendered: list[tuple[tuple, str]] = []

    def same(block: Block) -> None:
        rendered.append((block.container, _render_block(block, [(t, "") for t in block.tokens], "same")))

    def removed(block: Block) -> None:
        counts["removed"] += 1
        counts["deleted"] += sum(t.text != CELL for t in block.tokens)
        items = [(t, "" if t.text == CELL else "del") for t in block.tokens]
        rendered.append((block.container, _render_block(block, items, "removed")))

    def added(block: Block) -> None:
        counts["added"] += 1
        counts["inserted"] += sum(t.text != CELL for t in block.tokens)
        items = [(t, "" if t.text == CELL else "ins") for t in block.tokens]
        rendered.append((block.container, _render_block(block, items, "added")))

    def changed(old: Block, new: Block) -> None:
        counts["changed"] += 1
        rendered.append((new.container, _render_block(new, _word_diff(old, new, counts), "changed")))

    matcher = difflib.SequenceMatcher(None, [b.key for b in old_blocks], [b.key for b in new_blocks], autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            for block in new_blocks[j1:j2]:
                same(block)
            continue
        position = i1
        for new in new_blocks[j1:j2]:
            scores = [(_similar(old_blocks[k], new), k) for k in range(position, i2)]
            best = max(scores, default=(0.0, None))
            if best[1] is not None and best[0] >= 0.4:
                for old in old_blocks[position : best[1]]:
                    removed(old)
                changed(old_blocks[best[1]], new)
                position = best[1] + 1
            else:
                added(new)
        for old in old_blocks[position:i2]:
            removed(old)
    markup = _grouped(rendered)
    attributes = {tag: set(names) for tag, names in ATTRIBUTES.items()}
    for tag in ("h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "pre", "tr", "ul", "ol", "table", "ins", "del",
                "span", "hr"):
        attributes.setdefault(tag, set()).add("class")
    clean = nh3.clean(
        markup,
        tags=TAGS | {"ins"},
        attributes=attributes,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )
    return {
        "html": clean,
        "inserted": counts["inserted"],
        "deleted": counts["deleted"],
        "blocks_added": counts["added"],
        "blocks_removed": counts["removed"],
        "blocks_changed": counts["changed"],
        "identical": not (counts["added"] or counts["removed"] or counts["changed"]),
    }


def text_html(text: str) -> str:
    """Plain text (an uploaded file's extracted text) as escaped paragraphs, for the redline."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text or "") if p.strip()]
    return "\n".join(f"<p>{htmllib.escape(p)}</p>" for p in paragraphs)


def revision_html(revision) -> str:
    return to_html(revision.content) if revision.content_kind == "markdown" else text_html(revision.extracted_text)


def redline(old_revision, new_revision) -> dict:
    return redline_html(revision_html(old_revision), revision_html(new_revision))
