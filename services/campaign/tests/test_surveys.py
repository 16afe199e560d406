"""Survey replies are matched to the survey sent to that address within its window."""

from datetime import UTC, datetime, timedelta

from switchboard.campaign.domain.surveys import SentSurvey, match_reply, score_of

SENT = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
CSAT = SentSurvey("s1", "csat", "+442071838750", SENT, "conv-1", "agent-7")


def test_reply_five_matches_the_open_csat_with_its_conversation_and_agent() -> None:
    matched = match_reply([CSAT], "+442071838750", " 5 ", SENT + timedelta(minutes=3))
    assert matched is not None
    survey, score = matched
    assert (survey.conversation_id, survey.agent_id, score) == ("conv-1", "agent-7", 5)


def test_reply_after_the_window_or_from_another_address_is_not_matched() -> None:
    assert match_reply([CSAT], "+442071838750", "5", SENT + timedelta(hours=49)) is None
    assert match_reply([CSAT], "+8613800138000", "5", SENT + timedelta(minutes=3)) is None


def test_only_scores_on_the_scale_count() -> None:
    assert score_of("9", "csat") is None
    assert score_of("9", "nps") == 9
    assert score_of("thanks, 5 stars", "csat") is None
