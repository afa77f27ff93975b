from plumbing.migrations import run_env
from services.networking.models import Base

run_env(Base.metadata)
