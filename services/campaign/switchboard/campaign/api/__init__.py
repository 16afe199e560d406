from fastapi import APIRouter

from switchboard.campaign.api import attempts, campaigns, lists, preview

routers: list[APIRouter] = [campaigns.router, lists.router, attempts.router, preview.router]
