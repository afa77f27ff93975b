from plumbing.migrations import run_env
from services.expo.models import Base

run_env(Base.metadata)
