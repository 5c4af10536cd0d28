"""Text extraction from uploaded document files, for full-text search.

PDF with pypdf, Office Open XML (DOCX, XLSX, PPTX) and OpenDocument (ODT, ODS) by reading their XML
parts, plain text as UTF-8. Images carry no text without OCR, which is not bundled: they are found by
number, title and keywords only.
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
from xml.etree import ElementTree

logger = logging.getLogger(__name__)
MAX_TEXT = 2_000_000  # characters kept per revision


def _xml_text(data: bytes) -> str:
    # Office XML from our own upload path; the parser is the standard library's, which does not
    # resolve external entities.
    root = ElementTree.fromstring(data)  # noqa: S314
    parts = []
    for element in root.iter():
        tag = element.tag.rsplit("}", 1)[-1]
        if element.text and tag in {"t", "v", "p", "h", "span", "s"}:
            parts.append(element.text)
        if tag in {"p", "br", "tab", "row", "h"}:
            parts.append("\n")
    return re.sub(r"[ \t]*\n[\n \t]*", "\n", "".join(parts)).strip()


def _office_text(data: bytes, content_type: str) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        if "content.xml" in names:  # OpenDocument
            return _xml_text(archive.read("content.xml"))
        if "word/document.xml" in names:
            members = ["word/document.xml"] + sorted(n for n in names if re.match(r"word/(header|footer)\d*\.xml", n))
        elif "xl/sharedStrings.xml" in names or any(n.startswith("xl/worksheets/") for n in names):
            members = [n for n in ["xl/sharedStrings.xml"] if n in names]
            members += sorted(n for n in names if n.startswith("xl/worksheets/sheet"))
        else:
            members = sorted(n for n in names if re.match(r"ppt/slides/slide\d+\.xml", n))
        return "\n".join(_xml_text(archive.read(member)) for member in members)


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return "\n".join((page.extract_text() or "") for page in reader.pages)


def extract_text(data: bytes, content_type: str) -> str:
    """Best-effort text of a file; never raises (a file we cannot read is still stored)."""
    try:
        if content_type == "application/pdf":
            text = _pdf_text(data)
        elif content_type.startswith("application/vnd.openxmlformats") or content_type.startswith(
            "application/vnd.oasis.opendocument"
        ):
            text = _office_text(data, content_type)
        elif content_type.startswith("text/"):
            text = data.decode("utf-8", errors="replace")
        else:
            text = ""
    except Exception:  # noqa: BLE001 - damaged files are stored and reported, not fatal
        logger.warning("could not extract text from a %s file", content_type, exc_info=True)
        text = ""
    return text[:MAX_TEXT]
