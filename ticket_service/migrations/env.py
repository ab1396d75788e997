from shared.messaging.tables import messaging_metadata
from shared.migrations import run_env
from ticket_service.adapters.orm import Base

run_env([Base.metadata, messaging_metadata])
