"""Card numbers and Chinese national ID numbers never reach storage in clear."""

from hypothesis import given
from hypothesis import strategies as st

from switchboard.qa.domain.redaction import luhn_valid, national_id_valid, redact

VISA = "4111111111111111"          # Luhn-valid test card
UNIONPAY = "6222 0212 3456 7894"   # Luhn-valid, written in groups
NATIONAL_ID = "11010519491231002X"  # the GB 11643 example; check character X


def test_a_luhn_valid_card_number_is_masked_to_its_last_four_digits() -> None:
    result = redact(f"my card is {VISA}, please refund")
    assert result.text == "my card is [card ending 1111], please refund"
    assert result.kinds == {"card_number": 1}


def test_card_numbers_written_with_spaces_or_dashes_are_found() -> None:
    assert luhn_valid(UNIONPAY.replace(" ", ""))
    spaced = redact(f"卡号 {UNIONPAY} 谢谢")
    dashed = redact("4111-1111-1111-1111")
    assert spaced.text == "卡号 [card ending 7894] 谢谢"
    assert dashed.text == "[card ending 1111]"


def test_a_number_that_fails_the_luhn_check_is_left_alone() -> None:
    result = redact("order 4111111111111112 shipped")
    assert result.text == "order 4111111111111112 shipped"
    assert not result.found


def test_a_phone_number_or_a_longer_digit_run_is_not_a_card() -> None:
    assert not redact("call me on 13800138000").found
    assert not redact("tracking 41111111111111110000").found  # 20 digits: not a card


def test_a_chinese_national_id_with_a_valid_check_character_is_masked() -> None:
    assert national_id_valid(NATIONAL_ID)
    result = redact(f"身份证号{NATIONAL_ID}，请核实")
    assert result.text == "身份证号[national id]，请核实"
    assert result.kinds == {"national_id": 1}


def test_an_id_with_a_wrong_check_character_or_impossible_date_is_not_an_id() -> None:
    assert not national_id_valid("110105194912310021")
    assert not national_id_valid("110105194913310029")  # month 13
    assert "[national id]" not in redact("110105194912310021").text


def test_a_national_id_written_or_transcribed_in_groups_is_masked_as_a_whole() -> None:
    assert redact("身份证 110105 19491231 002X 谢谢").text == "身份证 [national id] 谢谢"
    dashed = redact("ID 110105-1949-1231-002x, phone 138 0013 8000")
    assert dashed.text == "ID [national id], phone 138 0013 8000"
    assert redact("number 1 1 0 1 0 5 1 9 4 9 1 2 3 1 0 0 2 X").text == "number [national id]"  # speech
    assert not redact("110105 19491231 0021").found           # wrong check character
    assert not redact("order 12 110105 19491231 002X").found  # part of a longer run is no ID


def test_a_us_social_security_number_in_its_own_shape_is_masked() -> None:
    assert redact("my SSN is 219-09-9999.").text == "my SSN is [national id]."
    assert redact("it's 219 09 9999").kinds == {"national_id": 1}
    for not_one in ("000-12-3456", "666-12-3456", "912-12-3456", "219-00-9999", "219-09-0000",
                    "219-09 9999", "1219-09-9999", "219-09-9999-1", "call 2190-99-999"):
        assert not redact(not_one).found, not_one


def test_both_kinds_in_one_message_are_counted() -> None:
    result = redact(f"{NATIONAL_ID.lower()} and {VISA} and {VISA}")
    assert result.kinds == {"national_id": 1, "card_number": 2}
    assert VISA not in result.text and NATIONAL_ID.lower() not in result.text


@given(st.text(alphabet="0123456789", min_size=12, max_size=18))
def test_any_luhn_valid_number_of_card_length_is_masked(prefix: str) -> None:
    digits = next(prefix + d for d in "0123456789" if luhn_valid(prefix + d))
    result = redact(f"x {digits} y")
    if len(digits) == 18 and national_id_valid(digits):
        assert result.kinds == {"national_id": 1}
    else:
        assert result.text == f"x [card ending {digits[-4:]}] y"


def test_a_card_followed_or_preceded_by_other_digit_groups_is_still_masked() -> None:
    assert redact("card 4111 1111 1111 1111 123").text == "card [card ending 1111] 123"  # the CVV
    assert redact("4111-1111-1111-1111-999").text == "[card ending 1111]-999"
    assert redact("卡号6222 0212 3456 7894 12 27").text == "卡号[card ending 7894] 12 27"  # the expiry
    assert redact("order 123 4111 1111 1111 1111").text == "order 123 [card ending 1111]"
    two = redact("5500 0000 0000 0004 or 4111 1111 1111 1111")
    assert two.text == "[card ending 0004] or [card ending 1111]" and two.kinds == {"card_number": 2}
    assert not redact("call 138 0013 8000 at 2026-11-23 12:00").found
