"""Compare two revisions' text: a side-by-side table of changed lines with the changed words marked."""

from __future__ import annotations

import difflib
import html


def _words(old: str, new: str) -> tuple[str, str]:
    a, b = old.split(" "), new.split(" ")
    left, right = [], []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        old_part, new_part = html.escape(" ".join(a[i1:i2])), html.escape(" ".join(b[j1:j2]))
        if op == "equal":
            left.append(old_part)
            right.append(new_part)
        else:
            if old_part:
                left.append(f"<del>{old_part}</del>")
            if new_part:
                right.append(f"<ins>{new_part}</ins>")
    return " ".join(left), " ".join(right)


def compare(old_text: str, new_text: str, context: int = 3) -> dict:
    """Rows of (kind, old line no, old html, new line no, new html) with `context` unchanged lines
    around each change; "gap" rows stand for skipped unchanged lines."""
    old_lines, new_lines = (old_text or "").splitlines(), (new_text or "").splitlines()
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    rows, added, removed, changed = [], 0, 0, 0
    for group in matcher.get_grouped_opcodes(context):
        if rows:
            rows.append({"kind": "gap"})
        for op, i1, i2, j1, j2 in group:
            if op == "equal":
                for offset in range(i2 - i1):
                    text = html.escape(old_lines[i1 + offset])
                    rows.append(
                        {"kind": "same", "old_no": i1 + offset + 1, "old": text, "new_no": j1 + offset + 1, "new": text}
                    )
            elif op == "replace" and (i2 - i1) == (j2 - j1):
                for offset in range(i2 - i1):
                    old, new = _words(old_lines[i1 + offset], new_lines[j1 + offset])
                    rows.append(
                        {
                            "kind": "changed",
                            "old_no": i1 + offset + 1,
                            "old": old,
                            "new_no": j1 + offset + 1,
                            "new": new,
                        }
                    )
                    changed += 1
            else:
                for offset in range(i2 - i1):
                    rows.append(
                        {
                            "kind": "removed",
                            "old_no": i1 + offset + 1,
                            "old": f"<del>{html.escape(old_lines[i1 + offset])}</del>",
                            "new_no": "",
                            "new": "",
                        }
                    )
                    removed += 1
                for offset in range(j2 - j1):
                    rows.append(
                        {
                            "kind": "added",
                            "old_no": "",
                            "old": "",
                            "new_no": j1 + offset + 1,
                            "new": f"<ins>{html.escape(new_lines[j1 + offset])}</ins>",
                        }
                    )
                    added += 1
    return {"rows": rows, "added": added, "removed": removed, "changed": changed, "identical": not rows}
