from switchboard.profile.api.consent import router as consent_router
from switchboard.profile.api.customers import router as customers_router
from switchboard.profile.api.imports import router as imports_router
from switchboard.profile.api.merge import router as merge_router
from switchboard.profile.api.privacy import router as privacy_router
from switchboard.profile.api.screen_pop import router as screen_pop_router
from switchboard.profile.api.segments import router as segments_router
from switchboard.profile.api.settings import router as settings_router
from switchboard.profile.api.tiers import router as tiers_router

routers = [
    imports_router, merge_router, customers_router, privacy_router, screen_pop_router, consent_router,
    tiers_router, segments_router, settings_router,
]
