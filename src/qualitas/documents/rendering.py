"""Markdown content: rendered to sanitised HTML for the page (nh3 allow-list), and to PDF flowables."""

from __future__ import annotations

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


def to_flowables(text: str) -> list:
    """A small HTML-to-reportlab mapping for what Markdown produces: headings, paragraphs, lists, tables."""
    from xml.etree import ElementTree

    from qualitas.core import pdf

    html = to_html(text).replace("<br>", "<br/>").replace("<hr>", "<hr/>")
    try:
        root = ElementTree.fromstring(f"<div>{html}</div>")  # noqa: S314 - our own sanitised HTML
    except ElementTree.ParseError:
        return [pdf.p(text)]
    styles = {"h1": pdf.H1, "h2": pdf.H2, "h3": pdf.H2, "h4": pdf.BODY}
    flow: list = []

    def inline(element) -> str:
        return pdf.escape("".join(element.itertext())).strip()

    for element in root:
        tag = element.tag
        if tag in styles:
            flow.append(pdf.Paragraph(inline(element), styles[tag]))
        elif tag in ("p", "blockquote", "pre"):
            flow.append(pdf.Paragraph(inline(element).replace("\n", "<br/>"), pdf.BODY))
        elif tag in ("ul", "ol"):
            for number, item in enumerate(element.findall("li"), start=1):
                bullet = f"{number}." if tag == "ol" else "•"
                flow.append(pdf.Paragraph(f"{bullet} {inline(item)}", pdf.BODY))
        elif tag == "table":
            rows = [["".join(cell.itertext()).strip() for cell in row] for row in element.iter("tr")]
            if rows:
                flow.append(pdf.table(rows[0], rows[1:]))
        elif tag == "hr":
            flow.append(pdf.spacer(3))
        flow.append(pdf.spacer(1.5))
    return flow
