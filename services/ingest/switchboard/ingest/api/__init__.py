from switchboard.ingest.api.attachments import router as attachments_router
from switchboard.ingest.api.calls import router as calls_router
from switchboard.ingest.api.channels import router as channels_router
from switchboard.ingest.api.chat import router as chat_router
from switchboard.ingest.api.conversations import router as conversations_router
from switchboard.ingest.api.email import router as email_router
from switchboard.ingest.api.messages import router as messages_router
from switchboard.ingest.api.settings import router as settings_router
from switchboard.ingest.api.twilio import router as twilio_router
from switchboard.ingest.api.voice import router as voice_router
from switchboard.ingest.api.webhooks import router as webhooks_router
from switchboard.ingest.api.widget import router as widget_router

routers = [channels_router, webhooks_router, twilio_router, conversations_router, messages_router,
           settings_router, email_router, attachments_router,
           chat_router, widget_router, voice_router, calls_router]
