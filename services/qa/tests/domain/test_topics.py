"""Hot topics: words from Chinese and English customer text, most frequent and fastest rising."""

from switchboard.qa.domain.topics import hot_topics, topic_terms


def test_chinese_is_segmented_and_function_words_dropped() -> None:
    assert topic_terms("我的宽带又断了，你们怎么回事") == {"宽带"}
    assert {"话费", "扣费"} <= topic_terms("话费扣费不对，我要投诉")


def test_english_words_are_lower_cased_without_filler_or_redaction_marks() -> None:
    assert topic_terms("Please fix my Router, the INTERNET is down [card ending 1111]") == {
        "fix", "router", "internet", "down"}


def test_frequent_and_rising_topics_against_the_previous_period() -> None:
    current = {"宽带": 10, "router": 4, "refund": 6, "话费": 2}
    previous = {"宽带": 9, "router": 0, "refund": 1}
    frequent, rising = hot_topics(current, previous, limit=3, min_contacts=3)
    assert [t.term for t in frequent] == ["宽带", "refund", "router"]
    assert [(t.term, t.growth) for t in rising] == [("router", 5.0), ("refund", 3.5), ("宽带", 1.1)]
    assert "话费" not in [t.term for t in rising]  # too few contacts to call it a trend


def test_runs_too_long_to_be_words_are_not_topics() -> None:
    assert topic_terms("aaaa" * 20 + " refund") == {"refund"}
