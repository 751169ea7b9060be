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
