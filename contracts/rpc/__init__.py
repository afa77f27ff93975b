"""RPC payload and answer schemas, one module per answering service (see docs/CONTRACTS.md)."""
