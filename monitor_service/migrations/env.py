from monitor_service.adapters.orm import Base
from shared.messaging.tables import messaging_metadata
from shared.migrations import run_env

run_env([Base.metadata, messaging_metadata])
