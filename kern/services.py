"""Domain operations of the shared app: API tokens, locations."""

from __future__ import annotations

import datetime as dt
import itertools
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kern import audit
from kern.errors import DomainError, NotAllowed, NotFound
from kern.hashing import keyed_hash
from kern.models import ApiToken, Location, OpeningHours, User
from kern.prepared import PreparedQuery
from kern.scopes import SCOPES, label_of

TOKEN_PREFIX = "dp_"


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    plaintext: str  # shown once, never stored


def _may_manage_tokens_of(actor: User, owner: User) -> bool:
    return actor.pk == owner.pk or actor.has_perm("kern.manage_api_tokens")


TOKEN_DEFAULT_DAYS = 90
TOKEN_MAX_DAYS = 365


@transaction.atomic
def create_api_token(
    *,
    actor: User,
    owner: User,
    name: str,
    valid_days: int = TOKEN_DEFAULT_DAYS,
    scopes: Iterable[str] | None = None,
    source: str = "",
) -> IssuedToken:
    """Make a personal API token for ``owner``; return it with its secret (shown once).

    ``scopes`` says what the token may be used for (``kern.scopes.SCOPES``); None gives
    it every scope the owner holds now. A scope the owner does not hold is refused, so a
    token never carries more than its owner. Only a person signed in makes tokens: a
    token that could make tokens would let a stolen one outlive its own revocation."""
    if actor.acting_token is not None:
        raise NotAllowed(
            _("An API token cannot make API tokens: make them on the token page while signed in.")
        )
    if not _may_manage_tokens_of(actor, owner):
        raise NotAllowed(_("You may only make API tokens for yourself."))
    _refuse_counter_mode(actor)
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Give the token a name, e.g. “counter tablet”."), field="name")
    if valid_days is None:
        raise DomainError(
            _("Every API token expires: give it 1 to %(max)d days.") % {"max": TOKEN_MAX_DAYS},
            field="valid_days",
        )
    if not 1 <= valid_days <= TOKEN_MAX_DAYS:
        raise DomainError(
            _("A token is valid for 1 to %(max)d days, not %(days)s.")
            % {"max": TOKEN_MAX_DAYS, "days": valid_days},
            field="valid_days",
        )
    # The owner's rights as the actor may pass them on: the actor's own narrowing (a
    # token or counter mode) when making one for themselves.
    holder = actor if actor.pk == owner.pk else owner
    held = holder.held_scopes()
    chosen = held if scopes is None else list(dict.fromkeys(scopes))
    unknown = [scope for scope in chosen if scope not in SCOPES]
    if unknown:
        raise DomainError(
            _("Unknown token scope: %(scopes)s.") % {"scopes": ", ".join(unknown)},
            field="scopes",
        )
    if not chosen:
        raise DomainError(
            _("Choose at least one scope: what may %(owner)s's token be used for?")
            % {"owner": owner.get_username()},
            field="scopes",
        )
    beyond = [scope for scope in chosen if scope not in held]
    if beyond:
        raise DomainError(
            _("%(owner)s may not do %(scopes)s, so a token of theirs cannot either.")
            % {
                "owner": owner.get_username(),
                "scopes": ", ".join(f"“{label_of(scope)}”" for scope in beyond),
            },
            field="scopes",
        )
    now = timezone.now()
    expires_at = now + dt.timedelta(days=valid_days)
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    plaintext = f"{TOKEN_PREFIX}{prefix}_{secret}"
    token = ApiToken.objects.create(
        user=owner,
        name=name[:100],
        prefix=prefix,
        digest=keyed_hash(plaintext),
        created_by=actor,
        created_at=now,
        expires_at=expires_at,
        scopes=[scope for scope in SCOPES if scope in chosen],
    )
    audit.record(
        actor=actor,
        action="create",
        obj=token,
        source=source,
        details={
            "owner": owner.pk,
            "scopes": token.scopes,
            "expires_at": expires_at.isoformat(),
        },
    )
    return IssuedToken(token=token, plaintext=plaintext)


def _refuse_counter_mode(actor: User) -> None:
    """A counter tablet does counter work only: the owner's tokens are none of its business."""
    if actor.counter_point_id is not None:
        raise NotAllowed(
            _("A session in counter mode cannot manage API tokens: sign in again first.")
        )


def api_tokens_of(*, actor: User) -> QuerySet[ApiToken]:
    """The caller's own API tokens; refused in counter mode."""
    _refuse_counter_mode(actor)
    return ApiToken.objects.filter(user=actor)


@transaction.atomic
def revoke_api_token(*, actor: User, token_id: int, source: str = "") -> ApiToken:
    _refuse_counter_mode(actor)
    token = ApiToken.objects.select_for_update().filter(pk=token_id).first()
    if token is None:
        raise NotFound(_("API token %(id)s does not exist.") % {"id": token_id})
    if not _may_manage_tokens_of(actor, token.user):
        raise NotAllowed(_("You may only revoke your own API tokens."))
    if token.revoked_at is None:  # revoking twice is harmless
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(actor=actor, action="revoke", obj=token, source=source)
    return token


LAST_USED_PRECISION = dt.timedelta(minutes=1)


# Every API request reads its token and owner: one query, compiled once (building the
# select_related query cost ten times running it). Read afresh each time, so a revoked
# token or a changed user is refused on the very next request.
_TOKEN_FIELDS = [f.attname for f in ApiToken._meta.concrete_fields]
_OWNER_FIELDS = [f.attname for f in User._meta.concrete_fields]
_TOKEN_WITH_OWNER = PreparedQuery(
    lambda digest: (
        ApiToken.objects.filter(digest=digest, revoked_at__isnull=True)
        .order_by()
        .values_list(*_TOKEN_FIELDS, *(f"user__{name}" for name in _OWNER_FIELDS))
    )
)


def _token_with_owner(digest: str) -> ApiToken | None:
    """``ApiToken.objects.select_related("user").filter(digest=, revoked_at=None).first()``"""
    rows = _TOKEN_WITH_OWNER.rows(digest=digest)
    if not rows:
        return None
    row, split = rows[0], len(_TOKEN_FIELDS)
    token = ApiToken.from_db(DEFAULT_DB_ALIAS, _TOKEN_FIELDS, row[:split])
    token.user = User.from_db(DEFAULT_DB_ALIAS, _OWNER_FIELDS, row[split:])
    return token


def authenticate_api_token(*, plaintext: str) -> User | None:
    """The active user a token belongs to, narrowed to the token's scopes, or None.

    Marks the token as used at most once a minute, so a busy counter tablet does not
    write on every request."""
    if not plaintext or not plaintext.startswith(TOKEN_PREFIX):
        return None
    token = _token_with_owner(keyed_hash(plaintext))
    if token is None or not token.is_usable or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    user = token.user
    user.restrict(perms=token.permissions)
    user.acting_token = token
    return user


# --- Counter-tablet mode -------------------------------------------------------------------


def start_counter_mode(*, actor: User, location: Location, source: str = "") -> None:
    """Check that ``actor`` may bind their session to the counter of ``location``, and
    log it. (The session itself is bound by ``kern.session_security``.)"""
    if actor.counter_point_id is not None:
        raise NotAllowed(_("This session is already in counter mode: sign in again first."))
    if not actor.has_perm("kern.use_counter"):
        raise NotAllowed(_("Only someone who works the counter can switch to counter mode."))
    if location.kind != Location.Kind.DISTRIBUTION_POINT:
        raise DomainError(
            _("%(location)s is not a distribution point: it has no counter.")
            % {"location": location.name}
        )
    if not actor.can_act_at(location):
        raise NotAllowed(
            _("You do not work at %(location)s, so you cannot act there.")
            % {"location": location.name}
        )
    audit.record(actor=actor, action="counter_mode_start", obj=location, source=source)


def end_counter_mode(*, actor: User, point_id: int, reason: str, source: str = "") -> None:
    """Log that a session left counter mode (``reason``: leave, logout, idle or max_age)."""
    location = Location.objects.filter(pk=point_id).first()
    audit.record(
        actor=actor,
        action="counter_mode_end",
        obj=location,
        object_type="" if location else "kern.location",
        object_id="" if location else str(point_id),
        source=source,
        details={"reason": reason},
    )


# --- Locations ------------------------------------------------------------------------


@dataclass(frozen=True)
class HoursLine:
    weekday: int
    opens: dt.time
    closes: dt.time


@transaction.atomic
def set_opening_hours(
    *, actor: User, location: Location, hours: list[HoursLine], source: str = ""
) -> list[OpeningHours]:
    """Replace a location's weekly opening hours; refuse overlaps and inverted times."""
    if not actor.has_perm("kern.manage_locations"):
        raise NotAllowed(_("Only a coordinator or admin can change opening hours."))
    day_names = dict(OpeningHours.Weekday.choices)
    ordered = sorted(hours, key=lambda line: (line.weekday, line.opens))
    for line in ordered:
        if line.weekday not in day_names:
            raise DomainError(_("Unknown weekday %(day)s.") % {"day": line.weekday})
        if line.closes <= line.opens:
            raise DomainError(
                _("%(location)s, %(day)s: closing time %(closes)s is not after %(opens)s.")
                % {
                    "location": location.name,
                    "day": day_names[line.weekday],
                    "opens": f"{line.opens:%H:%M}",
                    "closes": f"{line.closes:%H:%M}",
                }
            )
    for before, after in itertools.pairwise(ordered):
        if before.weekday == after.weekday and after.opens < before.closes:
            raise DomainError(
                _("%(location)s, %(day)s: opening hours %(a)s and %(b)s overlap.")
                % {
                    "location": location.name,
                    "day": day_names[before.weekday],
                    "a": f"{before.opens:%H:%M}–{before.closes:%H:%M}",
                    "b": f"{after.opens:%H:%M}–{after.closes:%H:%M}",
                }
            )
    location.opening_hours.all().delete()
    created = OpeningHours.objects.bulk_create(
        OpeningHours(location=location, weekday=h.weekday, opens=h.opens, closes=h.closes)
        for h in ordered
    )
    audit.record(
        actor=actor,
        action="update",
        obj=location,
        source=source,
        details={
            "opening_hours": [f"{h.weekday} {h.opens:%H:%M}-{h.closes:%H:%M}" for h in ordered]
        },
    )
    return created


def location_by_code(*, code: str) -> Location:
    """Find a location from its scanned barcode."""
    from kern.barcodes import CodeType, decode

    parsed = decode(code, expect=CodeType.LOCATION)
    location = Location.objects.filter(pk=parsed.number).first()
    if location is None:
        raise NotFound(_("Location code %(code)s is not known.") % {"code": code})
    return location


@transaction.atomic
def save_location(
    *, actor: User, location: Location, hours: list[HoursLine] | None = None, source: str = ""
) -> Location:
    """Create or change a location (already filled in by a form) and its opening hours."""
    if not actor.has_perm("kern.manage_locations"):
        raise NotAllowed(_("Only a coordinator or admin can change locations."))
    is_new = location.pk is None
    location.full_clean()
    location.save()
    audit.record(actor=actor, action="create" if is_new else "update", obj=location, source=source)
    if hours is not None:
        set_opening_hours(actor=actor, location=location, hours=hours, source=source)
    return location


def parse_hours(text: str, *, weekday: int) -> list[HoursLine]:
    """Read “9:00-12:00, 13:30-16:00” (also 9u-12u, 9.00–12.00) into lines for one day."""
    lines = []
    for part in (p.strip() for p in (text or "").split(",")):
        if not part:
            continue
        pieces = [p.strip() for p in part.replace("–", "-").split("-")]
        if len(pieces) != 2:
            raise DomainError(
                _("“%(text)s” is not a time range; write it as 9:00-12:00.") % {"text": part}
            )
        times = []
        for piece in pieces:
            cleaned = piece.lower().replace("u", ":").replace(".", ":").replace("h", ":")
            cleaned = cleaned.rstrip(":")
            try:
                hour, _sep, minute = cleaned.partition(":")
                times.append(dt.time(int(hour), int(minute or 0)))
            except ValueError:
                raise DomainError(
                    _("“%(text)s” is not a time; write it as 9:00 or 13:30.") % {"text": piece}
                ) from None
        lines.append(HoursLine(weekday=weekday, opens=times[0], closes=times[1]))
    return lines
