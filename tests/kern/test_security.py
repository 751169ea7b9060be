import re

import pytest


def test_pages_send_a_strict_content_security_policy(client):
    response = client.get("/aanmelden/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    # an injected <base> could point every relative script and form URL elsewhere
    assert "base-uri 'none'" in policy
    assert "object-src 'none'" in policy


@pytest.mark.parametrize(
    "url", ["/", "/balie/{point}/", "/locaties/{point}/wijzigen/", "/account/api-sleutels/"]
)
def test_pages_have_no_inline_script_and_load_nothing_from_the_internet(
    login, coordinator, point, url
):
    html = login(coordinator).get(url.replace("{point}", str(point.pk))).content.decode()
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, flags=re.S)
    assert scripts, "expected htmx and deelpunt.js"
    for attributes, body in scripts:
        assert "src=" in attributes and body.strip() == "", attributes
    assert not re.search(r"(src|href)=\"(https?:)?//", html)
    assert not re.search(r"\son[a-z]+=", html), "inline event handler"


def test_health_answers_without_login(client):
    response = client.get("/gezond/")
    assert response.status_code == 200 and response.content == b"ok"


def test_favicon_ico_points_at_the_svg_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("/static/img/favicon.svg")
