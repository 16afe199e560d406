"""The events campaign acts on."""

from switchboard.campaign.handlers import consent, customers, delivery, floor, journeys, privacy, surveys
from switchboard.common.consumer import HandlerMap
from switchboard.common.events import ingest, profile, routing


def build_handlers() -> HandlerMap:
    return (
        HandlerMap()
        .on(ingest.MessageSent, delivery.on_message_sent)
        .on(ingest.MessageDeliveryUpdated, delivery.on_delivery_updated)
        .on(ingest.CallStarted, delivery.on_call_started)
        .on(ingest.CallAnswered, delivery.on_call_answered)
        .on(ingest.CallEnded, delivery.on_call_ended)
        .on(ingest.MessageReceived, surveys.on_message_received)
        .on(ingest.CallKeypadAnswered, surveys.on_call_keypad_answered)
        .on(ingest.ConsentOptedOut, consent.on_opted_out)
        .on(ingest.ConversationOpened, journeys.on_conversation_opened)
        .on(ingest.ConversationClosed, journeys.on_conversation_closed)
        .on(profile.ConsentChanged, consent.on_consent_changed)
        .on(profile.ContactIdentified, customers.on_contact_identified)
        .on(profile.CustomerUpdated, customers.on_customer_updated)
        .on(profile.CustomerErased, privacy.on_customer_erased)
        .on(profile.CustomerMerged, privacy.on_customer_merged)
        .on(routing.AgentAvailabilityChanged, floor.on_availability_changed)
        .on(routing.TaskAccepted, floor.on_task_accepted)
        .on(routing.TaskCompleted, journeys.on_task_completed)
        .on(routing.TaskAbandoned, journeys.on_task_abandoned)
    )
