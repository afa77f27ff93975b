"""Developer scripts: `make run` (run_local.py) and its demo data (seed_demo.py)."""
