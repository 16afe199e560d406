from switchboard.common.serve import service_main
from switchboard.routing.config import RoutingSettings
from switchboard.routing.main import create_app

service_main("switchboard.routing", RoutingSettings, create_app)
