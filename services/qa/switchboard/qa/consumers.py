"""The events qa acts on."""

from switchboard.common.consumer import HandlerMap
from switchboard.common.events.campaign import AttemptDispositioned, SurveyResponseRecorded
from switchboard.common.events.ingest import (
    CallTranscribed,
    ConversationClosed,
    ConversationOpened,
    MessageReceived,
    MessageSent,
)
from switchboard.common.events.profile import ContactIdentified, CustomerErased
from switchboard.common.events.routing import (
    AgentStateChanged,
    TaskAccepted,
    TaskCompleted,
    TaskOffered,
    TaskTransferred,
)
from switchboard.qa import handlers


def build_handlers() -> HandlerMap:
    return (
        HandlerMap()
        .on(ConversationOpened, handlers.on_conversation_opened)
        .on(MessageReceived, handlers.on_message_received)
        .on(MessageSent, handlers.on_message_sent)
        .on(CallTranscribed, handlers.on_call_transcribed)
        .on(ConversationClosed, handlers.on_conversation_closed)
        .on(TaskAccepted, handlers.on_task_accepted)
        .on(TaskTransferred, handlers.on_task_transferred)
        .on(TaskCompleted, handlers.on_task_completed)
        .on(SurveyResponseRecorded, handlers.on_survey_response)
        .on(TaskOffered, handlers.on_task_offered)
        .on(AgentStateChanged, handlers.on_agent_state_changed)
        .on(AttemptDispositioned, handlers.on_attempt_dispositioned)
        .on(ContactIdentified, handlers.on_contact_identified)
        .on(CustomerErased, handlers.on_customer_erased)
    )
