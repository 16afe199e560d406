from switchboard.common.migrations import run_env
from switchboard.profile.models import Base

run_env(Base.metadata)
