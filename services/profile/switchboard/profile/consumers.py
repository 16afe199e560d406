"""The events profile acts on."""

from switchboard.common.consumer import HandlerMap
from switchboard.common.events.campaign import AttemptCompleted, SurveyResponseRecorded
from switchboard.common.events.ingest import (
    CallEnded,
    CallStarted,
    ConsentOptedOut,
    ConversationClosed,
    MessageReceived,
    MessageSent,
)
from switchboard.common.events.qa import EvaluationCompleted
from switchboard.common.events.routing import TaskCompleted
from switchboard.profile.handlers import contacts, ingest, outcomes


def build_handlers() -> HandlerMap:
    return (
        HandlerMap()
        .on_batch(MessageReceived, contacts.on_messages_received, reads_first=True)
        .on(MessageSent, ingest.on_message_sent)
        .on(CallStarted, ingest.on_call_started)
        .on(CallEnded, ingest.on_call_ended)
        .on(ConversationClosed, ingest.on_conversation_closed)
        .on(ConsentOptedOut, ingest.on_consent_opted_out)
        .on(TaskCompleted, outcomes.on_task_completed)
        .on(AttemptCompleted, outcomes.on_attempt_completed)
        .on(SurveyResponseRecorded, outcomes.on_survey_response)
        .on(EvaluationCompleted, outcomes.on_evaluation_completed)
    )
