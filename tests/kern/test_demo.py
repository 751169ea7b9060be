import datetime as dt
import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from kern import scanning
from kern.demo import ACCOUNTS, DEMO_PASSWORD, demo_parts
from kern.models import Location, Municipality, OpeningHours, Organisation, User
from kern.roles import Role
from rapportering import demo as history
from toegang import demo as toegang_demo
from toegang.models import Household, Referral
from toegang.uitpas.client import SocialTariffStatus, UitpasPassRefused, get_pass
from uitlening.codes import CONFIRM_CODE
from uitlening.models import Distribution, Loan, RepairTicket
from voorraad.models import Item


def counts():
    return [m.objects.count() for m in (Municipality, Organisation, Location, OpeningHours, User)]


def load_demo() -> str:
    out = StringIO()
    call_command("load_demo", "--allow-without-debug", stdout=out, no_color=True)
    return out.getvalue()


def sections(printed: str) -> dict[str, list[tuple[str, str]]]:
    """The printed overview as {title: [(code, text), ...]}."""
    found: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] = []
    for line in printed.splitlines():
        if line.startswith("  "):
            code, text = line.strip().split(maxsplit=1)
            current.append((code, text))
        elif line.endswith(":"):
            current = found.setdefault(line[:-1].split(" (")[0], [])
    return found


def section(printed: str, title: str) -> list[tuple[str, str]]:
    lines = sections(printed)[title]
    assert lines, title
    return lines


def test_load_demo_twice_creates_nothing_twice(db):
    printed = load_demo()
    first = counts()
    load_demo()
    assert counts() == first
    # two cooperating municipalities, and the two neighbours of the reports' history
    assert first[0] == 2 + len(history.NEIGHBOURS)
    assert Location.objects.filter(kind=Location.Kind.WAREHOUSE).count() == 1
    assert Location.objects.filter(kind=Location.Kind.DISTRIBUTION_POINT).count() == 2
    assert Location.objects.filter(kind=Location.Kind.COLLECTION_POINT).count() == 3
    assert DEMO_PASSWORD in printed
    assert all(account.username in printed for account in ACCOUNTS)


def test_demo_has_an_account_for_every_role_that_can_log_in(client, db):
    call_command("load_demo", "--allow-without-debug", stdout=StringIO())
    for role in Role:
        user = User.objects.filter(groups__name=role.value).first()
        assert user is not None, role
        response = client.post(
            "/aanmelden/", {"username": user.username, "password": DEMO_PASSWORD}
        )
        assert response.status_code == 302, user.username
        client.logout()


def test_demo_modules_are_found_by_autodiscovery_kern_first_then_in_app_order():
    assert [part.module for part in demo_parts()] == [
        "kern.demo",
        "voorraad.demo",
        "toegang.demo",
        "uitlening.demos.memberships",
        "uitlening.demo",
        "uitlening.demos.seasonal",
        "uitlening.demos.partners",
        "uitlening.demos.points",
        "uitlening.demos.holds",
        "vrijwilligers.demo",
        "rapportering.demo",
    ]


def test_load_demo_speaks_dutch_and_prints_the_same_codes_every_time(db):
    printed = load_demo()
    assert printed.startswith("De demogegevens staan klaar.")
    assert "ready" not in printed and "password" not in printed
    assert set(sections(printed)) == {
        "Demo-accounts",
        "Producten",
        "Uitleenobjecten",
        "Gezinskaarten",
        "Doorverwijsbrieven",
        "UiTPAS-testnummers",
        "Aan de balie",
        "Te laat",
        "Sinterklaaspakketten",
        "Partneraanvragen",
        "Lidmaatschappen",
        "Ruilwinkel",
        "Wachtlijst Fietsbib",
        "Vrijwilligers en diensten",
        "Rapporten",
    }
    assert load_demo() == printed


def test_quiet_load_demo_prints_nothing(db):
    out = StringIO()
    call_command("load_demo", "--allow-without-debug", "--quiet-accounts", stdout=out)
    assert out.getvalue() == ""
    assert Household.objects.exists()


def test_the_printed_accounts_have_the_printed_role_and_place(db):
    for username, text in section(load_demo(), "Demo-accounts"):
        user = User.objects.get(username=username)
        assert user.check_password(DEMO_PASSWORD)
        assert text.split("  ")[0].strip() in {g.name for g in user.groups.all()}


@pytest.fixture
def printed(db):
    return load_demo()


@pytest.fixture
def coordinator(printed):
    return User.objects.get(username="coordinator")


def scan(user, code):
    return scanning.resolve(user=user, raw=code)


def test_printed_household_cards_scan_to_that_household(printed, coordinator):
    lines = section(printed, "Gezinskaarten")
    assert len(lines) == len(toegang_demo.FAMILIES)  # the history's households are not printed
    for code, text in lines:
        result = scan(coordinator, code)
        assert (result.kind, result.label) == ("household", code)
        household = Household.objects.get(pk=result.object_id)
        assert household.postcode in text
        for card in household.uitpas_cards.all():
            assert f"UiTPAS …{card.last_digits}" in text


def test_printed_referral_letters_scan_to_a_valid_a_revoked_and_an_expired_referral(
    printed, coordinator
):
    today = timezone.localdate()
    states = []
    for code, text in section(printed, "Doorverwijsbrieven"):
        result = scan(coordinator, code)
        assert result.kind == "referral"
        assert text.endswith(f"gezin {result.details['household']}")
        referral = Referral.objects.get(pk=result.object_id)
        for program in referral.programs.all():
            assert program.name in text
        if text.startswith("geldig tot"):
            assert referral.revoked_at is None and referral.valid_until >= today
            assert f"{referral.valid_until:%d/%m/%Y}" in text
            states.append("valid")
        elif text.startswith("ingetrokken"):
            assert referral.revoked_at is not None
            states.append("revoked")
        elif text.startswith("verlopen op"):
            assert referral.revoked_at is None and referral.valid_until < today
            states.append("expired")
    assert states == ["valid", "revoked", "expired"]


def test_printed_uitpas_numbers_scan_and_the_standin_answers_what_the_text_says(
    printed, coordinator, uitpas
):
    lines = section(printed, "UiTPAS-testnummers")
    shown = set()
    for number, text in lines:
        result = scan(coordinator, number)
        assert result.kind == "uitpas"
        linked = re.search(r"gezin (G\w+)$", text)
        if linked:
            assert result.details["household"] == linked.group(1)
        else:
            assert text.endswith("nog aan geen gezin gekoppeld")
            assert not result.details.get("linked")

        if text.startswith("geblokkeerd"):
            with pytest.raises(UitpasPassRefused) as refused:
                get_pass(number)
            assert refused.value.code == "passholder_blocked"
            shown.add("blocked")
        elif text.startswith("kaart nog niet geregistreerd"):
            with pytest.raises(UitpasPassRefused) as refused:
                get_pass(number)
            assert refused.value.code == "invalid_card_status"
            shown.add("unregistered")
        else:
            info = get_pass(number)
            if text.startswith("kansentarief actief in een andere regio"):
                assert info.social_tariff_status == SocialTariffStatus.ACTIVE
                assert info.card_system_name in text
                assert not info.card_system_covers("9000") and not info.card_system_covers("9090")
                shown.add("other region")
            elif text.startswith("kansentarief actief"):
                assert info.social_tariff_status == SocialTariffStatus.ACTIVE
                assert info.card_system_name in text
                assert info.card_system_covers("9000")
                shown.add("active")
            elif text.startswith("kansentarief verlopen"):
                assert info.social_tariff_status == SocialTariffStatus.EXPIRED
                shown.add("expired")
            else:
                assert text.startswith("geen kansentarief")
                assert info.social_tariff_status == SocialTariffStatus.NONE
                shown.add("none")
    assert shown == {"active", "expired", "other region", "blocked", "unregistered", "none"}


def test_printed_product_codes_and_eans_scan_to_that_product(printed, coordinator):
    kinds = set()
    for code, text in section(printed, "Producten"):
        result = scan(coordinator, code)
        assert result.kind == "product"
        assert result.label in text
        assert f"pak van {result.details['units']} stuks" in text
        kinds.add("ean" if "ean" in result.details else "label")
    assert kinds == {"ean", "label"}


def test_printed_items_scan_to_an_item_in_the_printed_state(printed, coordinator):
    statuses = []
    for code, text in section(printed, "Uitleenobjecten"):
        result = scan(coordinator, code)
        assert result.kind == "item"
        item = Item.objects.select_related("location").get(pk=result.object_id)
        assert text.startswith(item.name)
        assert f"{result.details['status_label']}, in {item.location.name}" in text
        statuses.append(item.status)
    assert statuses == [Item.Status.AVAILABLE, Item.Status.IN_REPAIR, Item.Status.RETIRED]


README = Path(__file__).resolve().parents[2] / "README.md"


def readme_codes() -> dict[str, str]:
    """The code table under "Proberen" in the README: {code: what it is}."""
    text = README.read_text().split("### Proberen", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([^`]+)` \| (.+) \|$", text, flags=re.MULTILINE)
    return {code: what.replace("`", "") for code, what in rows if not code.islower()}


@pytest.mark.django_db(transaction=True, reset_sequences=True)
def test_the_readme_lists_the_codes_a_fresh_database_prints():
    printed: dict[str, str] = {}
    for lines in sections(load_demo()).values():
        for code, text in lines:
            printed.setdefault(code, text)  # a code's first line says what it is
    listed = readme_codes()
    assert len(listed) >= 15
    for code, what in listed.items():
        assert code in printed, code
        text = printed[code]
        if what.startswith("UiTPAS: "):
            first_word = what.removeprefix("UiTPAS: ").split()[0].rstrip(":;")
            assert first_word == text.split()[0].rstrip(":;")
            assert what.split("; ")[-1] == text.split("; ")[-1]
        elif what.startswith("doorverwijsbrief, "):
            assert what.split(", ")[1].split(":")[0][:6] == text[:6]  # geldig, ingetr., verlop.
            assert what.split(", ")[-1] == text.split(", ")[-1]
        else:
            name = re.search(r"(?:: |verpakking van )([^,(]+)", what).group(1).strip()
            assert name in text, (code, what, text)


def test_printed_counter_codes_are_what_the_text_says(printed, coordinator):
    today = timezone.localdate()
    seen = set()
    for code, text in section(printed, "Aan de balie"):
        if code == CONFIRM_CODE:
            seen.add("confirm")
            continue
        result = scan(coordinator, code)
        if result.kind == "household":
            household = Household.objects.get(pk=result.object_id)
            assert household.code == code
            seen.add("household")
            continue
        if result.kind == "product":
            assert result.label in text
            seen.add("product")
            continue
        assert result.kind == "item", (code, text)
        item = Item.objects.get(pk=result.object_id)
        assert item.name in text
        loan = Loan.objects.filter(item=item, returned_at__isnull=True).first()
        if text.startswith("uitlenen") or text.endswith("meegeven, beschikbaar"):
            assert item.status == Item.Status.AVAILABLE and loan is None
            seen.add("lend")
        elif text.startswith("weigeren"):
            assert item.status == Item.Status.AVAILABLE and item.end_of_life_on < today
            seen.add("refuse")
        else:
            assert text.startswith(("terugnemen", "ruilen")), text
            assert loan is not None and loan.household.code in text
            seen.add("return")
    assert seen == {"household", "product", "lend", "refuse", "return", "confirm"}


def test_printed_overdue_loans_are_overdue(printed, coordinator):
    for code, text in section(printed, "Te laat"):
        item = Item.objects.get(pk=scan(coordinator, code).object_id)
        loan = Loan.objects.get(item=item, returned_at__isnull=True)
        assert loan.due_on < timezone.localdate()
        assert f"{(timezone.localdate() - loan.due_on).days} dagen te laat" in text


def test_demo_counter_history_keeps_the_ledger_reconciled(printed):
    out = StringIO()
    call_command("reconcile_stock", stdout=out)
    assert Distribution.objects.filter(
        created_at__lt=timezone.now() - dt.timedelta(days=28)
    ).exists()
    assert RepairTicket.objects.filter(loan__isnull=False).exists()
    assert Item.objects.filter(item_type__name="Kinderfiets", size__in=['16"', '20"']).count() >= 2


# --- Not on a production database ------------------------------------------------------


def test_load_demo_is_refused_with_debug_off_and_creates_nothing(db, settings):
    settings.DEBUG = False
    before = counts()
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("load_demo", stdout=StringIO())
    assert counts() == before
    assert not User.objects.filter(username__in=[a.username for a in ACCOUNTS]).exists()


def test_load_demo_loads_with_debug_off_when_explicitly_allowed(db, settings):
    settings.DEBUG = False
    call_command("load_demo", "--allow-without-debug", "--quiet-accounts", stdout=StringIO())
    assert User.objects.filter(username__in=[a.username for a in ACCOUNTS]).count() == len(ACCOUNTS)


def test_load_demo_loads_with_debug_on_as_make_run_has_it(db, settings):
    settings.DEBUG = True
    call_command("load_demo", "--quiet-accounts", stdout=StringIO())
    assert User.objects.filter(username="coordinator").exists()
