from switchboard.common.migrations import run_env
from switchboard.ingest.models import Base

run_env(Base.metadata)
