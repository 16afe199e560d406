"""Ids of new rows: UUIDs that grow with the time they were made."""

from __future__ import annotations

import time
import uuid

from switchboard.common.ids import new_id


def test_an_id_is_a_version_7_uuid_string() -> None:
    made = new_id()
    parsed = uuid.UUID(made)
    assert (parsed.version, parsed.variant) == (7, uuid.RFC_4122)
    assert str(parsed) == made and len(made) == 36


def test_ids_made_in_later_milliseconds_sort_after_earlier_ones() -> None:
    earlier = new_id()
    time.sleep(0.002)
    later = [new_id() for _ in range(100)]
    assert all(earlier < id_ for id_ in later)
    assert len(set(later)) == 100


def test_the_first_48_bits_are_the_milliseconds_of_creation() -> None:
    before = time.time_ns() // 1_000_000
    made = uuid.UUID(new_id())
    after = time.time_ns() // 1_000_000
    assert before <= made.int >> 80 <= after


def test_every_random_field_varies_and_the_fixed_bits_do_not() -> None:
    made = [uuid.UUID(new_id()) for _ in range(2000)]
    assert {u.version for u in made} == {7} and {u.variant for u in made} == {uuid.RFC_4122}
    rand_a = {u.int >> 64 & 0xFFF for u in made}
    rand_b = {u.int & ((1 << 62) - 1) for u in made}
    assert len(rand_a) > 1000 and len(rand_b) == 2000
    assert {u.int >> 61 & 1 for u in made} == {0, 1}  # the top bit of the 62 random ones is used too
