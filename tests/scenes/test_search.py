"""Full-text search over descriptions through the API and the console (one FilterSet), scoped
per site; 'describe this' through the API and the pages that show descriptions."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts.services.sessions import start_session
from scenes.models import DescriptionStatus, SceneDescription
from tests.conftest import sign_in
from tests.factories import EventFactory, UserFactory

pytestmark = pytest.mark.django_db

RED_JACKET = "A man in a red jacket climbs the gate while a white van waits outside."
FORKLIFT = "A forklift moves pallets across the loading dock; nobody else is visible."


def api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {start_session(user).access_token}")
    return client


def described(camera, text: str, **fields) -> SceneDescription:
    event = EventFactory(camera=camera)
    return SceneDescription.objects.create(
        camera=camera,
        event=event,
        event_timestamp=event.timestamp,
        request_type="alert",
        status=DescriptionStatus.DONE,
        description=text,
        model_name="llava:7b-test",
        latency_ms=840,
        prompt_tokens=800,
        completion_tokens=20,
        total_tokens=820,
        **fields,
    )


@pytest.fixture
def descriptions(world):
    return described(world.cam_a, RED_JACKET), described(world.cam_b, FORKLIFT)


def ids(response) -> set[str]:
    return {row["id"] for row in response.json()["results"]}


def test_api_search_finds_the_description_by_its_words(world, descriptions):
    gate, _ = descriptions
    root = UserFactory(role_name="super_admin", is_superuser=True)
    for query in ("red jacket", "jackets gate", '"white van"', "climbing"):
        response = api(root).get("/api/v1/scene-descriptions/", {"q": query})
        assert response.status_code == 200, response.content
        assert ids(response) == {str(gate.pk)}, query
    body = api(root).get("/api/v1/scene-descriptions/", {"q": "red jacket"}).json()["results"][0]
    assert body["description"] == RED_JACKET and body["total_tokens"] == 820 and body["model_name"] == "llava:7b-test"
    assert api(root).get("/api/v1/scene-descriptions/", {"q": "red -van"}).json()["results"] == []
    assert ids(api(root).get("/api/v1/scene-descriptions/", {"q": "pallets"})) == {str(descriptions[1].pk)}


def test_a_user_of_another_site_finds_nothing(world, descriptions):
    gate, dock = descriptions
    assert ids(api(world.user_a).get("/api/v1/scene-descriptions/", {"q": "red jacket"})) == {str(gate.pk)}
    assert ids(api(world.user_b).get("/api/v1/scene-descriptions/", {"q": "red jacket"})) == set()
    assert ids(api(world.user_b).get("/api/v1/scene-descriptions/")) == {str(dock.pk)}
    assert api(world.user_b).get(f"/api/v1/scene-descriptions/{gate.pk}/").status_code == 404
    # Naming another site's id is a clear 400 (the same answer as for an id that does not exist).
    other = api(world.user_b).get("/api/v1/scene-descriptions/", {"site": str(world.site_a.pk)})
    assert other.status_code == 400, other.content
    assert other.json()["fields"]["site"] == ["Select a valid choice. That choice is not one of the available choices."]


def test_odd_search_input_is_not_an_error(world, descriptions):
    for query in ("'", "!!! & |", "(red", "a" * 200):
        response = api(world.user_a).get("/api/v1/scene-descriptions/", {"q": query})
        assert response.status_code == 200, (query, response.content)
    assert api(world.user_a).get("/api/v1/scene-descriptions/", {"q": "a" * 201}).status_code == 400


def test_console_search_uses_the_same_filters_and_scope(client, world, descriptions):
    sign_in(client, world.user_a)
    page = client.get("/admin/console/scenes/", {"q": "red jacket"})
    assert page.status_code == 200 and RED_JACKET in page.content.decode()
    assert FORKLIFT not in client.get("/admin/console/scenes/", {"q": "forklift"}).content.decode()

    sign_in(client, world.user_b)
    page = client.get("/admin/console/scenes/", {"q": "red jacket"}).content.decode()
    assert RED_JACKET not in page and "No description at your sites matches" in page


def test_the_event_browser_offers_the_description_search(client, world):
    sign_in(client, world.user_a)
    page = client.get("/admin/console/events/").content.decode()
    assert 'action="/admin/console/scenes/"' in page and 'name="q"' in page


def test_api_describe_queues_a_description_of_an_event(chat_server, endpoint, event_a, world):
    response = api(world.user_a).post("/api/v1/scene-descriptions/describe/", {"event": str(event_a.pk)})
    assert response.status_code == 202, response.content
    assert response.json()["status"] == "queued" and response.json()["event"] == str(event_a.pk)
    # Another site's event is not found; a viewer may not ask.
    assert api(world.user_b).post("/api/v1/scene-descriptions/describe/", {"event": str(event_a.pk)}).status_code == 404
    viewer = UserFactory(role_name="viewer", sites=[world.site_a])
    assert api(viewer).post("/api/v1/scene-descriptions/describe/", {"event": str(event_a.pk)}).status_code == 403
    assert api(world.user_a).post("/api/v1/scene-descriptions/describe/", {}).status_code == 400


def test_api_describe_says_why_it_refuses(chat_server, endpoint, event_a, world):
    bare = EventFactory(camera=world.cam_a, image_path=None)
    refused = api(world.user_a).post("/api/v1/scene-descriptions/describe/", {"event": str(bare.pk)})
    assert refused.status_code == 409 and "no snapshot" in refused.json()["detail"]

    endpoint.daily_budget = 0
    endpoint.save()
    spent = api(world.user_a).post("/api/v1/scene-descriptions/describe/", {"event": str(event_a.pk)})
    assert spent.status_code == 429 and "daily budget of 0 requests" in spent.json()["detail"]


def test_event_and_alert_pages_show_descriptions_and_describe_this(client, chat_server, endpoint, event_a, world):
    from alerts.models import Alert

    done = described(world.cam_a, RED_JACKET)
    alert = Alert.objects.create(camera=world.cam_a, alert_type="intrusion", severity="high", message="m")
    SceneDescription.objects.filter(pk=done.pk).update(alert=alert)
    sign_in(client, world.user_a)

    event_page = client.get(f"/admin/surveillance/event/{done.event_id}/change/").content.decode()
    assert RED_JACKET in event_page and "820 tokens" in event_page and "840 ms" in event_page
    assert "Describe this" in event_page
    alert_page = client.get(f"/admin/alerts/alert/{alert.pk}/change/").content.decode()
    assert RED_JACKET in alert_page and f'name="alert" value="{alert.pk}"' in alert_page
    # The alert page also shows what was said about the alert's event.
    other = Alert.objects.create(
        camera=world.cam_a, alert_type="x", severity="high", message="m", event_id=done.event_id
    )
    assert RED_JACKET in client.get(f"/admin/alerts/alert/{other.pk}/change/").content.decode()

    response = client.post(
        "/admin/console/scenes/describe/",
        {"event": str(event_a.pk), "next": f"/admin/surveillance/event/{event_a.pk}/change/"},
    )
    assert response.status_code == 302 and response["Location"].endswith(f"/event/{event_a.pk}/change/")
    assert SceneDescription.objects.filter(event_id=event_a.pk, requested_by=world.user_a).exists()
    page = client.get(response["Location"]).content.decode()
    assert "Description requested" in page and "Queued" in page


def test_describe_this_on_a_private_site_says_why(client, chat_server, endpoint, event_a, world):
    from scenes.models import SitePrivacy

    SitePrivacy.objects.create(site=world.site_a, send_images=False)
    sign_in(client, world.user_a)
    form = {"event": str(event_a.pk), "next": "/admin/"}
    response = client.post("/admin/console/scenes/describe/", form, follow=True)
    assert "does not allow its images to be sent" in response.content.decode()
    assert not SceneDescription.objects.exists()


def test_describe_this_answers_404_for_a_bad_or_foreign_id(client, chat_server, endpoint, event_a, world):
    sign_in(client, world.user_b)
    for form in ({"event": str(event_a.pk)}, {"event": "not-a-uuid"}, {"alert": "x"}, {}):
        assert client.post("/admin/console/scenes/describe/", form).status_code == 404, form
    assert client.get("/admin/console/scenes/describe/").status_code == 405
    assert not SceneDescription.objects.exists()
