"""Sentiment from the dedicated libraries, on one -1..+1 scale, and the angrier flag."""

import pytest

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


SERVICE_TEXT = [
    "您好，我家的宽带从昨天晚上开始就断了，到现在还没修好",
    "你们的客服态度太差了！！我要投诉你们领导",
    "谢谢您的耐心解答，非常满意，祝您工作顺利",
    "尊敬的客户您好，请问还有什么可以帮到您？",
    "路由器一直闪红灯怎么办，重启了三次也没用",
    "我上个月的话费账单多扣了五十八块钱，麻烦帮我查一下",
    "请问信用卡的年费可以减免吗？我是白金卡用户",
    "快递显示已签收，但是我根本没有收到包裹",
    "好的，我已经为您登记了维修工单，师傅会在两小时内联系您",
    "退订",
    "我想把套餐从五十八元的改成一百二十八元的不限量套餐",
    "你们这个破系统天天出问题，再这样我就销户了",
]


def test_the_compiled_cut_gives_the_words_jieba_gives() -> None:
    import logging

    import jieba
    fast = pytest.importorskip("jieba_fast_dat")
    for library in (jieba, fast):
        library.setLogLevel(logging.WARNING)
    assert [fast.lcut(text) for text in SERVICE_TEXT] == [jieba.lcut(text) for text in SERVICE_TEXT]


def test_the_service_cuts_with_the_compiled_build_where_its_wheel_exists() -> None:
    import platform

    from switchboard.qa.domain import sentiment

    if platform.machine() != "x86_64":
        pytest.skip("jieba-fast-dat is installed on x86_64 only; elsewhere plain jieba cuts")
    assert sentiment._jieba().__name__ == "jieba_fast_dat"
