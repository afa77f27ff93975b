"""Registration: attendees, their profile and consent, ticket types, access tokens,
passwordless login and GDPR export/erasure.

The service class composes one mixin per part:

- ``attendees.py``: registering, authenticating a token, the profile and consent,
  cancelling (``AttendeeRpcs``);
- ``login.py``: passwordless login and access tokens (``LoginRpcs``);
- ``gdpr.py``: the attendee's export and erasure (``GdprRpcs``);
- ``organizer.py``: organizer tools: listing attendees, ticket types and capacities,
  statistics (``OrganizerRpcs``).

Logic more than one part needs is in plain functions of the database session
(``accounts.py``: finding an attendee, issuing and revoking their access).
"""

from plumbing.service import PlenaryService
from services.registration.attendees import AttendeeRpcs
from services.registration.gdpr import GdprRpcs
from services.registration.login import LoginRpcs
from services.registration.organizer import OrganizerRpcs


class RegistrationService(PlenaryService, AttendeeRpcs, LoginRpcs, GdprRpcs, OrganizerRpcs):
    name = "registration"
