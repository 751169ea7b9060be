"""Checks that must hold on any Deelpunt database, whatever happened to it: after a
restore, after a stress run, after a crash. Each app registers its own checks (in its
``AppConfig.ready``), so a rule stays in the app that owns the data and ``kern`` imports
no app; ``manage.py check_invariants`` runs them all.

A check returns one Dutch sentence per violation, naming the record ("Luiers maat 4 in
Uitdeelpunt Centrum: saldo 5, grootboek 3"); an empty list means it holds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise

Check = Callable[[], list[str]]


@dataclass(frozen=True)
class Invariant:
    name: str  # a stable id: "voorraad.ledger_matches_balances"
    description: str | Promise  # what holds, in a sentence (translated)
    check: Check


_registry: dict[str, Invariant] = {}


def register(*, name: str, description: str | Promise, check: Check) -> None:
    """Register (or replace, so a re-run ``ready`` is harmless) one invariant."""
    _registry[name] = Invariant(name=name, description=description, check=check)


def registered() -> list[Invariant]:
    return sorted(_registry.values(), key=lambda invariant: invariant.name)


def violations() -> dict[str, list[str]]:
    """Every registered check's violations, by name; only the checks that failed."""
    found: dict[str, list[str]] = {}
    for invariant in registered():
        problems = invariant.check()
        if problems:
            found[invariant.name] = problems
    return found
