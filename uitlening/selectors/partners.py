"""Reads of the partner requests: which requests a person sees (a partner's social
worker only their organisation's; a coordinator all; a volunteer the approved ones at
their points), and the figures reports build on (requested, approved and handed-out
packs; households and children served)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet, Sum

from kern.errors import NotFound
from kern.models import User
from uitlening.models import PartnerRequest

Status = PartnerRequest.Status


def visible_requests(actor: User) -> QuerySet[PartnerRequest]:
    requests = PartnerRequest.objects.select_related(
        "organisation", "pickup_location", "requested_by"
    ).order_by("-created_at", "-pk")
    if actor.has_perm("kern.manage_stock"):
        return requests
    seen = Q(pk__in=[])
    if actor.has_perm("kern.manage_referrals") and actor.organisation_id is not None:
        seen |= Q(organisation_id=actor.organisation_id)
    if actor.has_perm("kern.use_counter"):
        seen |= Q(
            status__in=[Status.APPROVED, Status.HANDED_OVER],
            pickup_location__in=actor.counter_locations(),
        )
    return requests.filter(seen)


def request_for(actor: User, pk: int) -> PartnerRequest:
    request = visible_requests(actor).filter(pk=pk).first()
    if request is None:
        raise NotFound("")
    return request


@dataclass(frozen=True)
class PartnerReach:
    requests: int
    households: int
    children: int
    requested_packs: int
    approved_packs: int
    handed_out_packs: int


def partner_reach(requests: QuerySet[PartnerRequest]) -> PartnerReach:
    """Totals over ``requests`` (e.g. one organisation's, handed over in a year)."""
    heads = requests.aggregate(h=Sum("households_served"), c=Sum("children_served"))
    packs = requests.aggregate(
        r=Sum("lines__requested_packs"),
        a=Sum("lines__approved_packs"),
        o=Sum("lines__handed_out_packs"),
    )
    return PartnerReach(
        requests=requests.count(),
        households=heads["h"] or 0,
        children=heads["c"] or 0,
        requested_packs=packs["r"] or 0,
        approved_packs=packs["a"] or 0,
        handed_out_packs=packs["o"] or 0,
    )
