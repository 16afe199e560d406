from switchboard.qa.api.alerts import router as alerts_router
from switchboard.qa.api.calibrations import router as calibrations_router
from switchboard.qa.api.contacts import router as contacts_router
from switchboard.qa.api.evaluations import router as evaluations_router
from switchboard.qa.api.kpis import router as kpis_router
from switchboard.qa.api.reports import router as reports_router
from switchboard.qa.api.rules import router as rules_router
from switchboard.qa.api.sampling import router as sampling_router
from switchboard.qa.api.scorecards import router as scorecards_router

routers = [contacts_router, alerts_router, rules_router, scorecards_router, evaluations_router,
           calibrations_router, sampling_router, reports_router, kpis_router]
