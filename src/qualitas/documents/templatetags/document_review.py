"""The revision page's review parts: the text with its anchors (and markers where comments are), and
the review comments with their forms. {% load document_review %}{% revision_content revision %}"""

from __future__ import annotations

import re
from collections import Counter

from django import template
from django.utils.safestring import mark_safe

from qualitas.documents import selectors
from qualitas.documents.rendering import anchored_html
from qualitas.documents.services import COMMENTABLE_STATES

register = template.Library()


def _threads(context, revision) -> list:
    """The threads, read once per page (both tags use them)."""
    cache = context.render_context.setdefault("document_review", {})
    if revision.pk not in cache:
        cache[revision.pk] = list(selectors.review_comments(context["request"].user, revision))
    return cache[revision.pk]


@register.simple_tag(takes_context=True)
def revision_content(context, revision):
    """The revision's rendered text with an id on each heading and paragraph; a block with open
    comments gets a marker linking to its first open thread."""
    html, _ = anchored_html(revision.content)
    open_threads = [t for t in _threads(context, revision) if t.anchor and not t.resolved_at]
    counts = Counter(t.anchor for t in open_threads)
    first = {}
    for thread in open_threads:
        first.setdefault(thread.anchor, thread.pk)

    def mark(match):
        anchor = match.group(2)
        if anchor not in counts:
            return match.group(0)
        n = counts[anchor]
        label = f"{n} open review comment{'s' if n > 1 else ''}"
        return (
            f'<{match.group(1)} id="{anchor}" data-anchor class="has-comments">'
            f'<a class="comment-marker" href="#comment-{first[anchor]}" aria-label="{label}" title="{label}">'
            f'<i class="bi bi-chat-left-text" aria-hidden="true"></i> {n}</a> '
        )

    return mark_safe(re.sub(r'<(h[1-6]|p|li|pre|blockquote|table) id="([^"]+)" data-anchor>', mark, html))  # noqa: S308 - sanitised by rendering.to_html; our ids


@register.inclusion_tag("documents/_review_comments.html", takes_context=True)
def review_comments(context, revision):
    user = context["request"].user
    threads = _threads(context, revision)
    roles = selectors.review_roles(user, revision)
    open_count = sum(1 for t in threads if not t.resolved_at)
    parts: dict[int, list[str]] = {revision.author_id: ["Author"]}
    for assignment in revision.assignments.all():
        parts.setdefault(assignment.user_id, []).append(assignment.get_role_display())
    for thread in threads:
        thread.role_label = ", ".join(parts.get(thread.author_id, []))
        thread.may_settle = user.pk in (revision.author_id, thread.author_id)
        for reply in thread.replies.all():
            reply.role_label = ", ".join(parts.get(reply.author_id, []))
    anchors = anchored_html(revision.content)[1] if revision.content_kind == "markdown" else []
    return {
        "request": context["request"],
        "csrf_token": context.get("csrf_token"),
        "revision": revision,
        "document": revision.document,
        "threads": threads,
        "open_count": open_count,
        "can_read": selectors.can_read_comments(user, revision),
        "can_comment": bool(roles) and revision.status in COMMENTABLE_STATES,
        "roles": roles,
        "user": user,
        "anchors": anchors,
        "closed": revision.status not in COMMENTABLE_STATES,
    }


@register.simple_tag
def rendered_markdown(text):
    """Markdown as the revision page shows it (the editor's preview before any typing)."""
    return mark_safe(anchored_html(text or "")[0])  # noqa: S308 - sanitised by rendering.to_html
