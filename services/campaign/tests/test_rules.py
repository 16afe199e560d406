"""Retries per outcome, suppression rules and dialing order."""

from datetime import UTC, datetime, timedelta

from switchboard.campaign.domain.contacts import ListedContact
from switchboard.campaign.domain.ordering import order_for_dialing
from switchboard.campaign.domain.retries import Outcome, RetryPolicy
from switchboard.campaign.domain.suppression import (
    ContactHistory,
    SuppressionPolicy,
    suppression_reason,
)

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
CONTACT = ListedContact("c1", "+442071838750")
POLICY = SuppressionPolicy(weekly_marketing_cap=2)


def test_retry_delay_depends_on_the_outcome() -> None:
    retry = RetryPolicy(max_attempts=5)
    assert retry.next_attempt_after(Outcome.BUSY, 1, NOW) == NOW + timedelta(minutes=30)
    assert retry.next_attempt_after(Outcome.NO_ANSWER, 1, NOW) == NOW + timedelta(hours=2)
    assert retry.next_attempt_after(Outcome.MACHINE, 1, NOW) == NOW + timedelta(days=1)


def test_no_retry_after_max_attempts_or_a_connection() -> None:
    retry = RetryPolicy(max_attempts=3)
    assert retry.next_attempt_after(Outcome.BUSY, 3, NOW) is None
    assert retry.next_attempt_after(Outcome.CONNECTED, 1, NOW) is None


def test_consent_and_do_not_contact_suppress() -> None:
    assert suppression_reason(CONTACT, ContactHistory(opted_out=True), NOW, POLICY) == "consent"
    dnc = ContactHistory(do_not_contact=True)
    assert suppression_reason(CONTACT, dnc, NOW, POLICY) == "do_not_contact"
    assert suppression_reason(CONTACT, ContactHistory(), NOW, POLICY) is None


def test_weekly_marketing_cap_counts_only_the_last_seven_days() -> None:
    history = ContactHistory(marketing_contacts=[NOW - timedelta(days=1), NOW - timedelta(days=2)])
    assert suppression_reason(CONTACT, history, NOW, POLICY) == "frequency_cap"
    assert suppression_reason(CONTACT, history, NOW, POLICY, marketing=False) is None
    older = ContactHistory(marketing_contacts=[NOW - timedelta(days=1), NOW - timedelta(days=8)])
    assert suppression_reason(CONTACT, older, NOW, POLICY) is None


def test_recent_complaint_suppresses() -> None:
    history = ContactHistory(last_complaint_at=NOW - timedelta(days=3))
    assert suppression_reason(CONTACT, history, NOW, POLICY) == "recent_complaint"


def test_abandoned_number_waits_72_hours_unless_an_agent_is_reserved() -> None:
    history = ContactHistory(last_abandoned_at=NOW - timedelta(hours=71))
    assert suppression_reason(CONTACT, history, NOW, POLICY) == "abandoned_72h"
    assert suppression_reason(CONTACT, history, NOW, POLICY, agent_reserved=True) is None
    later = ContactHistory(last_abandoned_at=NOW - timedelta(hours=73))
    assert suppression_reason(CONTACT, later, NOW, POLICY) is None


def test_due_callbacks_come_first_then_priority_then_value() -> None:
    contacts = [
        ListedContact("low", priority=0, value=10),
        ListedContact("rich", priority=0, value=900),
        ListedContact("urgent", priority=5),
        ListedContact("later-callback", callback_due=NOW + timedelta(hours=1)),
        ListedContact("callback", callback_due=NOW - timedelta(minutes=5)),
    ]
    order = [c.contact_id for c in order_for_dialing(contacts, NOW)]
    assert order == ["callback", "urgent", "rich", "low", "later-callback"]
