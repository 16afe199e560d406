"""Who the simulated customers are and what they write; what simulated agents answer.

Texts are Chinese and English. Each topic carries the words the demo's routing rules look
for (账单/bill to billing, 套餐/plan to sales, the rest to support). Some customers grow
angry line after line (qa's "growing angrier" alert), a few paste a card number (qa's
sensitive-data alert) and now and then one texts 退订 or STOP (an opt-out).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

TOPICS: dict[str, dict[str, list[str]]] = {
    "billing": {
        "zh": ["你好，我这个月的账单怎么多扣了50块？",
               "查一下话费账单，为什么有一笔流量费？",
               "账单上有一笔我不认识的扣费，麻烦看看"],
        "en": ["Hi, my bill this month is $40 higher than usual, why?",
               "There is a charge on my bill I don't recognise.",
               "Can you explain the roaming charge on my bill?"],
    },
    "sales": {
        "zh": ["想升级一下套餐，有没有更便宜的5G套餐？",
               "你们现在有什么优惠套餐吗？",
               "我想办理宽带，价格多少？"],
        "en": ["I'd like to upgrade my plan, what offers do you have?",
               "How much is the family plan?",
               "Is there a cheaper plan with more data?"],
    },
    "support": {
        "zh": ["手机突然没信号了，怎么回事？",
               "宽带一直断线，能派人来修吗？",
               "密码忘了，登录不了APP"],
        "en": ["My phone has had no signal since this morning.",
               "The internet keeps dropping every few minutes.",
               "I can't log in to the app, I forgot my password."],
    },
}
FOLLOW_UPS = {
    "zh": ["好的，谢谢", "明白了，那我等你们消息", "请尽快处理，谢谢"],
    "en": ["Ok, thanks.", "Got it, I'll wait for your answer.", "Please sort it out soon, thank you."],
}
ANGRY = {
    "zh": ["怎么还没人回复？太慢了！",
           "服务太差了，我要投诉！",
           "气死我了，简直是垃圾服务，再不解决我就销号！"],
    "en": ["Why is nobody answering? This is ridiculous.",
           "This is terrible service, I want to complain!",
           "I am furious. Fix it now or I'm cancelling everything, worst company ever!"],
}
CARD_LINE = {"zh": "扣款的卡号是 4111 1111 1111 1111，帮我查一下",
             "en": "The card you charged is 4111 1111 1111 1111."}
OPT_OUTS = ["退订", "TD", "STOP"]
SURVEY_SCORES = ["5", "5", "5", "4", "4", "4", "3", "2", "1"]

AGENT_GREETINGS = {"zh": "您好，我是客服{name}，很高兴为您服务。",
                   "en": "Hello, this is {name}, thanks for contacting us."}
AGENT_ANSWERS = {
    "billing": {"zh": "我查了您的账单，这笔费用已经为您申请退回，3个工作日内到账。",
                "en": "I checked your bill: that charge is refunded and will show within 3 working days."},
    "sales": {"zh": "现在5G畅享套餐首月半价，我已经把详情发给您。",
              "en": "Our 5G plan is half price for the first month; I've sent you the details."},
    "support": {"zh": "已经为您重置了网络设置，请重启一下设备试试。",
                "en": "I've reset your line from our side, please restart your device."},
}
AGENT_CLOSINGS = {"zh": "还有什么可以帮到您的吗？", "en": "Is there anything else I can help you with?"}
AGENT_SLIP = {"zh": "这个不归我管，你自己看吧。", "en": "That's not my problem, read the FAQ."}
DISPOSITIONS = {"billing": "refund", "sales": "sale", "support": "resolved"}


@dataclass(frozen=True)
class Customer:
    name: str
    phone: str
    email: str
    language: str  # "zh" or "en"


@dataclass(frozen=True)
class Contact:
    """What one customer says on one contact, line by line, and why they got in touch."""

    customer: Customer
    topic: str
    lines: list[str]
    opt_out: bool = False
    angry: bool = False


def population(size: int) -> list[Customer]:
    """The same customers on every run (numbers from the 138 0013 8xxx test range)."""
    given_zh = ["王芳", "李伟", "张敏", "刘洋", "陈静", "杨磊", "赵丽", "黄强", "周杰", "吴霞"]
    given_en = ["Emma Clark", "Liam Brown", "Olivia Wong", "Noah Chen", "Ava Patel"]
    people = []
    for n in range(size):
        language = "en" if n % 3 == 2 else "zh"
        names = given_en if language == "en" else given_zh
        people.append(Customer(name=names[n % len(names)], phone=f"+861380013{8000 + n:04d}",
                               email=f"customer{n + 1}@example.com", language=language))
    return people


def contact_for(rng: random.Random, customer: Customer, channel: str) -> Contact:
    """A contact: an opening line on a topic, then a follow-up, now and then anger or a card number."""
    language = customer.language
    if channel == "sms" and rng.random() < 0.04:
        return Contact(customer, "support", [rng.choice(OPT_OUTS)], opt_out=True)
    topic = rng.choice(list(TOPICS))
    lines = [rng.choice(TOPICS[topic][language])]
    roll = rng.random()
    if roll < 0.2:
        return Contact(customer, topic, lines + ANGRY[language], angry=True)
    if roll < 0.25:
        lines.append(CARD_LINE[language])
    elif channel != "voice":
        lines.append(rng.choice(FOLLOW_UPS[language]))
    return Contact(customer, topic, lines)

