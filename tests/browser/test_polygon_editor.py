"""The zone polygon editor in a real browser: points clicked on the SVG become the zone's
polygon; a bow tie is refused with a form error."""

import pytest
from django.test import Client

from surveillance.models import CameraZone
from tests.browser.conftest import screenshot
from tests.conftest import sign_in
from tests.factories import CameraFactory, SiteFactory, UserFactory, ZoneFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def admin_page(browser, asgi_server):
    contexts = []

    def open_as(user, path: str):
        # The session of a signed-in admin with a passed second factor, as after the TOTP page.
        client = Client()
        sign_in(client, user)
        context = browser.new_context(viewport={"width": 1440, "height": 1000}, base_url=asgi_server)
        context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": asgi_server}])
        contexts.append(context)
        page = context.new_page()
        page.goto(path)
        return page

    yield open_as
    for context in contexts:
        context.close()


def click_at(page, svg, x: float, y: float) -> None:
    box = svg.bounding_box()
    page.mouse.click(box["x"] + x * box["width"], box["y"] + y * box["height"])


def test_drawing_a_zone_with_the_polygon_editor(admin_page):
    site = SiteFactory()
    camera = CameraFactory(dvr__site=site)
    zone = ZoneFactory(camera=camera, name="Dock")
    admin = UserFactory(username="zone_admin", role_name="super_admin", is_superuser=True)
    page = admin_page(admin, f"/admin/surveillance/camerazone/{zone.id}/change/")
    svg = page.locator(".orin-polygon-editor svg")
    assert page.locator(".orin-polygon-editor circle").count() == 4
    page.fill("#id_polygon_points", "[]")
    page.dispatch_event("#id_polygon_points", "input")
    for x, y in ((0.1, 0.1), (0.6, 0.1), (0.6, 0.6), (0.1, 0.6)):
        click_at(page, svg, x, y)
    assert page.locator(".orin-polygon-editor circle").count() == 4
    screenshot(page, "zone-polygon-editor")
    page.click("input[name=_save]")
    page.wait_for_url("**/camerazone/")
    zone.refresh_from_db()
    points = [(round(p["x"], 1), round(p["y"], 1)) for p in zone.polygon_points]
    assert points == [(0.1, 0.1), (0.6, 0.1), (0.6, 0.6), (0.1, 0.6)]
    # A bow tie: the form says why and the zone keeps its square.
    page.goto(f"/admin/surveillance/camerazone/{zone.id}/change/")
    page.fill("#id_polygon_points", "[]")
    page.dispatch_event("#id_polygon_points", "input")
    for x, y in ((0.1, 0.1), (0.6, 0.6), (0.6, 0.1), (0.1, 0.6)):
        click_at(page, svg, x, y)
    page.click("input[name=_save]")
    assert "crosses itself" in page.inner_text(".errorlist")
    assert CameraZone.objects.get(id=zone.id).polygon_points == zone.polygon_points
