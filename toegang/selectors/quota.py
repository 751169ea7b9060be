"""How many packs a household took in a quota period, from the apps that hand them out.

``toegang`` decides what a household may still take but does not hand anything out: the
app that does (``uitlening``) registers a provider in its ``AppConfig.ready``, the way
apps register scan resolvers with ``kern.scanning``. Without a provider nothing was taken."""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from toegang.models import Household, Program


class PacksTaken(Protocol):
    def __call__(self, *, household: Household, program: Program, since: dt.date) -> int:
        """Packs of ``program`` the household took from ``since`` (inclusive) to now."""
        ...


_providers: list[PacksTaken] = []


def register_packs_taken(provider: PacksTaken) -> None:
    if provider not in _providers:
        _providers.append(provider)


def unregister_packs_taken(provider: PacksTaken) -> None:
    if provider in _providers:
        _providers.remove(provider)


def packs_taken_providers() -> tuple[PacksTaken, ...]:
    return tuple(_providers)


def packs_taken(*, household: Household, program: Program, since: dt.date) -> int:
    return sum(
        provider(household=household, program=program, since=since) for provider in _providers
    )
