from kern.barcodes import CodeType, encode


def test_volunteer_with_one_point_goes_straight_to_its_counter(login, volunteer, point):
    response = login(volunteer).get("/balie/")
    assert response.status_code == 302
    assert response["Location"] == f"/balie/{point.pk}/"


def test_volunteer_without_points_is_told_to_ask_a_coordinator(login, db):
    from kern.roles import Role
    from tests.factories import UserFactory

    lonely = UserFactory(username="nieuw", role=Role.VOLUNTEER)
    html = login(lonely).get("/balie/").content.decode()
    assert "coördinator" in html


def test_counter_scan_of_a_location_code_shows_the_location(login, volunteer, point):
    response = login(volunteer).post(
        f"/balie/{point.pk}/scan/", {"code": point.code}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-scan-outcome="location"' in html
    assert "Uitdeelpunt Centrum" in html


def test_counter_scan_of_a_typo_shows_the_dutch_error(login, volunteer, point):
    wrong = encode(CodeType.HOUSEHOLD, 5)[:-1] + "0"
    response = login(volunteer).post(
        f"/balie/{point.pk}/scan/", {"code": wrong}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert 'data-scan-outcome="error"' in html
    assert "tikfout" in html


def test_counter_scan_without_javascript_renders_the_whole_counter(login, volunteer, point):
    response = login(volunteer).post(f"/balie/{point.pk}/scan/", {"code": point.code})
    html = response.content.decode()
    assert "<form" in html and 'data-scan-outcome="location"' in html


def test_volunteer_cannot_scan_at_another_point(login, volunteer, other_point):
    response = login(volunteer).post(f"/balie/{other_point.pk}/scan/", {"code": other_point.code})
    assert response.status_code == 403
    assert "Uitdeelpunt Melle" in response.content.decode()


def test_the_counter_reports_its_packs_taken_to_the_quota_when_ready():
    from toegang import selectors as access
    from uitlening import selectors

    assert selectors.packs_taken in access.packs_taken_providers()


def test_the_counter_and_the_referral_form_read_children_the_same_way(rf, volunteer):
    from toegang.forms import ChildrenForm
    from toegang.services import ChildIn
    from toegang.views.referrals import ReferralForm
    from uitlening.views.registration_form import CounterRegistrationForm

    rows = {"child_1_month": "3", "child_1_year": "2025", "child_3_month": "11"}
    counter = CounterRegistrationForm(rows)
    referral = ReferralForm(rows)
    for form in (counter, referral):
        assert isinstance(form, ChildrenForm)
        form.is_valid()
        assert form.cleaned_data["children"] == [ChildIn(birth_year=2025, birth_month=3)]
        assert "child_3_year" in form.errors  # a month without a year
