"""Notifications: in the app, by email (immediate or daily digest), preferences, pages, API and the bell."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from qualitas.core.audit.models import AuditEvent
from qualitas.core.notifications import context_processors, selectors, services
from qualitas.core.notifications.models import Notification, NotificationPreference
from qualitas.core.notifications.services import notify
from qualitas.core.testing.factories import system

pytestmark = pytest.mark.django_db


class FailingBackend(BaseEmailBackend):
    """A mail server that is down."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError("SMTP server unreachable")


@pytest.fixture
def alice(make_user):
    return make_user("employee", username="alice", first_name="Alice", last_name="Able", email="alice@example.com")


@pytest.fixture
def bob(make_user):
    return make_user("employee", username="bob", first_name="Bob", last_name="Baker", email="bob@example.com")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def at_local(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def set_preference(user, delivery="immediate", email=True):
    return services.preference_update(actor=user, user=user, delivery=delivery, email=email)


# --- notify() and immediate email ----------------------------------------------------------------------------


def test_notify_stores_the_notification_and_emails_after_commit(alice, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setenv("QUALITAS_BASE_URL", "https://qms.example.com/")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notification = notify(alice, "New task: Review SOP-001", "Please review by Friday.", url="/documents/1/",
                              kind="task")
        assert mail.outbox == []  # nothing leaves before the transaction commits
    assert len(callbacks) == 1
    assert (notification.recipient, notification.kind, notification.read_at) == (alice, "task", None)
    [message] = mail.outbox
    assert message.to == ["alice@example.com"] and message.subject == "[Qualitas] New task: Review SOP-001"
    assert "Please review by Friday." in message.body
    assert "Open: https://qms.example.com/documents/1/" in message.body
    assert "https://qms.example.com/notifications/preferences/" in message.body
    notification.refresh_from_db()
    assert notification.emailed_at is not None and notification.email_attempts == 1
    # Sending again (a retry racing the first send) does not send a duplicate.
    assert services.send_immediate(notification.pk) is False and len(mail.outbox) == 1


def test_no_email_without_an_address_or_when_switched_off(make_user, alice, django_capture_on_commit_callbacks):
    no_address = make_user("employee")
    set_preference(alice, email=False)
    with django_capture_on_commit_callbacks(execute=True):
        first = notify(no_address, "Hello")
        second = notify(alice, "Hello")
    assert mail.outbox == []
    assert first.email_delivery == second.email_delivery == "none"
    assert selectors.unread_count(no_address) == 1 and selectors.unread_count(alice) == 1


def test_deactivated_users_are_not_notified(alice, django_capture_on_commit_callbacks):
    from qualitas.accounts.services import user_deactivate

    user_deactivate(actor=system(), user=alice, reason="Left")
    alice.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        assert notify(alice, "Hello") is None
    assert not Notification.objects.exists() and mail.outbox == []


def test_a_failed_email_is_kept_and_retried_later(alice, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "tests.core.test_notifications.FailingBackend"
    with django_capture_on_commit_callbacks(execute=True):
        notification = notify(alice, "Audit scheduled")
    notification.refresh_from_db()
    assert notification.emailed_at is None and notification.email_attempts == 1
    assert "SMTP server unreachable" in notification.email_error
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert services.retry_failed_emails(timezone.now()) == "0 of 0 pending emails sent"  # too recent
    assert services.retry_failed_emails(timezone.now() + dt.timedelta(minutes=6)) == "1 of 1 pending emails sent"
    assert [message.subject for message in mail.outbox] == ["[Qualitas] Audit scheduled"]
    notification.refresh_from_db()
    assert notification.emailed_at is not None and notification.email_error == ""
    assert services.retry_failed_emails(timezone.now() + dt.timedelta(minutes=20)) == "0 of 0 pending emails sent"


# --- Daily digest ----------------------------------------------------------------------------------------


def test_digest_users_get_one_email_a_day_listing_their_notifications(alice, bob, monkeypatch,
                                                                      django_capture_on_commit_callbacks):
    monkeypatch.setenv("QUALITAS_DIGEST_HOUR", "7")
    set_preference(alice, delivery="digest")
    set_preference(bob, delivery="digest")
    with django_capture_on_commit_callbacks(execute=True):
        notify(alice, "Task one", url="/tasks/")
        notify(alice, "Task two", "Due tomorrow.")
        notify(bob, "Bob's task")
    assert mail.outbox == []  # digest users get no immediate email

    day = timezone.localdate() + dt.timedelta(days=1)
    assert services.send_digests(at_local(day, 6)).startswith("before the digest hour")
    assert mail.outbox == []
    assert services.send_digests(at_local(day, 7)) == "2 digests sent, 0 users no longer receive email"
    by_recipient = {message.to[0]: message for message in mail.outbox}
    assert set(by_recipient) == {"alice@example.com", "bob@example.com"}
    digest = by_recipient["alice@example.com"]
    assert digest.subject == "[Qualitas] Daily digest: 2 notifications"
    assert "Task one" in digest.body and "Task two" in digest.body and "Due tomorrow." in digest.body
    assert digest.body.index("Task one") < digest.body.index("Task two")
    assert "Bob's task" not in digest.body
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()

    # Later the same day: nothing new is sent, even for new notifications; they wait for tomorrow.
    notify(alice, "Task three")
    services.send_digests(at_local(day, 9))
    assert len(mail.outbox) == 2
    services.send_digests(at_local(day + dt.timedelta(days=1), 8))
    assert len(mail.outbox) == 3
    assert "Task three" in mail.outbox[-1].body and "Task one" not in mail.outbox[-1].body
    assert mail.outbox[-1].subject == "[Qualitas] Daily digest: 1 notification"


def test_digest_items_of_users_who_switched_email_off_are_not_sent(alice):
    set_preference(alice, delivery="digest")
    notify(alice, "Pending")
    set_preference(alice, delivery="digest", email=False)
    outcome = services.send_digests(at_local(timezone.localdate(), 23))
    assert outcome == "0 digests sent, 1 users no longer receive email"
    assert mail.outbox == []
    assert Notification.objects.get().email_delivery == "none"


def test_the_digest_job_is_registered_and_runs(alice):
    from qualitas.core.jobs.services import run_due_jobs

    set_preference(alice, delivery="digest")
    notify(alice, "Pending")
    [run] = run_due_jobs(at_local(timezone.localdate() + dt.timedelta(days=1), 8), only=["notifications.digest"])
    assert run.status == "ok" and run.output.startswith("1 digests sent")
    assert len(mail.outbox) == 1


# --- Preferences ---------------------------------------------------------------------------------------------


def test_preferences_are_personal_and_audited(alice, bob):
    from django.core.exceptions import PermissionDenied, ValidationError

    assert services.preference_for(alice).delivery == "immediate" and services.preference_for(alice).email
    set_preference(alice, delivery="digest", email=True)
    event = AuditEvent.objects.get(event="notifications.preferences_updated")
    assert (event.record_type, event.record_id, event.actor_id) == ("accounts.user", str(alice.pk), alice.pk)
    assert event.changes_dict == {"delivery": ["immediate", "digest"]}
    set_preference(alice, delivery="digest", email=True)  # no change, no event
    assert AuditEvent.objects.filter(event="notifications.preferences_updated").count() == 1
    with pytest.raises(PermissionDenied):
        services.preference_update(actor=bob, user=alice, delivery="immediate", email=False)
    with pytest.raises(ValidationError):
        services.preference_update(actor=alice, user=alice, delivery="hourly", email=True)


def test_preferences_page(alice):
    client = signed_in(alice)
    page = client.get(reverse("notifications:preferences")).content.decode()
    assert 'value="immediate"' in page and "checked" in page
    response = client.post(reverse("notifications:preferences"), {"delivery": "digest"})
    assert response.status_code == 302
    preference = NotificationPreference.objects.get(user=alice)
    assert preference.delivery == "digest" and preference.email is False  # unchecked box
    response = client.post(reverse("notifications:preferences"), {"delivery": "weekly", "email": "on"})
    assert response.status_code == 200
    assert "weekly is not one of the available choices" in response.content.decode()


def test_preferences_page_warns_when_there_is_no_address(make_user):
    page = signed_in(make_user("employee")).get(reverse("notifications:preferences")).content.decode()
    assert "no email address" in page


# --- Pages -------------------------------------------------------------------------------------------------------


def test_the_list_shows_my_notifications_and_marks_them_read(alice, bob):
    mine = notify(alice, "Your CAPA is due", url="/capa/3/")
    notify(alice, "Second")
    notify(bob, "Bob only")
    client = signed_in(alice)
    page = client.get(reverse("notifications:list")).content.decode()
    assert "Your CAPA is due" in page and "Second" in page and "Bob only" not in page and "2 unread" in page
    row = client.post(reverse("notifications:read", args=[mine.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in row and 'data-read="true"' in row
    assert selectors.unread_count(alice) == 1
    unread_page = client.get(reverse("notifications:list"), {"show": "unread"}).content.decode()
    assert "Second" in unread_page and "Your CAPA is due" not in unread_page
    response = client.post(reverse("notifications:read-all"))
    assert response.status_code == 302 and selectors.unread_count(alice) == 0
    assert selectors.unread_count(bob) == 1


def test_opening_a_notification_marks_it_read_and_follows_only_local_links(alice):
    local = notify(alice, "Local", url="/tasks/")
    external = notify(alice, "External", url="https://evil.example.net/phish")
    client = signed_in(alice)
    response = client.get(reverse("notifications:open", args=[local.pk]))
    assert response.status_code == 302 and response["Location"] == "/tasks/"
    response = client.get(reverse("notifications:open", args=[external.pk]))
    assert response["Location"] == reverse("notifications:list")
    assert selectors.unread_count(alice) == 0


def test_other_peoples_notifications_are_not_found(alice, bob):
    theirs = notify(bob, "Private")
    client = signed_in(alice)
    assert client.post(reverse("notifications:read", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("notifications:open", args=[theirs.pk])).status_code == 404
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_the_list_needs_a_constant_number_of_queries(alice, django_assert_max_num_queries):
    client = signed_in(alice)
    notify(alice, "One")
    client.get(reverse("notifications:list"))
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("notifications:list"))
    for n in range(20):
        notify(alice, f"Note {n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("notifications:list"))


# --- The bell --------------------------------------------------------------------------------------------------


def test_the_bell_shows_the_unread_count(alice, bob):
    request = RequestFactory().get("/")
    request.user = alice
    for n in range(3):
        notify(alice, f"N{n}")
    notify(bob, "Not Alice's")
    context = context_processors.notifications(request)
    html = render_to_string("notifications/_bell.html", {**context, "user": alice}, request=request)
    assert 'href="/notifications/"' in html and "3 unread" in html and 'data-testid="unread-badge">3<' in html
    services.notifications_mark_all_read(actor=alice)
    context = context_processors.notifications(request)
    html = render_to_string("notifications/_bell.html", {**context, "user": alice}, request=request)
    assert "unread-badge" not in html and 'href="/notifications/"' in html


def test_the_bell_caps_large_counts_and_is_silent_for_anonymous(alice):
    from django.contrib.auth.models import AnonymousUser

    Notification.objects.bulk_create(Notification(recipient=alice, subject=f"N{n}") for n in range(120))
    request = RequestFactory().get("/")
    request.user = alice
    html = render_to_string("notifications/_bell.html", {**context_processors.notifications(request), "user": alice})
    assert ">99+<" in html and "120 unread" in html
    request.user = AnonymousUser()
    assert context_processors.notifications(request) == {}


# --- API -------------------------------------------------------------------------------------------------------


def test_api_lists_and_marks_my_notifications(api_client, alice, bob):
    first = notify(alice, "First", url="/x/")
    notify(alice, "Second")
    theirs = notify(bob, "Theirs")
    api = api_client.as_user(alice)
    body = api.get("/notifications").json()
    assert body["count"] == 2 and {item["subject"] for item in body["items"]} == {"First", "Second"}
    response = api.post(f"/notifications/{first.pk}/read")
    assert response.status_code == 200 and response.json()["read_at"] is not None
    assert [item["subject"] for item in api.get("/notifications", unread="true").json()["items"]] == ["Second"]
    assert api.post(f"/notifications/{theirs.pk}/read").status_code == 404
    assert api.post("/notifications/read-all").json() == {"marked": 1}
    assert api.get("/notifications", unread="true").json()["count"] == 0


def test_api_preferences(api_client, alice):
    api = api_client.as_user(alice)
    assert api.get("/notifications/preferences").json() == {"delivery": "immediate", "email": True}
    response = api.client.put("/api/v1/notifications/preferences", {"delivery": "digest", "email": False},
                              content_type="application/json", **api.headers)
    assert response.status_code == 200 and response.json() == {"delivery": "digest", "email": False}
    assert api.get("/notifications/preferences").json() == {"delivery": "digest", "email": False}
    bad = api.client.put("/api/v1/notifications/preferences", {"delivery": "hourly", "email": True},
                         content_type="application/json", **api.headers)
    assert bad.status_code == 422
    assert AuditEvent.objects.get(event="notifications.preferences_updated").source == "api"


def test_api_needs_authentication(client):
    assert client.get("/api/v1/notifications").status_code == 401
    assert client.get("/api/v1/notifications/preferences").status_code == 401
