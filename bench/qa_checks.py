"""Automatic checks plus sentiment per transcript, on one core.

Typical 20-message chats (half Chinese, half English; every line unique, so no
cache helps) go through redaction, sentiment per line, the customer's mood and
anger flag, the five checks, and the topic words of the customer's lines:
`switchboard.qa.domain.analysis.analyse`, the code the service runs. The baseline in
the same run scores Chinese lines with SnowNLP's stock pipeline (its own segmenter)
instead of jieba + SnowNLP's model. Rates are per second of the process's CPU time,
which a machine shared with other work disturbs far less than wall-clock time.

    .venv/bin/python bench/qa_checks.py [--transcripts 1000] [--messages 20]
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from switchboard.qa.domain import sentiment
from switchboard.qa.domain.analysis import analyse
from switchboard.qa.domain.checks import Line
from switchboard.qa.domain.rules import CheckRules

ZH_CUSTOMER = [
    "我的宽带又断了，已经第{n}次了", "你们怎么回事，扣了我{n}块钱", "请问套餐{n}怎么办理",
    "等了{n}分钟了还没人处理，太差了", "好的，谢谢你，问题解决了{n}", "卡号 6222 0212 3456 7894 扣费{n}",
]
ZH_AGENT = [
    "您好，很高兴为您服务，工号{n}", "请稍等，正在为您查询第{n}条记录", "已为您重置端口{n}，请重启光猫",
    "非常抱歉给您带来不便，补偿{n}元话费", "请问还有什么可以帮到您？编号{n}",
]
EN_CUSTOMER = ["My internet dropped again, {n} times today", "Why was I charged {n} dollars twice?",
               "This is ridiculous, I waited {n} minutes", "Thanks, that fixed it ({n})",
               "Card 4111 1111 1111 1111, order {n}"]
EN_AGENT = ["Hello, thanks for contacting us, I'm agent {n}", "Let me check record {n} for you",
            "I've reset port {n}, please restart the router", "Sorry about that, I credited {n} dollars",
            "Is there anything else I can help with? Ref {n}"]


def transcripts(count: int, messages: int, seed: int = 7) -> list[list[Line]]:
    rng = random.Random(seed)
    start = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    result = []
    for index in range(count):
        customer, agent = (ZH_CUSTOMER, ZH_AGENT) if index % 2 else (EN_CUSTOMER, EN_AGENT)
        lines = []
        for turn in range(messages):
            role = "customer" if turn % 2 == 0 else "agent"
            template = rng.choice(customer if role == "customer" else agent)
            text = template.format(n=rng.randrange(10**6))
            lines.append(Line(role, text, start + timedelta(seconds=30 * turn)))  # type: ignore[arg-type]
        result.append(lines)
    return result


def stock_snownlp_score(text: str) -> float:
    if sentiment.language_of(text) == "zh":
        from snownlp import SnowNLP

        return 2.0 * float(SnowNLP(text).sentiments) - 1.0
    return sentiment.score.__wrapped__(text)


def rate(batch: list[list[Line]], score: Callable[[str], float]) -> float:
    rules = CheckRules()
    started = time.process_time()
    for lines in batch:
        analyse(lines, "chat", rules, score=score)
    return len(batch) / (time.process_time() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--transcripts", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=20)
    args = parser.parse_args()
    sentiment.warm_up()
    batch = transcripts(args.transcripts, args.messages)
    uncached = sentiment.score.__wrapped__  # every line is new: measure the models, not the cache
    rate(batch[:20], uncached)              # warm the interpreter paths
    baseline_batch = batch[: max(20, args.transcripts // 10)]
    baseline = rate(baseline_batch, stock_snownlp_score)
    ours = rate(batch, uncached)
    print(f"{args.transcripts} transcripts x {args.messages} messages (half Chinese), one core, CPU time")
    print(f"{'pipeline':<40} {'transcripts/s':>14}")
    print(f"{'baseline: SnowNLP stock segmentation':<40} {baseline:>14,.0f}")
    print(f"{'qa: jieba + SnowNLP model, VADER':<40} {ours:>14,.0f}")
    print(f"ratio {ours / baseline:.1f}x; goal >= 500 transcripts/s: {'met' if ours >= 500 else 'NOT met'}")


if __name__ == "__main__":
    main()
