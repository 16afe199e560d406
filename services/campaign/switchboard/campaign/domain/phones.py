"""A number from a list to E.164 and its zones, as phonenumbers decides, at list speed.

`phonenumbers.parse` first digs a number out of free text (RFC 3966, extensions, letters,
Unicode digits) before the numbering-plan rules; then validity and the zone lookup each work
out the number's type again. Most list cells are plain digits, `+` and digits, or digits with
spaces or dashes between groups. For those the text steps change nothing, so `parse_plain`
runs phonenumbers' own plan steps (country code, international and national prefixes,
lengths) directly and works out the type once; anything else goes through `phonenumbers.parse`.
Zones come from a table by the number's leading digits (or its country, for a number that is
not geographical), so each distinct answer is made ready once per list. The property tests hold
`read` to the same answers as phonenumbers' own calls.
"""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import PhoneMetadata, PhoneNumber, PhoneNumberDesc, PhoneNumberType
from phonenumbers import phonenumberutil as util
from phonenumbers import timezone as number_timezones

UNKNOWN_ZONE = "Etc/Unknown"
# Digit groups with single spaces or dashes between them: nothing phonenumbers' text steps
# would read differently from the bare digits (no extension, no letters, no context).
_PLAIN = re.compile(r"(\+?)([0-9]+(?:[ -][0-9]+)*)")
_SEPARATORS = str.maketrans("", "", " -")
_MAX_PLAIN_LENGTH = 40  # far inside phonenumbers' 250-character input limit

Parsed = tuple[str, tuple[str, ...]]  # E.164, the number's zones (Etc/Unknown left out)


class NotPlain(Exception):
    """The cell needs phonenumbers' full parser."""


class NumberReader:
    """Reads the phone cells of one list for one default region."""

    def __init__(self, region: str) -> None:
        self.region = region
        self._zones: dict[tuple[str, ...] | int, tuple[str, ...]] = {}

    def read(self, raw: str) -> Parsed | None:
        """E.164 and zones of a valid number; None for a number phonenumbers would not accept."""
        try:
            number = parse_plain(raw, self.region)
        except NotPlain:
            try:
                number = phonenumbers.parse(raw, self.region)
            except phonenumbers.NumberParseException:
                return None
        if number is None:
            return None
        kind, national = typed(number)  # once: validity and the zone lookup both need it
        if kind == PhoneNumberType.UNKNOWN:
            return None
        # what format_number(E164) gives a valid number: the plus, the country code, the national digits
        return f"+{number.country_code}{national}", self._zones_of(number, kind)

    def _zones_of(self, number: PhoneNumber, kind: int) -> tuple[str, ...]:
        """`time_zones_for_number` of a valid number, sorted, without the unknown zone."""
        key: tuple[str, ...] | int
        if util.is_number_type_geographical(kind, number.country_code or 0):
            key = number_timezones.time_zones_for_geographical_number(number)
        else:
            key = number.country_code or 0
        zones = self._zones.get(key)
        if zones is None:
            found = (key if isinstance(key, tuple)
                     else number_timezones._country_level_time_zones_for_number(number))
            zones = self._zones[key] = tuple(sorted(set(found) - {UNKNOWN_ZONE}))
        return zones


def parse_plain(raw: str, region: str) -> PhoneNumber | None:
    """`phonenumbers.parse(raw, region)` for a plain cell (None where it raises); `NotPlain` else."""
    match = _PLAIN.fullmatch(raw) if len(raw) <= _MAX_PLAIN_LENGTH else None
    metadata = PhoneMetadata.metadata_for_region(region, None) if region in util.SUPPORTED_REGIONS else None
    if match is None or metadata is None:
        raise NotPlain(raw)
    digits = match.group(2).translate(_SEPARATORS)
    if len(digits) < 3:
        raise NotPlain(raw)  # whether it is viable at all is the full parser's call
    extracted = _country_code(match.group(1) == "+", digits, metadata)
    if extracted is None:
        return None
    country_code, national = extracted
    if country_code:
        number_region = util.region_code_for_country_code(country_code)
        if number_region != region:
            metadata = PhoneMetadata.metadata_for_region_or_calling_code(country_code, number_region)
            if metadata is None:
                raise NotPlain(raw)
    else:
        national, country_code = digits, metadata.country_code or 0
    if len(national) < util._MIN_LENGTH_FOR_NSN:
        return None
    _, stripped, _ = util._maybe_strip_national_prefix_carrier_code(national, metadata)
    if util._test_number_length(stripped, metadata) not in _NOT_A_NATIONAL_NUMBER:
        national = stripped
    if len(national) > util._MAX_LENGTH_FOR_NSN:
        return None
    number = PhoneNumber(country_code=country_code, national_number=int(national))
    util._set_italian_leading_zeros_for_phone_number(national, number)
    return number


_NOT_A_NATIONAL_NUMBER = (util.ValidationResult.TOO_SHORT, util.ValidationResult.IS_POSSIBLE_LOCAL_ONLY,
                          util.ValidationResult.INVALID_LENGTH)


def _country_code(plus: bool, digits: str, metadata: PhoneMetadata) -> tuple[int, str] | None:
    """phonenumbers' `_maybe_extract_country_code` for bare digits: (country code, national number),
    (0, "") when the number is national, None where phonenumbers raises."""
    if not plus:
        idd = _compiled(metadata.international_prefix or "NonMatch").match(digits)
        if idd is None or digits[idd.end():idd.end() + 1] == "0":
            return _default_country_code(digits, metadata)
        digits = digits[idd.end():]
    if len(digits) <= util._MIN_LENGTH_FOR_NSN:
        return None
    country_code, rest = util._extract_country_code(digits)
    if country_code == 0 and plus:
        # phonenumbers then reads the digits after the plus as if dialled without it
        raise NotPlain(digits)
    return (country_code, rest) if country_code else None


def _default_country_code(digits: str, metadata: PhoneMetadata) -> tuple[int, str]:
    """A national number that starts with the region's own country code, dialled without a plus."""
    prefix = str(metadata.country_code)
    if digits.startswith(prefix):
        _, national, _ = util._maybe_strip_national_prefix_carrier_code(digits[len(prefix):], metadata)
        general = metadata.general_desc
        if ((not util._match_national_number(digits, general, False)
             and util._match_national_number(national, general, False))
                or util._test_number_length(digits, metadata) == util.ValidationResult.TOO_LONG):
            return metadata.country_code or 0, national
    return 0, ""


def number_type(number: PhoneNumber) -> int:
    """`phonenumbers.number_type`, with each numbering plan's patterns compiled once."""
    return typed(number)[0]


def typed(number: PhoneNumber) -> tuple[int, str]:
    """The number's type (as `phonenumbers.number_type`) and its national significant number."""
    country_code = number.country_code or 0
    national = util.national_significant_number(number)
    regions = util.COUNTRY_CODE_TO_REGION_CODE.get(country_code)
    if regions is None:
        return PhoneNumberType.UNKNOWN, national
    if len(regions) > 1:
        return _shared_code_type(national, country_code, regions), national
    metadata = PhoneMetadata.metadata_for_region_or_calling_code(country_code, regions[0])
    return (PhoneNumberType.UNKNOWN if metadata is None else _plan(metadata).type_of(national)), national


def _shared_code_type(national: str, country_code: int, regions: tuple[str, ...]) -> int:
    """The type in the region `region_code_for_number` picks for a country code several regions
    share: the first whose leading digits match, or whose plan knows the number (that plan's
    answer is then the type, worked out once)."""
    for region in regions:
        metadata = PhoneMetadata.metadata_for_region(region.upper(), None)
        if metadata is None:
            continue
        if metadata.leading_digits is not None:
            if _compiled(metadata.leading_digits).match(national):
                found = PhoneMetadata.metadata_for_region_or_calling_code(country_code, region)
                return PhoneNumberType.UNKNOWN if found is None else _plan(found).type_of(national)
        elif (kind := _plan(metadata).type_of(national)) != PhoneNumberType.UNKNOWN:
            return kind
    return PhoneNumberType.UNKNOWN  # phonenumbers finds no metadata for it


class _Desc:
    """A `PhoneNumberDesc`: the lengths it allows and its pattern, compiled."""

    def __init__(self, desc: PhoneNumberDesc | None) -> None:
        self.present = desc is not None
        self.lengths = frozenset(desc.possible_length) if desc is not None else frozenset()
        pattern = desc.national_number_pattern if desc is not None else None
        self.pattern = _compiled(pattern) if pattern else None

    def matches(self, national: str) -> bool:
        """phonenumbers' `_is_number_matching_desc`."""
        if not self.present or (self.lengths and len(national) not in self.lengths):
            return False
        return self.pattern is not None and self.pattern.fullmatch(national) is not None


class _Plan:
    """phonenumbers' `_number_type_helper` over one region's metadata."""

    def __init__(self, metadata: PhoneMetadata) -> None:
        self.general = _Desc(metadata.general_desc)
        self.special = [(kind, _Desc(desc)) for kind, desc in (
            (PhoneNumberType.PREMIUM_RATE, metadata.premium_rate),
            (PhoneNumberType.TOLL_FREE, metadata.toll_free),
            (PhoneNumberType.SHARED_COST, metadata.shared_cost),
            (PhoneNumberType.VOIP, metadata.voip),
            (PhoneNumberType.PERSONAL_NUMBER, metadata.personal_number),
            (PhoneNumberType.PAGER, metadata.pager),
            (PhoneNumberType.UAN, metadata.uan),
            (PhoneNumberType.VOICEMAIL, metadata.voicemail),
        )]
        self.fixed_line, self.mobile = _Desc(metadata.fixed_line), _Desc(metadata.mobile)
        self.same_mobile_and_fixed_line = metadata.same_mobile_and_fixed_line_pattern

    def type_of(self, national: str) -> int:
        if not self.general.matches(national):
            return PhoneNumberType.UNKNOWN
        for kind, desc in self.special:
            if desc.matches(national):
                return kind
        if self.fixed_line.matches(national):
            if self.same_mobile_and_fixed_line or self.mobile.matches(national):
                return PhoneNumberType.FIXED_LINE_OR_MOBILE
            return PhoneNumberType.FIXED_LINE
        if not self.same_mobile_and_fixed_line and self.mobile.matches(national):
            return PhoneNumberType.MOBILE
        return PhoneNumberType.UNKNOWN


_PLANS: dict[int, _Plan] = {}  # by id of the metadata, which phonenumbers loads once and keeps
_PATTERNS: dict[str, re.Pattern[str]] = {}


def _plan(metadata: PhoneMetadata) -> _Plan:
    plan = _PLANS.get(id(metadata))
    if plan is None:
        plan = _PLANS[id(metadata)] = _Plan(metadata)
    return plan


def _compiled(pattern: str) -> re.Pattern[str]:
    compiled = _PATTERNS.get(pattern)
    if compiled is None:
        compiled = _PATTERNS[pattern] = re.compile(pattern)
    return compiled
