"""Normalizing channel addresses into identities."""

import pytest

from switchboard.common.errors import Unprocessable
from switchboard.profile.identities import (
    IdentityKey,
    UnreadableAddress,
    identity_for,
    lookup_key,
    normalize_phone,
    valid_region,
)


@pytest.mark.parametrize(("raw", "region", "e164"), [
    ("+8613800138000", None, "+8613800138000"),
    ("+86 138 0013 8000", None, "+8613800138000"),
    ("  +86-138-0013-8000 ", None, "+8613800138000"),
    ("+1 415 555 2671", "CN", "+14155552671"),
    ("13800138000", "CN", "+8613800138000"),
    ("010 6552 9988", "CN", "+861065529988"),
    ("(415) 555-2671", "US", "+14155552671"),
])
def test_phone_numbers_become_e164(raw: str, region: str | None, e164: str) -> None:
    assert normalize_phone(raw, region) == e164


@pytest.mark.parametrize("region", [None, ""])
def test_a_national_number_needs_the_tenants_region(region: str | None) -> None:
    with pytest.raises(UnreadableAddress, match="default region"):
        normalize_phone("13800138000", region)


@pytest.mark.parametrize("raw", ["+86 12", "not a number", "+999 1234 5678", "", "+", "138"])
def test_garbage_is_unreadable(raw: str) -> None:
    with pytest.raises(UnreadableAddress):
        normalize_phone(raw, "CN")


def test_channels_map_to_identity_kinds() -> None:
    assert identity_for("email", " Alice@Example.COM ", None) == IdentityKey("email", "alice@example.com")
    assert identity_for("sms", "+86 138 0013 8000", None) == IdentityKey("phone", "+8613800138000")
    assert identity_for("voice", "13800138000", "CN") == IdentityKey("phone", "+8613800138000")
    assert identity_for("chat", " visitor-1 ", None) == IdentityKey("visitor", "visitor-1")


def test_a_phone_channel_with_an_unreadable_address_is_refused() -> None:
    with pytest.raises(UnreadableAddress):
        identity_for("sms", "13800138000", None)


@pytest.mark.parametrize(("given", "region"), [("cn", "CN"), (" us ", "US"), ("GB", "GB")])
def test_regions_are_iso_codes_in_upper_case(given: str, region: str) -> None:
    assert valid_region(given) == region


@pytest.mark.parametrize("region", ["XX", "", "China", "86"])
def test_unknown_regions_are_refused(region: str) -> None:
    with pytest.raises(Unprocessable, match="default_region"):
        valid_region(region)


def test_lookups_take_exactly_one_identity_and_name_the_bad_field() -> None:
    assert lookup_key("13800138000", None, None, "CN") == IdentityKey("phone", "+8613800138000")
    assert lookup_key(None, "Bob@Example.com", None, None) == IdentityKey("email", "bob@example.com")
    assert lookup_key(None, None, "v-9", None) == IdentityKey("visitor", "v-9")
    with pytest.raises(Unprocessable, match="exactly one"):
        lookup_key("+8613800138000", "a@b.cn", None, None)
    with pytest.raises(Unprocessable, match="exactly one"):
        lookup_key(None, None, None, "CN")
    with pytest.raises(Unprocessable, match="phone"):
        lookup_key("12", None, None, "CN")
