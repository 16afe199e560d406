from switchboard.qa.api.alerts import router as alerts_router
from switchboard.qa.api.contacts import router as contacts_router
from switchboard.qa.api.rules import router as rules_router

routers = [contacts_router, alerts_router, rules_router]
