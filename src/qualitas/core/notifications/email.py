"""Composing and sending notification emails (plain text, absolute links)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import timezone

from qualitas.config.env import env_str

SUBJECT_PREFIX = "[Qualitas] "


def base_url() -> str:
    return (env_str("QUALITAS_BASE_URL") or "http://127.0.0.1:8000").rstrip("/")


def absolute_url(url: str) -> str:
    if not url:
        return ""
    if url.startswith(("https://", "http://")):
        return url
    if url.startswith("/") and not url.startswith("//"):
        return base_url() + url
    return ""


def _footer() -> str:
    return (
        "\n\n-- \nQualitas eQMS. You receive this email because of your notification settings: "
        f"{absolute_url(reverse('notifications:preferences'))}\n"
    )


def _one_line(text: str) -> str:
    return " ".join(text.split())


def compose_immediate(notification) -> EmailMessage:
    lines = [notification.body.strip()] if notification.body.strip() else []
    link = absolute_url(notification.url)
    if link:
        lines.append(f"Open: {link}")
    body = "\n\n".join(lines) or notification.subject
    return EmailMessage(
        subject=SUBJECT_PREFIX + _one_line(notification.subject)[:250], body=body + _footer(),
        from_email=settings.DEFAULT_FROM_EMAIL, to=[notification.recipient.email],
    )


def compose_digest(recipient, notifications) -> EmailMessage:
    count = len(notifications)
    parts = [f"{count} notification{'s' if count != 1 else ''} since your last digest:"]
    for item in notifications:
        when = timezone.localtime(item.created_at).strftime("%Y-%m-%d %H:%M")
        entry = f"- {when}  {_one_line(item.subject)}"
        if item.body.strip():
            entry += "\n  " + "\n  ".join(item.body.strip().splitlines())
        link = absolute_url(item.url)
        if link:
            entry += f"\n  {link}"
        parts.append(entry)
    parts.append(f"All notifications: {absolute_url(reverse('notifications:list'))}")
    return EmailMessage(
        subject=f"{SUBJECT_PREFIX}Daily digest: {count} notification{'s' if count != 1 else ''}",
        body="\n\n".join(parts) + _footer(), from_email=settings.DEFAULT_FROM_EMAIL, to=[recipient.email],
    )
