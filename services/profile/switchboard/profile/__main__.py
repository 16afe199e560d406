from switchboard.common.serve import service_main
from switchboard.profile.config import ProfileSettings
from switchboard.profile.main import create_app

service_main("switchboard.profile", ProfileSettings, create_app)
