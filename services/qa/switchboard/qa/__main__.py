from switchboard.common.serve import service_main
from switchboard.qa.config import QASettings
from switchboard.qa.main import create_app

service_main("switchboard.qa", QASettings, create_app)
