"""The list's number reader gives phonenumbers' own answers (E.164, validity, zones) on every
input: the reference below is what each row cost before, one full parse and two type lookups."""

from __future__ import annotations

import random
import uuid

import phonenumbers
from hypothesis import given, settings
from hypothesis import strategies as st
from phonenumbers import PhoneNumberFormat, PhoneNumberType
from phonenumbers import timezone as number_timezones

from switchboard.campaign.domain.phones import NumberReader, Parsed
from switchboard.campaign.lists import new_ids

REGIONS = sorted(phonenumbers.SUPPORTED_REGIONS)
COUNTRY_CODES = sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)
FORMATS = (PhoneNumberFormat.E164, PhoneNumberFormat.NATIONAL, PhoneNumberFormat.INTERNATIONAL)


def reference(raw: str, region: str) -> Parsed | None:
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    zones = tuple(sorted(set(number_timezones.time_zones_for_number(number)) - {"Etc/Unknown"}))
    return phonenumbers.format_number(number, PhoneNumberFormat.E164), zones


def test_example_numbers_of_every_region_and_type_in_every_format() -> None:
    checked = valid = 0
    for region in REGIONS:
        for kind in range(PhoneNumberType.FIXED_LINE, PhoneNumberType.VOICEMAIL + 1):
            example = phonenumbers.example_number_for_type(region, kind)
            if example is None:
                continue
            for form in FORMATS:
                raw = phonenumbers.format_number(example, form)
                for home in (region, "CN", "US", "GB", "IT"):
                    expected = reference(raw, home)
                    assert NumberReader(home).read(raw) == expected, (raw, home)
                    checked, valid = checked + 1, valid + (expected is not None)
    assert checked > 5000 and valid > checked // 2


def _cell(draw: st.DrawFn) -> str:
    digits = draw(st.text("0123456789", min_size=0, max_size=15))
    country = str(draw(st.sampled_from(COUNTRY_CODES)))
    start = draw(st.sampled_from(["+" + country, "00" + country, "0086", "+86", "+0", "011" + country,
                                  country, "0", "", "+", "1", "86", "8686"]))
    cell = start + digits
    for _ in range(draw(st.integers(0, 3))):  # separators where a person would type them, or not
        at = draw(st.integers(0, len(cell)))
        cell = cell[:at] + draw(st.sampled_from([" ", "-", "  ", "(0)", ".", "/", "x", "ext 1"])) + cell[at:]
    return cell


@settings(max_examples=3000, deadline=None)
@given(st.composite(_cell)(), st.sampled_from(REGIONS))
def test_generated_cells_read_as_phonenumbers_reads_them(cell: str, region: str) -> None:
    assert NumberReader(region).read(cell) == reference(cell, region)


def test_many_plausible_numbers_read_as_phonenumbers_reads_them() -> None:
    """Mobile and fixed-line shapes near real ones, valid and not, as lists hold them."""
    rng = random.Random(7)
    regions = ["CN", "GB", "US", "DE", "IT", "BR", "IN", "RU", "MX", "AR", "FR", "JP"]
    for _ in range(20_000):
        region = rng.choice(regions)
        example = phonenumbers.example_number_for_type(rng.choice(regions), rng.choice([0, 1]))
        assert example is not None
        digits = list(phonenumbers.format_number(example, rng.choice(FORMATS)))
        for at in rng.sample(range(len(digits)), k=min(3, len(digits))):
            if digits[at].isdigit():
                digits[at] = rng.choice("0123456789")  # another subscriber, or an invalid number
        cell = "".join(digits)
        assert NumberReader(region).read(cell) == reference(cell, region), (cell, region)


def test_contact_ids_are_distinct_version_4_uuids() -> None:
    ids = list(new_ids(10_000))
    assert len(set(ids)) == 10_000
    for made in ids[:500]:
        parsed = uuid.UUID(made)
        assert str(parsed) == made and parsed.version == 4 and parsed.variant == uuid.RFC_4122
