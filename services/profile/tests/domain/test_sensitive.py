"""Card numbers are refused; ID-like attributes are masked for agents."""

import pytest

from switchboard.common.errors import Unprocessable
from switchboard.profile.domain.sensitive import (
    looks_like_card_number,
    mask,
    masked_attributes,
    refuse_card_numbers,
)


@pytest.mark.parametrize(
    "text", ["4111 1111 1111 1111", "card 5500-0000-0000-0004 expired", "378282246310005"]
)
def test_card_numbers_are_recognized(text: str) -> None:
    assert looks_like_card_number(text)
    with pytest.raises(Unprocessable, match=r"attributes\.note"):
        refuse_card_numbers("attributes.note", text)


@pytest.mark.parametrize("text", ["4111 1111 1111 1112", "+8613800138000", "order 2026112300001", "plan A"])
def test_other_numbers_are_not_card_numbers(text: str) -> None:
    assert not looks_like_card_number(text)


def test_id_like_attributes_are_masked_and_others_kept() -> None:
    attributes = {
        "id_number": "110101199003078888",
        "Passport": "E12345678",
        "plan": "5G-199",
        "身份证": "1234",
    }
    assert masked_attributes(attributes) == {
        "id_number": "**************8888",
        "Passport": "*****5678",
        "plan": "5G-199",
        "身份证": "****",
    }
    assert mask(None) is None
