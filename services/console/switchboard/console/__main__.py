from switchboard.common.serve import service_main
from switchboard.console.config import ConsoleSettings
from switchboard.console.main import create_app

service_main("switchboard.console", ConsoleSettings, create_app, migrations=False)
