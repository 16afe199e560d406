from switchboard.common.migrations import run_env
from switchboard.routing.models import Base

run_env(Base.metadata)
