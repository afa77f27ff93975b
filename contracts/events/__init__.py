"""Event schemas, one module per publishing service (see docs/events.md)."""
