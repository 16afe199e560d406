from switchboard.profile.api.customers import router as customers_router
from switchboard.profile.api.settings import router as settings_router

routers = [customers_router, settings_router]
