"""Hot topics: the words customers bring up, counted per contact and compared between periods.

Chinese is cut into words by jieba and SnowNLP's stop-word list removes the
function words; English words are lower-cased and a short stop list removes
the filler. A term counts once per contact, so one talkative customer does
not make a topic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from switchboard.qa.domain import sentiment

_WORD = re.compile(r"(?<![a-z'-])[a-z][a-z'-]{2,31}(?![a-z'-])")  # longer runs are noise, not topics
_CJK = re.compile(r"^[\u4e00-\u9fff]{2,16}$")
ENGLISH_STOP = frozenset("""
the and for you your are was were have has had not but with this that from they them what when
where which who why how can could would should will just about there here been into out our ours
please thanks thank hello hi hey yes yeah okay sir madam get got need want like know dont don't
i'm it's can't won't card ending national
""".split())
CHINESE_STOP = frozenset({"你们", "我们", "他们", "什么", "怎么", "这个", "那个", "一下", "可以", "没有",
                          "还是", "就是", "现在", "已经", "请问", "谢谢", "你好", "您好", "一个",
                          "我要", "怎么回事", "为什么", "不是", "还有", "然后", "需要", "知道", "的话",
                          "一直", "时候", "这样", "那么", "因为", "所以", "如果", "自己", "帮忙", "麻烦"})


def topic_terms(text: str) -> set[str]:
    """The topic words of one (already redacted) customer line."""
    terms = {w for w in _WORD.findall(text.casefold()) if w not in ENGLISH_STOP}
    if sentiment.language_of(text) == "zh":
        words = sentiment.chinese_words(text)
        terms |= {w for w in words if _CJK.match(w) and w not in CHINESE_STOP}
    return terms


@dataclass(frozen=True)
class Topic:
    term: str
    contacts: int
    previous: int
    growth: float  # (contacts + 1) / (previous + 1): smoothed, so a new term is not infinitely rising


def hot_topics(
    current: dict[str, int], previous: dict[str, int], *, limit: int, min_contacts: int
) -> tuple[list[Topic], list[Topic]]:
    """(most frequent, fastest rising) from contact counts per term in two periods."""
    topics = [Topic(term, count, previous.get(term, 0), round((count + 1) / (previous.get(term, 0) + 1), 2))
              for term, count in current.items()]
    frequent = sorted(topics, key=lambda t: (-t.contacts, t.term))[:limit]
    rising = sorted((t for t in topics if t.contacts >= min_contacts and t.growth > 1),
                    key=lambda t: (-t.growth, -t.contacts, t.term))[:limit]
    return frequent, rising
