"""Registration: attendees, their profile and consent, ticket types, access tokens,
passwordless login and GDPR export/erasure.

The service class composes one mixin per part:

- ``attendees.py``: registering, authenticating a token, the profile and consent,
  cancelling (``AttendeeRpcs``);
- ``login.py``: passwordless login and access tokens (``LoginRpcs``);
- ``gdpr.py``: the attendee's export and erasure (``Gdpr``);
- ``organizer.py``: organizer tools: listing attendees, ticket types and capacities,
  statistics (``OrganizerRpcs``).
"""

from nameko.dependency_providers import Config

from plumbing.db import Database
from plumbing.observability import Observability, OpsEndpoints
from plumbing.outbox import OutboxRelay
from services.registration.attendees import AttendeeRpcs
from services.registration.gdpr import Gdpr
from services.registration.login import LoginRpcs
from services.registration.organizer import OrganizerRpcs


class RegistrationService(OpsEndpoints, AttendeeRpcs, LoginRpcs, Gdpr, OrganizerRpcs):
    name = "registration"

    config = Config()
    db = Database()
    outbox = OutboxRelay()
    observability = Observability()
