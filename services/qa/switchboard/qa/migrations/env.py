from switchboard.common.migrations import run_env
from switchboard.qa.models import Base

run_env(Base.metadata)
