"""The expo service's own settings: none beyond the shared ones (plumbing/config.py)."""

SETTINGS = {}
