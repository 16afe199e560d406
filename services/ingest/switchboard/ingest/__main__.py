from switchboard.common.serve import service_main
from switchboard.ingest.config import IngestSettings
from switchboard.ingest.main import create_app

service_main("switchboard.ingest", IngestSettings, create_app)
