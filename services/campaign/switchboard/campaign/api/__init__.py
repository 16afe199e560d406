from fastapi import APIRouter

from switchboard.campaign.api import attempts, campaigns, lists, preview, settings

routers: list[APIRouter] = [campaigns.router, lists.router, attempts.router, preview.router,
                             settings.router]
