"""Markdown content: rendered to sanitised HTML for the page (nh3 allow-list), with stable ids on its
headings and paragraphs for anchoring review comments, and to PDF flowables that keep the inline
formatting (bold, italic, code, links)."""

from __future__ import annotations

import html as htmllib
import re

import markdown as md
import nh3

TAGS = {
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "p",
    "br",
    "hr",
    "strong",
    "em",
    "b",
    "i",
    "u",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "a",
    "span",
    "del",
    "sup",
    "sub",
}
ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}


def to_html(text: str) -> str:
    html = md.markdown(text or "", extensions=["tables", "sane_lists", "fenced_code"], output_format="html")
    return nh3.clean(
        html, tags=TAGS, attributes=ATTRIBUTES, url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer"
    )


ANCHOR_PREFIX = "doc-"
_BLOCK = re.compile(r"<(h[1-6]|p|li|pre|blockquote|table)>")
_TAG = re.compile(r"<[^>]+>")


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40].strip("-")
    return slug or "section"


def _plain(fragment: str) -> str:
    return " ".join(htmllib.unescape(_TAG.sub(" ", fragment)).split())


def anchored_html(text: str) -> tuple[str, list[dict]]:
    """The sanitised HTML with an id on every heading and block (paragraph, list item, table, quote,
    code), and the list of those anchors in reading order: {"id", "label", "text", "kind"}.

    Ids are stable while the text around them is: a heading's id is its slug (`doc-cleaning`), a
    block's id is its section's slug and its place in that section (`doc-cleaning--p3`); a repeated
    heading gets a number (`doc-cleaning-2`)."""
    safe = to_html(text)
    anchors: list[dict] = []
    used: set[str] = set()
    section, section_label, counter = "top", "", 0
    parts: list[str] = []
    position = 0
    inside_until = -1
    for match in _BLOCK.finditer(safe):
        if match.start() < inside_until:
            continue  # a paragraph inside a quote or list item belongs to that block's anchor
        tag = match.group(1)
        close = safe.find(f"</{tag}>", match.end())
        inside_until = close if close >= 0 else len(safe)
        inner = safe[match.end() : close if close >= 0 else len(safe)]
        words = _plain(inner)
        if tag.startswith("h"):
            base = _slug(words)
            anchor, n = base, 2
            while anchor in used:
                anchor, n = f"{base}-{n}", n + 1
            section, section_label, counter = anchor, words, 0
            label = words
        else:
            counter += 1
            anchor = f"{section}--p{counter}"
            kind = {"li": "item", "table": "table", "pre": "code", "blockquote": "quote"}.get(tag, "paragraph")
            label = f"{section_label or 'Beginning'}, {kind} {counter}"
        used.add(anchor)
        anchors.append({"id": ANCHOR_PREFIX + anchor, "label": label[:200], "text": words[:500], "kind": tag})
        parts.append(safe[position : match.start()])
        parts.append(f'<{tag} id="{ANCHOR_PREFIX}{anchor}" data-anchor>')
        position = match.end()
    parts.append(safe[position:])
    return "".join(parts), anchors


def anchors_of(text: str) -> dict[str, dict]:
    return {anchor["id"]: anchor for anchor in anchored_html(text)[1]}


# --- PDF -----------------------------------------------------------------------------------------------

_INLINE = {"strong": "b", "b": "b", "em": "i", "i": "i", "u": "u", "del": "strike", "sup": "super", "sub": "sub"}


def _inline(element, escape) -> str:
    """reportlab paragraph markup for an element's content: bold, italic, underline, strike-through,
    code (Courier), links and line breaks kept; nested lists are left to the caller."""
    out = [escape(element.text or "")]
    for child in element:
        tag = child.tag
        if tag in ("ul", "ol"):
            pass
        elif tag == "br":
            out.append("<br/>")
        elif tag in _INLINE:
            mark = _INLINE[tag]
            out.append(f"<{mark}>{_inline(child, escape)}</{mark}>")
        elif tag == "code":
            out.append(f'<font face="Courier">{_inline(child, escape)}</font>')
        elif tag == "a" and (child.get("href") or "").startswith(("http://", "https://", "mailto:")):
            href = escape(child.get("href"), {'"': "&quot;"})
            out.append(f'<a href="{href}" color="#1f5f99"><u>{_inline(child, escape)}</u></a>')
        else:
            out.append(_inline(child, escape))
        out.append(escape(child.tail or ""))
    return "".join(out)


def to_flowables(text: str) -> list:
    """A small HTML-to-reportlab mapping for what Markdown produces: headings, paragraphs, lists
    (nested ones indented), tables, quotes and code, with inline bold/italic/code/links."""
    from xml.etree import ElementTree

    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle

    from qualitas.core import pdf

    html = to_html(text).replace("<br>", "<br/>").replace("<hr>", "<hr/>")
    try:
        root = ElementTree.fromstring(f"<div>{html}</div>")  # noqa: S314 - our own sanitised HTML
    except ElementTree.ParseError:
        return [pdf.p(text)]
    styles = {"h1": pdf.H1, "h2": pdf.H2, "h3": pdf.H2, "h4": pdf.BODY, "h5": pdf.BODY, "h6": pdf.BODY}
    code = ParagraphStyle("qcode", parent=pdf.BODY, fontName="Courier", fontSize=8, leading=10)
    quote = ParagraphStyle("qquote", parent=pdf.BODY, leftIndent=12, textColor=colors.HexColor("#444444"))
    flow: list = []

    def inline(element) -> str:
        return _inline(element, pdf.escape).strip()

    def listing(element, depth: int) -> None:
        style = ParagraphStyle(f"qlist{depth}", parent=pdf.BODY, leftIndent=12 * depth + 12, firstLineIndent=-10)
        for number, item in enumerate(element.findall("li"), start=1):
            bullet = f"{number}." if element.tag == "ol" else ("•" if depth == 0 else "◦")
            paragraphs = item.findall("p")
            body = " ".join(inline(p) for p in paragraphs) if paragraphs else inline(item)
            flow.append(pdf.Paragraph(f"{bullet} {body}", style))
            for nested in item:
                if nested.tag in ("ul", "ol"):
                    listing(nested, depth + 1)

    for element in root:
        tag = element.tag
        if tag in styles:
            markup = inline(element)
            flow.append(pdf.Paragraph(f"<b>{markup}</b>" if tag in ("h4", "h5", "h6") else markup, styles[tag]))
        elif tag == "p":
            flow.append(pdf.Paragraph(inline(element).replace("\n", " "), pdf.BODY))
        elif tag == "blockquote":
            for child in element if len(element) else [element]:
                flow.append(pdf.Paragraph(inline(child), quote))
        elif tag == "pre":
            from reportlab.platypus import Preformatted

            flow.append(Preformatted("".join(element.itertext()).rstrip("\n"), code))  # keeps the indentation
        elif tag in ("ul", "ol"):
            listing(element, 0)
        elif tag == "table":
            rows = [[pdf.Paragraph(inline(cell), pdf.SMALL) for cell in row] for row in element.iter("tr")]
            if rows:
                flow.append(_table(rows))
        elif tag == "hr":
            flow.append(pdf.spacer(3))
        flow.append(pdf.spacer(1.5))
    return flow


def _table(rows: list[list]):
    """Like core.pdf.table, but with cells that are already paragraphs (so they keep their markup)."""
    from reportlab.lib import colors
    from reportlab.platypus import Table, TableStyle

    width = max(len(row) for row in rows)
    rows = [row + [""] * (width - len(row)) for row in rows]
    result = Table(rows, repeatRows=1, splitInRow=1)
    result.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#b8c4d2")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f7f9fb")]),
            ]
        )
    )
    return result
