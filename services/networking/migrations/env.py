from plumbing.migrations import run_env
from plumbing.replica import replica_metadata
from services.networking.models import Base

run_env(Base.metadata, replica_metadata)
