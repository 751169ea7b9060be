from io import StringIO

from django.core.management import call_command

from kern.demo import ACCOUNTS, DEMO_PASSWORD
from kern.models import Location, Municipality, OpeningHours, Organisation, User
from kern.roles import Role


def counts():
    return [m.objects.count() for m in (Municipality, Organisation, Location, OpeningHours, User)]


def test_load_demo_twice_creates_nothing_twice(db):
    out = StringIO()
    call_command("load_demo", stdout=out)
    first = counts()
    call_command("load_demo", stdout=StringIO())
    assert counts() == first
    assert first[0] == 2  # two cooperating municipalities
    assert Location.objects.filter(kind=Location.Kind.WAREHOUSE).count() == 1
    assert Location.objects.filter(kind=Location.Kind.DISTRIBUTION_POINT).count() == 2
    assert Location.objects.filter(kind=Location.Kind.COLLECTION_POINT).count() == 3
    printed = out.getvalue()
    assert DEMO_PASSWORD in printed
    assert all(account.username in printed for account in ACCOUNTS)


def test_demo_has_an_account_for_every_role_that_can_log_in(client, db):
    call_command("load_demo", stdout=StringIO())
    for role in Role:
        user = User.objects.filter(groups__name=role.value).first()
        assert user is not None, role
        assert client.login(username=user.username, password=DEMO_PASSWORD)
        client.logout()
