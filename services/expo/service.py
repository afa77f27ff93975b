"""Expo: exhibitors and their products, visitors' interactions, leads and meetings.

An interaction becomes part of a lead only if the attendee agreed to share their
contact with exhibitors; otherwise it is kept as an anonymous count.  Withdrawing that
consent, or being erased, anonymizes the attendee's leads and meetings.  Consenting
later does not turn earlier anonymous interactions into a lead: they hold no attendee.

The service is composed of one mixin per area:
- exhibitors.py: exhibitors, their API keys and the hall's search (ExhibitorRpcs)
- products.py: an exhibitor's products (ProductRpcs)
- leads.py: interactions, leads, their scores and booth analytics (LeadRpcs)
- meetings.py: listing and answering meeting requests (MeetingRpcs)
- gdpr.py: export_attendee (GdprRpcs)
- replica.py: the attendee replica's consumers, anonymizing and erasure (ReplicaConsumers)
- contacts.py: finding and showing an attendee's contact (plumbing.replica), shared by
  the above
"""

from plumbing.rpc import TimedRpcProxy
from plumbing.service import PlenaryService
from services.expo.exhibitors import ExhibitorRpcs
from services.expo.gdpr import GdprRpcs
from services.expo.leads import LeadRpcs
from services.expo.meetings import MeetingRpcs
from services.expo.products import ProductRpcs
from services.expo.replica import ReplicaConsumers


class ExpoService(
    PlenaryService,
    ExhibitorRpcs,
    ProductRpcs,
    LeadRpcs,
    MeetingRpcs,
    GdprRpcs,
    ReplicaConsumers,
):
    name = "expo"

    registration = TimedRpcProxy("registration")
