"""``PlenaryService``: the base of every backend service class.

It holds the providers each of them needs (nameko collects dependency providers from
the class attributes, inherited ones included) and the ops endpoints; a service adds
its ``name``, its parts' mixins and any provider of its own (RPC proxies...).
"""

from nameko.dependency_providers import Config

from plumbing.db import Database
from plumbing.observability import Observability, OpsEndpoints
from plumbing.outbox import OutboxRelay


class PlenaryService(OpsEndpoints):
    config = Config()
    db = Database()
    outbox = OutboxRelay()
    observability = Observability()
