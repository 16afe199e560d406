from switchboard.campaign.models import Base
from switchboard.common.migrations import run_env

run_env(Base.metadata)
