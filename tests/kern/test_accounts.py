from django.core import mail

from tests.factories import PASSWORD


def test_password_reset_mails_a_dutch_link_that_lets_you_choose_a_new_password(client, volunteer):
    response = client.post("/wachtwoord-vergeten/", {"email": volunteer.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [volunteer.email]
    assert "Deelpunt" in message.subject
    link = next(line for line in message.body.splitlines() if "/wachtwoord-vergeten/" in line)
    path = link.split("testserver", 1)[1].strip()
    form_page = client.get(path, follow=True)
    assert form_page.status_code == 200
    set_path = form_page.redirect_chain[-1][0]
    done = client.post(
        set_path, {"new_password1": "Nieuw-wachtwoord-42", "new_password2": "Nieuw-wachtwoord-42"}
    )
    assert done.status_code == 302
    volunteer.refresh_from_db()
    assert volunteer.check_password("Nieuw-wachtwoord-42")


def test_password_reset_for_an_unknown_address_says_the_same_and_sends_nothing(client, db):
    response = client.post("/wachtwoord-vergeten/", {"email": "niemand@example.org"}, follow=True)
    assert "Kijk je e-mail na" in response.content.decode()
    assert mail.outbox == []


def test_password_change_keeps_you_logged_in_and_refuses_a_wrong_old_password(login, volunteer):
    client = login(volunteer)
    wrong = client.post(
        "/account/wachtwoord/",
        {
            "old_password": "fout",
            "new_password1": "Nieuw-wachtwoord-42",
            "new_password2": "Nieuw-wachtwoord-42",
        },
    )
    assert wrong.status_code == 200
    volunteer.refresh_from_db()
    assert volunteer.check_password(PASSWORD)
    right = client.post(
        "/account/wachtwoord/",
        {
            "old_password": PASSWORD,
            "new_password1": "Nieuw-wachtwoord-42",
            "new_password2": "Nieuw-wachtwoord-42",
        },
    )
    assert right.status_code == 302
    assert client.get("/").status_code == 200


def test_token_page_shows_a_new_token_once(login, volunteer):
    client = login(volunteer)
    response = client.post(
        "/account/api-sleutels/",
        {"name": "balietablet", "valid_days": 90, "scopes": ["counter"]},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert 'id="token-panel"' in html and "<html" not in html
    assert "data-token>dp_" in html
    again = client.get("/account/api-sleutels/").content.decode()
    assert "balietablet" in again and "data-token>" not in again
