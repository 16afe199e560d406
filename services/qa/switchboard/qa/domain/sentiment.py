"""Sentiment of one message, in Chinese (SnowNLP) or English (VADER), on one scale.

Both libraries are made for the job: SnowNLP's Bayes classifier is trained on
Chinese product reviews, VADER's lexicon and rules on English social text.
Scores are mapped to -1 (angry) .. +1 (pleased). Text with any CJK character
is Chinese; anything else is English. The analysers load once per process.

Chinese words are cut by jieba, not by SnowNLP's own segmenter: the same
classifier then runs about 30 times faster (SnowNLP's character model is pure
Python and costs ~10 ms per sentence) with the same polarity on service text
(bench/qa_checks.py measures both in one run). The cut is jieba's algorithm and
dictionary in compiled code (jieba-fast-dat: the same words as jieba, proved
on a corpus by the tests, at about a sixteenth of the time); plain jieba where
that build is not installed.
"""

from __future__ import annotations

import logging
import re
from functools import cache, lru_cache
from statistics import fmean
from typing import Any

_CJK = re.compile(r"[\u4e00-\u9fff]")


@cache
def _vader() -> Any:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


@cache
def _snownlp() -> Any:
    from snownlp import sentiment

    return sentiment.classifier.classifier  # the Bayes model under SnowNLP's own segmentation


@cache
def _jieba() -> Any:
    try:
        import jieba_fast_dat as jieba
    except ImportError:  # a platform without its wheel: the same cut, slower
        import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def warm_up() -> None:
    """Load the dictionaries and models now (about 2 s) rather than on the first message."""
    _jieba(), _snownlp(), _vader()


@lru_cache(maxsize=1024)
def chinese_words(text: str) -> tuple[str, ...]:
    """jieba's words without SnowNLP's stop words; sentiment and topics share one cut per line."""
    from snownlp import normal

    return tuple(normal.filter_stop(_jieba().lcut(text)))


def chinese_positive_probability(text: str) -> float:
    label, probability = _snownlp().classify(list(chinese_words(text)))
    return float(probability if label == "pos" else 1.0 - probability)


def language_of(text: str) -> str:
    return "zh" if _CJK.search(text) else "en"


@lru_cache(maxsize=8192)
def score(text: str) -> float:
    """-1 .. +1; 0 for text with nothing to judge. Repeated phrases are cached."""
    text = text.strip()
    if not text:
        return 0.0
    if language_of(text) == "zh":
        return round(2.0 * chinese_positive_probability(text) - 1.0, 4)
    return round(float(_vader().polarity_scores(text)["compound"]), 4)


def conversation_score(customer_scores: list[float]) -> float | None:
    """The customer's mood over the contact, weighting later messages more."""
    if not customer_scores:
        return None
    weights = range(1, len(customer_scores) + 1)
    total = sum(w * s for w, s in zip(weights, customer_scores, strict=True))
    return round(total / sum(weights), 4)


def is_growing_angrier(customer_scores: list[float], *, drop: float, floor: float) -> bool:
    """The latest customer message is clearly negative and well below how they began."""
    if len(customer_scores) < 2:
        return False
    latest, earlier = customer_scores[-1], customer_scores[:-1]
    return latest <= floor and fmean(earlier) - latest >= drop
