"""Resolving a scan at a counter or intake screen.

``kern.barcodes.recognise`` tells what kind of code a text is; this module finds the
record behind it. Each app registers resolvers for the code types it owns in its
``AppConfig.ready`` (the foundation resolves locations; stock adds products, items and
EANs; access adds households, referrals and UiTPAS numbers). An app that knows more about
a kind another app resolves adds it to the details (``register_details``: the counter
adds an item's loan and a product's programs), and an app may register a fixed word it
prints as a barcode (``register_word``: the counter's confirm card).

A kind may also have an action (``register_action``): what a screen that does not know the
kind itself does when it is scanned there, e.g. a volunteer's card at the counter checks
the volunteer in for their shift. The screen calls ``act`` and shows its message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from kern import barcodes
from kern.barcodes import CodeType, ScanKind
from kern.errors import NotFound
from kern.models import Location, User


@dataclass
class ScanResult:
    kind: str  # "location", "product", "item", "household", "uitpas", …
    code: str
    label: str
    object_id: int | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def kind_label(self) -> str:
        return {
            "location": _("location"),
            "product": _("product"),
            "item": _("item"),
            "household": _("household"),
            "referral": _("referral"),
            "uitpas": _("UiTPAS"),
            "confirm": _("confirm"),
            "volunteer": _("volunteer"),
        }.get(self.kind, self.kind)


# resolver(user=..., code=InternalCode | str) -> ScanResult | None
InternalResolver = Callable[..., ScanResult | None]
NumberResolver = Callable[..., ScanResult | None]

# details(user=..., result=ScanResult) -> None: adds to ``result.details``
DetailsProvider = Callable[..., None]
# word(user=...) -> ScanResult
WordResolver = Callable[..., ScanResult]

_internal: dict[CodeType, InternalResolver] = {}
_numbers: dict[ScanKind, list[NumberResolver]] = {ScanKind.GTIN: [], ScanKind.UITPAS: []}
_details: dict[str, list[DetailsProvider]] = {}
_words: dict[str, WordResolver] = {}


@dataclass(frozen=True)
class ScanAction:
    """What an action did, for the screen to show: ``level`` is "ok" or "error"."""

    message: str
    level: str = "ok"


# action(user=..., location=Location | None, result=ScanResult, source=str) -> ScanAction
ActionHandler = Callable[..., ScanAction]
_actions: dict[str, ActionHandler] = {}


def register_internal(code_type: CodeType, resolver: InternalResolver) -> None:
    _internal[code_type] = resolver


def register_number(kind: ScanKind, resolver: NumberResolver) -> None:
    if resolver not in _numbers[kind]:
        _numbers[kind].append(resolver)


def register_details(kind: str, provider: DetailsProvider) -> None:
    """``provider(user=..., result=...)`` adds to the details of every result of ``kind``."""
    providers = _details.setdefault(kind, [])
    if provider not in providers:
        providers.append(provider)


def register_word(word: str, resolver: WordResolver) -> None:
    """A fixed text (as ``barcodes.normalise`` reads it) that means something by itself."""
    _words[barcodes.normalise(word)] = resolver


def register_action(kind: str, handler: ActionHandler) -> None:
    """``handler(user=, location=, result=, source=)`` acts on a scan of ``kind`` at a
    screen that does not handle that kind itself; it may raise a DomainError."""
    _actions[kind] = handler


def has_action(kind: str) -> bool:
    return kind in _actions


def act(
    *, user: User, location: Location | None, result: ScanResult, source: str = ""
) -> ScanAction | None:
    """Run the action registered for ``result.kind``; None when it has none."""
    handler = _actions.get(result.kind)
    if handler is None:
        return None
    return handler(user=user, location=location, result=result, source=source)


def resolve(*, user: User, raw: str) -> ScanResult:
    """Return what ``raw`` stands for, or raise a DomainError that says why not."""
    word = _words.get(barcodes.normalise(raw))
    result = word(user=user) if word is not None else _resolve_code(user=user, raw=raw)
    for provider in _details.get(result.kind, ()):
        provider(user=user, result=result)
    return result


def _resolve_code(*, user: User, raw: str) -> ScanResult:
    recognised = barcodes.recognise(raw)
    if recognised.internal is not None:
        code = recognised.internal
        resolver = _internal.get(code.type)
        result = resolver(user=user, code=code) if resolver else None
        if result is None:
            raise NotFound(
                _("No %(type)s with code %(code)s.") % {"type": code.type.label, "code": code}
            )
        return result
    for kind, value in (
        (ScanKind.UITPAS, recognised.uitpas_number),
        (ScanKind.GTIN, recognised.gtin),
    ):
        if value is None:
            continue
        for resolver in _numbers[kind]:
            result = resolver(user=user, number=value)
            if result is not None:
                return result
    if recognised.uitpas_number:  # not a known product: at a counter, most likely a card
        return ScanResult(
            kind="uitpas",
            code=recognised.uitpas_number,
            label=_("UiTPAS number ending in %(last)s") % {"last": recognised.uitpas_number[-4:]},
        )
    raise NotFound(_("Code %(code)s is not known in Deelpunt yet.") % {"code": recognised.text})


def resolve_location(*, user: User, code: barcodes.InternalCode) -> ScanResult | None:
    location = Location.objects.filter(pk=code.number).select_related("municipality").first()
    if location is None:
        return None
    return ScanResult(
        kind="location",
        code=str(code),
        label=location.name,
        object_id=location.pk,
        details={"kind": location.kind, "municipality": location.municipality.name},
    )


register_internal(CodeType.LOCATION, resolve_location)
