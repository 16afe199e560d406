"""A campaign's questionnaire (the return-visit record sheet) and the checks on an agent's answers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

QuestionKind = Literal["score", "choice", "text"]
SCORE_RANGE = (0, 10)
MAX_TEXT = 1000


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    kind: QuestionKind
    choices: tuple[str, ...] = ()


def questionnaire_problems(questions: list[Question]) -> list[str]:
    found = []
    seen: set[str] = set()
    for q in questions:
        if q.id in seen:
            found.append(f"questions: the id '{q.id}' is used twice")
        seen.add(q.id)
        if q.kind == "choice" and len(q.choices) < 2:
            found.append(f"questions.{q.id}: a choice question needs at least two choices")
    return found


def answer_problems(questions: list[Question], answers: Mapping[str, str]) -> list[str]:
    """Each answer that does not fit its question, naming the question."""
    by_id = {q.id: q for q in questions}
    found = []
    for qid, answer in answers.items():
        question = by_id.get(qid)
        if question is None:
            found.append(f"answers.{qid}: not a question of this campaign")
        elif question.kind == "choice" and answer not in question.choices:
            found.append(f"answers.{qid}: must be one of {', '.join(question.choices)}")
        elif question.kind == "score" and not _is_score(answer):
            found.append(f"answers.{qid}: a whole number from {SCORE_RANGE[0]} to {SCORE_RANGE[1]}")
        elif len(answer) > MAX_TEXT:
            found.append(f"answers.{qid}: at most {MAX_TEXT} characters")
    return found


def _is_score(answer: str) -> bool:
    return answer.strip().isdigit() and SCORE_RANGE[0] <= int(answer) <= SCORE_RANGE[1]
