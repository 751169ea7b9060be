"""The counter (balie): pick a distribution point, then scan.

A scan of a household card, a referral letter or an UiTPAS card checks the family in
(``uitlening.services``) and shows its panel (entitlements, what it may still take,
open and overdue loans); an UiTPAS card that is not linked yet is checked with UiTPAS
and, when UiTPAS accepts it, answers with a short registration form. A registration
redirects to its check-in (post/redirect/get) and carries its form's idempotency key.

A product or item scan fills the basket, which the browser keeps (see
``counter_basket``) and posts with every request: a product line, a loan line, or the
return line of an item on loan to this family. A scan the preview
(``uitlening.selectors.price_basket``) refuses leaves the basket as it was and says why.
Confirm records the whole basket once per idempotency key (``confirm_visit``)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from kern import barcodes, permissions, scanning, session_security
from kern.errors import Conflict, DomainError
from kern.forms import show_domain_error
from kern.models import Location
from kern.permissions import role_required
from toegang.models import Household
from toegang.uitpas.client import UitpasError
from uitlening import codes, selectors, services
from uitlening.models import Distribution, Loan
from uitlening.views import counter_basket as baskets
from uitlening.views.registration_form import CounterRegistrationForm, new_form_key
from voorraad.models import Item


@role_required("kern.use_counter")
def counter_choose(request):
    locations = list(request.user.counter_locations().select_related("municipality"))
    if len(locations) == 1:
        return redirect("uitlening:counter", pk=locations[0].pk)
    return render(request, "uitlening/counter_choose.html", {"locations": locations})


def _counter_location(request, pk: int) -> Location:
    location = get_object_or_404(
        Location.objects.select_related("municipality"),
        pk=pk,
        kind=Location.Kind.DISTRIBUTION_POINT,
    )
    try:
        permissions.require_location(request.user, location)
    except DomainError as exc:
        raise PermissionDenied(exc.message) from exc
    return location


def _household_card_url(household) -> str:
    """The printable household card, when that page exists."""
    for kwargs in ({"pk": household.pk}, {"code": household.code}):
        try:
            return reverse("toegang:household_card", kwargs=kwargs)
        except NoReverseMatch:
            continue
    return ""


def _scan_context(location, raw: str, **extra) -> dict:
    return {"location": location, "raw": raw, "answered": True, **extra}


# --- Households opened at this counter -----------------------------------------------

_OPENED = "uitlening.counter_households"
_OPENED_MAX = 50


def _opened_key(location) -> str:
    # Per point: a family checked in at one point is logged again when opened at another.
    return f"{_OPENED}.{location.pk}"


def _remember_opened(request, location, household: Household) -> None:
    """Households checked in this session at this point: their basket is previewed
    without opening (and logging) them again on every change."""
    key = _opened_key(location)
    opened = [pk for pk in request.session.get(key, []) if pk != household.pk]
    request.session[key] = [*opened, household.pk][-_OPENED_MAX:]


def _panel(request, location, checkin) -> selectors.HouseholdPanel:
    _remember_opened(request, location, checkin.household)
    return selectors.household_panel(
        household=checkin.household, location=location, checked_in=checkin
    )


def _basket_household(request, location, code: str):
    """The household a basket belongs to, and its check-in when it had to be opened
    again (a reload or a new session: logged like any check-in)."""
    if not code:
        return None, None
    number = barcodes.decode(code, expect=barcodes.CodeType.HOUSEHOLD).number
    if number in request.session.get(_opened_key(location), []):
        household = Household.objects.filter(pk=number, anonymised_at__isnull=True).first()
        if household is not None:
            return household, None
    checkin = services.check_in_by(
        actor=request.user, location=location, kind="household", code=code, source=request.path
    )
    assert checkin is not None  # a household code always names a household or raises
    return checkin.household, checkin


# --- The basket ------------------------------------------------------------------------


def _preview(request, location, household, state: baskets.BasketState, goods=None):
    goods = goods or baskets.load_goods(state)
    gone = baskets.drop_unknown(state, goods)
    preview = None
    if household is not None and state.lines:
        preview = selectors.price_basket(
            household=household,
            location=location,
            lines=baskets.basket_lines(state, goods),
            actor=request.user,
        )
    return goods, preview, gone


def _basket_context(request, location, household, state, goods=None) -> dict:
    goods, preview, gone = _preview(request, location, household, state, goods)
    rows = baskets.rows(state, goods, preview)
    returns = [row for row in rows if row.kind == "return"]
    return {
        "basket": state,
        "basket_json": state.as_json(),
        "basket_household": household,
        "rows": rows,
        "returns": returns,
        "preview": preview,
        "general_refusals": [r for r in preview.refusals if r.line is None] if preview else [],
        "can_confirm": bool(preview and state.lines and preview.can_confirm),
        "gone": gone,
        "to_fill_in": baskets.TO_FILL_IN,
        "payments": Distribution.Payment.choices,
        "payers": Loan.Payer.choices,
        "deposit_payments": Loan.DepositPayment.choices,
        "outcomes": [
            choice for choice in Loan.DepositOutcome.choices if choice[0] != "overgedragen"
        ],
    }


def _answer(request, location, context: dict, *, status: int = 200):
    """The counter's answer to the browser: optional slots ``card`` (prepended to the
    scan results), ``message`` and the basket (with the state the browser keeps)."""
    context = {**context, "location": location, "confirm_code": codes.CONFIRM_CODE}
    return render(request, "uitlening/partials/counter_answer.html", context, status=status)


def _refusal_text(refusals, may_override: bool) -> str:
    text = " ".join(r.message for r in refusals)
    if refusals and all(r.overridable for r in refusals) and not may_override:
        text += " " + gettext("Only a coordinator may go over this, with a reason.")
    return text


def _scan_into_basket(request, location, state, household, result):
    """Add a scanned product or item to the basket; (new state, message, refused)."""
    if household is None:
        return (
            state,
            gettext(
                "Scan the family's card (or referral letter, or UiTPAS) first: "
                "%(thing)s goes into a family's basket."
            )
            % {"thing": result.label},
            True,
        )
    new = state.copy()
    if result.kind == "product":
        product_packs = max(
            1,
            int(result.details.get("units", 1)) // max(1, int(result.details.get("pack_size", 1))),
        )
        line = next(
            (x for x in new.lines if x["kind"] == "product" and x["id"] == result.object_id), None
        )
        if line is None:
            line = {"kind": "product", "id": result.object_id, "label": result.label, "packs": 0}
            new.lines.append(line)
        line["packs"] = min(baskets.MAX_PACKS, line["packs"] + product_packs)
        index = new.lines.index(line)
        added = gettext("%(product)s: %(packs)d in the basket.") % {
            "product": result.label,
            "packs": line["packs"],
        }
    else:
        if any(x["kind"] != "product" and x["id"] == result.object_id for x in new.lines):
            return (
                state,
                gettext("%(item)s is in the basket already.") % {"item": result.label},
                True,
            )
        item = Item.objects.filter(pk=result.object_id).first()
        if item is None:
            return state, gettext("This item no longer exists."), True
        loan = selectors.open_loan_of_item(item)
        if loan is not None and loan.household_id == household.pk:
            new.lines.append(
                {
                    "kind": "return",
                    "id": item.pk,
                    "label": result.label,
                    "condition": "",
                    "missing": [],
                    "damage": "",
                    "outcome": "",
                    "kept": "",
                    "reason": "",
                }
            )
            added = gettext("%(item)s comes back: note its condition.") % {"item": result.label}
        else:
            new.lines.append(
                {
                    "kind": "loan",
                    "id": item.pk,
                    "label": result.label,
                    "accessories": [],
                    "condition": "",
                    "payer": "gezin",
                    "payment": "geen",
                    "third_party": "",
                    "replaces": None,
                }
            )
            added = gettext("%(item)s goes out on loan: tick the checklist.") % {
                "item": result.label
            }
        index = len(new.lines) - 1
    goods, preview, _gone = _preview(request, location, household, new)
    assert preview is not None
    if new.lines[index]["kind"] == "loan":
        _link_exchange(new, index, preview)
        goods, preview, _gone = _preview(request, location, household, new, goods)
        assert preview is not None
    refused = [
        r
        for r in baskets.line_refusals(preview, index)
        if r.code not in baskets.TO_FILL_IN or r.overridable
    ]
    if refused and (any(not r.overridable for r in refused) or not preview.may_override):
        return state, _refusal_text(refused, preview.may_override), True
    if refused:
        added += " " + gettext("Over a rule: give a reason below to confirm anyway.")
    return new, added, False


def _link_exchange(state, index: int, preview) -> None:
    """A loan in the same program as an item brought back in this basket replaces it
    (an exchange: the deposit carries over); the volunteer can undo that on the line."""
    loan = next((p for p in preview.loans if p.index == index), None)
    if loan is None or loan.check.program is None:
        return
    taken = {line.get("replaces") for line in state.lines if line["kind"] == "loan"}
    for back in preview.returns:
        old = back.check.loan
        if old is not None and old.program_id == loan.check.program.pk and old.item_id not in taken:
            state.lines[index]["replaces"] = old.item_id
            return


def _page_context(request, location) -> dict:
    counter_mode = session_security.counter_point_of(request) is not None
    return {
        "location": location,
        # The page clears itself at the same limit the server signs it out (counter.js).
        "idle_seconds": session_security.idle_minutes(counter_mode=counter_mode) * 60,
        "confirm_code": codes.CONFIRM_CODE,
        "payments": Distribution.Payment.choices,
    }


@role_required("kern.use_counter")
@never_cache  # a family's panel: never kept by a browser or a proxy
def counter(request, pk: int):
    location = _counter_location(request, pk)
    return render(request, "uitlening/counter_detail.html", _page_context(request, location))


@role_required("kern.use_counter")
@never_cache  # a family's panel: never kept by a browser or a proxy
@require_POST
def counter_scan(request, pk: int):
    """htmx: resolve one scan and answer with a card: a check-in for a household card,
    referral or UiTPAS card, a registration form for a new UiTPAS card, the thing scanned,
    or the error."""
    location = _counter_location(request, pk)
    raw = request.POST.get("code", "")
    context = _scan_context(location, raw)
    with_basket = "basket" in request.POST
    result = None
    try:
        state = baskets.read_basket(request.POST.get("basket"))
        household, reopened = None, None
        result = selectors.resolve_scan(user=request.user, raw=raw)
        if with_basket and result.kind not in selectors.CHECK_IN_KINDS:
            household, reopened = _basket_household(request, location, state.household)
        context["result"] = result
        if result.kind in selectors.CHECK_IN_KINDS:
            checkin = services.check_in_scan(
                actor=request.user, location=location, scan=result, raw=raw, source=request.path
            )
            if checkin is None:
                # Ask UiTPAS now, so nobody fills in a form for a card it refuses.
                card = services.check_new_card(actor=request.user, location=location, number=raw)
                services.remember_new_card(request.session, card)
                context["form"] = CounterRegistrationForm(initial={"uitpas_number": card.number})
            else:
                context["checkin"] = checkin
                context["panel"] = _panel(request, location, checkin)
                if not state.lines or state.household == checkin.code:
                    if state.household != checkin.code:
                        state = baskets.BasketState(household=checkin.code)
                    household = checkin.household
                else:
                    household, reopened = _basket_household(request, location, state.household)
                    context["message"] = gettext(
                        "The basket still belongs to family %(old)s: confirm or empty it "
                        "before you serve family %(new)s."
                    ) % {"old": state.household, "new": checkin.code}
                    context["message_level"] = "error"
        elif result.kind in ("product", "item") and with_basket:
            state, message, refused = _scan_into_basket(request, location, state, household, result)
            context.update(message=message, message_level="error" if refused else "ok", result=None)
            context["answered"] = False
        elif (  # a kind another app acts on, e.g. a volunteer's card checks them in
            action := scanning.act(
                user=request.user, location=location, result=result, source=request.path
            )
        ) is not None:
            context.update(action=action, message=action.message, message_level=action.level)
        if with_basket:
            context.update(_basket_context(request, location, household, state))
            if reopened is not None and "checkin" not in context:
                context["panel"] = _panel(request, location, reopened)
    except UitpasError as exc:
        context["uitpas_error"] = exc
        context["household_code"] = result.details.get("household", "") if result else ""
    except DomainError as exc:
        context["error"] = exc.message
    if with_basket and request.htmx:
        return _answer(request, location, context)
    if request.htmx:
        return render(request, "uitlening/partials/scan_result.html", context)
    return render(
        request, "uitlening/counter_detail.html", {**_page_context(request, location), **context}
    )


def _registered_answer(request, location, checkin):
    answer = _scan_context(
        location,
        "",
        checkin=checkin,
        panel=_panel(request, location, checkin),
        household_card_url=_household_card_url(checkin.household),
    )
    if request.htmx:
        return render(request, "uitlening/partials/checkin.html", answer)
    return render(
        request, "uitlening/counter_detail.html", {**_page_context(request, location), **answer}
    )


@role_required("kern.use_counter")
@never_cache  # a family's panel: never kept by a browser or a proxy
@require_http_methods(["GET", "POST"])
def counter_register(request, pk: int):
    """Register a family at the counter (optionally with its UiTPAS card), then show its
    check-in: in place for htmx, else by a redirect to this page with ``?ingeschreven=``
    and the form's key, so a reload shows the same family and registers nothing. An
    error keeps what was typed and creates nothing."""
    location = _counter_location(request, pk)
    if request.method == "GET" and "ingeschreven" in request.GET:
        checkin = services.registered_at_counter(
            actor=request.user,
            location=location,
            key=request.GET["ingeschreven"],
            source=request.path,
        )
        if checkin is None:
            raise Http404(_("This registration is not known here."))
        return _registered_answer(request, location, checkin)
    form = CounterRegistrationForm(request.POST or None)
    context = {"location": location, "form": form}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        key = data["idempotency_key"] or new_form_key()
        try:
            checkin = services.register_at_counter(
                actor=request.user,
                location=location,
                postcode=data["postcode"],
                adults=data["adults"],
                children=data["children"],
                language=data["language"],
                first_name=data["first_name"],
                consent=data["consent"],
                uitpas_number=data["uitpas_number"],
                source=request.path,
                idempotency_key=key,
                known_card=services.recall_new_card(request.session, data["uitpas_number"]),
            )
        except UitpasError as exc:
            context["uitpas_error"] = exc
        except Conflict as exc:
            if exc.code == "registration_sent_before":
                # Changed after it was sent: a new key, so sending it again is a new family.
                fresh = request.POST.copy()
                fresh["idempotency_key"] = new_form_key()
                form = CounterRegistrationForm(fresh)
                form.is_valid()
                context["form"] = form
            show_domain_error(form, exc)
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            services.forget_new_card(request.session, data["uitpas_number"])
            if request.htmx:
                return _registered_answer(request, location, checkin)
            url = reverse("uitlening:counter_register", kwargs={"pk": location.pk})
            response = redirect(f"{url}?{urlencode({'ingeschreven': key})}")
            response.status_code = 303  # see other: the reload is a GET
            return response
    if request.htmx:
        return render(request, "uitlening/partials/household_register_card.html", context)
    return render(request, "uitlening/household_register.html", context)


@role_required("kern.use_counter")
@never_cache  # a family's panel: never kept by a browser or a proxy
@require_POST
def counter_basket(request, pk: int):
    """htmx: the posted basket with its preview. ``action`` changes it first: ``more``,
    ``less`` or ``remove`` a line (``line``: its index), ``clear`` it. ``panel``: show
    the household's panel too (the page was reloaded). One more pack that the preview
    refuses leaves the basket as it was and says why."""
    location = _counter_location(request, pk)
    context: dict = {}
    try:
        state = baskets.read_basket(request.POST.get("basket"))
        household, reopened = _basket_household(request, location, state.household)
        if household is not None and request.POST.get("panel"):
            shown = reopened or selectors.check_in(household=household, location=location)
            context["checkin"] = shown
            context["panel"] = _panel(request, location, shown)
        state = _basket_action(request, location, household, state, context)
        context.update(_basket_context(request, location, household, state))
    except DomainError as exc:
        context.update(message=exc.message, message_level="error")
    return _answer(request, location, context)


def _basket_action(request, location, household, state, context):
    action = request.POST.get("action", "")
    if action == "clear":
        return baskets.BasketState(household=state.household)
    if action == "forget":
        return baskets.BasketState()
    try:
        index = int(request.POST.get("line", ""))
    except ValueError:
        return state
    if not 0 <= index < len(state.lines):  # -1 would be the last line
        return state
    line = state.lines[index]
    new = state.copy()
    if action == "remove":
        removed = new.lines.pop(index)
        for other in new.lines:  # an exchange of a removed return is a plain loan again
            if other.get("replaces") == removed["id"]:
                other["replaces"] = None
        return new
    if line["kind"] != "product" or action not in ("more", "less"):
        return state
    if action == "less":
        new.lines[index]["packs"] = max(1, line["packs"] - 1)
        return new
    new.lines[index]["packs"] = min(baskets.MAX_PACKS, line["packs"] + 1)
    _goods, preview, _gone = _preview(request, location, household, new)
    refused = baskets.line_refusals(preview, index) if preview else []
    if refused and (any(not r.overridable for r in refused) or not preview.may_override):
        context.update(message=_refusal_text(refused, preview.may_override), message_level="error")
        return state
    return new


def _confirmed_card(request, location, household, result) -> dict:
    distribution = result.distribution
    links = {}
    if distribution is not None:
        links["receipt"] = _url_or_blank("uitlening:distribution_receipt", distribution.pk)
    agreements = [
        (loan, _url_or_blank("uitlening:loan_agreement", loan.pk)) for loan in result.loans
    ]
    panel = selectors.household_panel(household=household, location=location)
    return {
        "confirmed": result,
        "distribution_lines": list(distribution.lines.select_related("product", "program"))
        if distribution is not None
        else [],
        "agreements": agreements,
        "links": links,
        "after_panel": panel,
    }


def _url_or_blank(name: str, pk: int) -> str:
    """Receipts and loan agreements are other screens; link them when they exist."""
    try:
        return reverse(name, kwargs={"pk": pk})
    except NoReverseMatch:
        return ""


@role_required("kern.use_counter")
@never_cache  # a family's panel: never kept by a browser or a proxy
@require_POST
def counter_confirm(request, pk: int):
    """Record the posted basket at once (``confirm_visit``) with the idempotency key the
    browser made when the basket started: a retry after a lost answer, or confirm
    pressed twice, gets the first result and records nothing twice. A refusal keeps the
    basket and says why (status 4xx: the browser does not retry)."""
    location = _counter_location(request, pk)
    context: dict = {}
    state = None
    household = None
    try:
        state = baskets.read_basket(request.POST.get("basket"))
        if not state.household:
            raise DomainError(gettext("Scan the family's card first: the basket has no family."))
        household, _reopened = _basket_household(request, location, state.household)
        goods = baskets.load_goods(state)
        gone = baskets.drop_unknown(state, goods)
        if gone:
            raise DomainError(
                gettext("No longer in Deelpunt: %(lines)s. Remove those lines and confirm again.")
                % {"lines": ", ".join(gone)}
            )
        result = services.confirm_visit(
            actor=request.user,
            location=location,
            household=household,
            lines=baskets.basket_lines(state, goods),
            payment=state.payment or None,
            idempotency_key=state.key,
            override_reason=state.override_reason,
            source=request.path,
        )
    except DomainError as exc:
        context.update(message=exc.message, message_level="error", confirm_refused=True)
        if state is not None and household is not None:
            context.update(_basket_context(request, location, household, state))
        return _answer(request, location, context, status=max(exc.status, 400))
    fresh = baskets.BasketState(household=state.household)
    context.update(_confirmed_card(request, location, household, result))
    context.update(_basket_context(request, location, household, fresh))
    done = (
        gettext("This basket had been recorded already; nothing was recorded twice.")
        if result.replayed
        else gettext("Confirmed: recorded once.")
    )
    context.update(message=done, message_level="ok")
    return _answer(request, location, context)


urlpatterns = [
    path("", counter_choose, name="counter_choose"),
    path("<int:pk>/", counter, name="counter"),
    path("<int:pk>/scan/", counter_scan, name="counter_scan"),
    path("<int:pk>/mand/", counter_basket, name="counter_basket"),
    path("<int:pk>/bevestig/", counter_confirm, name="counter_confirm"),
    path("<int:pk>/gezin/nieuw/", counter_register, name="counter_register"),
]
