from switchboard.campaign.config import CampaignSettings
from switchboard.campaign.main import create_app
from switchboard.common.serve import service_main

service_main("switchboard.campaign", CampaignSettings, create_app)
