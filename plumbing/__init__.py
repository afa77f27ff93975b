"""Plumbing every Plenary service shares: config, database, events, observability.

Written once here so each service only holds its own business logic.
"""
