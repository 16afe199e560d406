"""Sentiment from the dedicated libraries, on one -1..+1 scale, and the angrier flag."""

from switchboard.qa.domain.sentiment import conversation_score, is_growing_angrier, language_of, score


def test_chinese_complaints_score_negative_and_thanks_positive() -> None:
    assert language_of("太差了，我要投诉你们") == "zh"
    assert score("太差了，我要投诉你们") < -0.5
    assert score("你们怎么回事，扣了我三次钱！") < -0.5
    assert score("我想查一下话费") > 0


def test_english_anger_scores_negative_and_praise_positive() -> None:
    assert language_of("This is ridiculous") == "en"
    assert score("This is ridiculous, I am furious and want a refund") < -0.5
    assert score("Thanks, that was great") > 0.5
    assert score("   ") == 0.0


def test_the_conversation_score_weights_later_messages_more() -> None:
    assert conversation_score([]) is None
    assert conversation_score([1.0, -1.0]) == round((1 * 1.0 + 2 * -1.0) / 3, 4)


def test_a_customer_who_starts_calm_and_ends_angry_is_growing_angrier() -> None:
    assert is_growing_angrier([0.5, 0.3, -0.9], drop=0.6, floor=-0.4)
    assert not is_growing_angrier([-0.9, -0.9], drop=0.6, floor=-0.4)  # angry all along: no drop
    assert not is_growing_angrier([0.5, -0.2], drop=0.6, floor=-0.4)   # worse, but not negative enough
    assert not is_growing_angrier([-0.9], drop=0.6, floor=-0.4)
