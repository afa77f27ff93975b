"""Networking: attendees meeting each other, and the FAQ.

The service class composes one mixin per area:

- ``people.py``: who may see and reach whom (listing, blocks, connections, silences),
  as functions every area calls;
- ``directory.py``: interests, profiles, the directory and its settings (``DirectoryRpcs``);
- ``connections.py``: connection requests and connections (``ConnectionRpcs``);
- ``messaging.py``: conversations, direct messages, read markers (``MessagingRpcs``);
- ``safety.py``: blocks, reports, silences, hidden messages (``SafetyRpcs``);
- ``meetings.py``: 1:1 meetings between attendees and their calendar (``MeetingRpcs``);
- ``tables.py``: networking tables, presence and table chat (``TableRpcs``);
- ``speed.py``: the speed-networking queue, pairing and rounds (``SpeedNetworking``);
- ``faq.py``: the FAQ (``FaqRpcs``);
- ``replica.py``: attendees and program sessions from their owners' events (``Replicas``);
- ``gdpr.py``: the export and erasure (``Gdpr``).
"""

from plumbing.rpc import TimedRpcProxy
from plumbing.service import PlenaryService
from services.networking.connections import ConnectionRpcs
from services.networking.directory import DirectoryRpcs
from services.networking.faq import FaqRpcs
from services.networking.gdpr import Gdpr
from services.networking.meetings import MeetingRpcs
from services.networking.messaging import MessagingRpcs
from services.networking.replica import Replicas
from services.networking.safety import SafetyRpcs
from services.networking.speed import SpeedNetworking
from services.networking.tables import TableRpcs


class NetworkingService(
    PlenaryService,
    DirectoryRpcs,
    ConnectionRpcs,
    MessagingRpcs,
    SafetyRpcs,
    MeetingRpcs,
    TableRpcs,
    SpeedNetworking,
    FaqRpcs,
    Replicas,
    Gdpr,
):
    name = "networking"

    sessions = TimedRpcProxy("sessions")
