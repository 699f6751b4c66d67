"""The isolation matrix, generated from what the project serves: for every model registered in the
admin or the REST API, users confined to one site (operator and viewer, of either site) try every
way in to the other site's row — admin changelist, change, history, delete (GET and POST),
autocomplete, API list, detail and filters by the other site's ids, CSV export, media, console
pages and the websocket — and get nothing of it. Each check also has a positive control (the
user's own row is listed where the role may read it), so a page that shows nothing at all cannot
pass for an isolated one."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass, field

import pytest
from channels.testing import WebsocketCommunicator
from django.contrib import admin
from django.db import models
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.scoping import has_scope, restrict, scope_of
from accounts.services.sessions import start_session
from alerts.models import Alert
from faces.models import PersonCluster
from orin.api_urls import router
from surveillance.models import Camera, Event, MediaFile, Site
from tests.access.world import BUILDERS, SiteWorld, build_site, builder_for
from tests.conftest import sign_in

SITE_BOUND = ("camera", "site", "via", "rule")
FILTER_PARAMS = {
    "camera": Camera,
    "camera_id": Camera,
    "site": Site,
    "site_id": Site,
    "cluster": PersonCluster,
    "cluster_id": PersonCluster,
}


def api_models() -> dict[type[models.Model], list[tuple[str, str]]]:
    """model -> [(prefix, basename)] of the REST router."""
    served: dict[type[models.Model], list[tuple[str, str]]] = {}
    for prefix, viewset, basename in router.registry:
        queryset = getattr(viewset, "queryset", None)
        if queryset is not None:
            served.setdefault(queryset.model, []).append((prefix, basename))
    return served


def served_models() -> set[type[models.Model]]:
    return set(admin.site._registry) | set(api_models())


def auto_built_models() -> list[type[models.Model]]:
    """Served site-bound models without a hand-written builder: made by model_bakery."""
    served = {_concrete(m) for m in served_models()}
    return sorted(
        (m for m in served if scope_of(m).kind in SITE_BOUND and m not in BUILDERS),
        key=lambda m: m._meta.label,
    )


def test_every_served_model_is_scoped_and_in_the_matrix():
    """A model added to the admin or the API without a scope, or site-bound without a builder in
    tests/access/world.py, fails here."""
    unscoped = sorted(m._meta.label for m in served_models() if not has_scope(m))
    assert not unscoped, f"served without an access scope: {unscoped}"
    missing = sorted(
        m._meta.label
        for m in served_models()
        if scope_of(m).kind in SITE_BOUND and builder_for(m._meta.concrete_model if m._meta.proxy else m) is None
    )
    assert not missing, f"site-bound, not in the matrix (add a builder to tests/access/world.py): {missing}"
    # Every API viewset names its model, so the matrix can walk it.
    unnamed = [prefix for prefix, viewset, _ in router.registry if getattr(viewset, "queryset", None) is None]
    assert not unnamed, f"API viewsets without a `queryset` (the matrix cannot see their model): {unnamed}"


@dataclass
class Findings:
    leaks: list[str] = field(default_factory=list)
    blind: list[str] = field(default_factory=list)  # own rows not shown: the check proves nothing

    def leak(self, where: str, what: str) -> None:
        self.leaks.append(f"{where}: {what}")


def _concrete(model: type[models.Model]) -> type[models.Model]:
    return model._meta.concrete_model if model._meta.proxy else model


def forbidden_rows(model: type[models.Model], other: SiteWorld) -> list[models.Model]:
    """What a user confined to the other site must never reach: the other site's row for a
    site-bound model; any row of a cross-site aggregate."""
    kind = scope_of(model).kind
    if kind in SITE_BOUND:
        return [other.row(_concrete(model))] if _concrete(model) in other.rows else []
    if kind == "all_sites":
        return list(model._default_manager.all()[:3])
    return []


def visible_own_row(model: type[models.Model], mine: SiteWorld, user) -> models.Model | None:
    """The user's own site's row, where the model's written rule lets this user read it: the
    positive control. (Leaks above are judged by site membership alone, not by restrict().)"""
    if scope_of(model).kind not in SITE_BOUND or _concrete(model) not in mine.rows:
        return None
    row = mine.row(_concrete(model))
    return row if restrict(model._default_manager.all(), user).filter(pk=row.pk).exists() else None


def admin_url(model: type[models.Model], view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def check_admin(client: Client, model, mine: SiteWorld, other: SiteWorld, found: Findings) -> None:
    label = model._meta.label
    changelist = client.get(admin_url(model, "changelist"))
    assert changelist.status_code < 500, f"{label} changelist: {changelist.status_code}"
    html = changelist.content.decode() if changelist.status_code == 200 else ""
    for row in forbidden_rows(model, other):
        change = admin_url(model, "change", row.pk)
        if change in html:
            found.leak(f"admin {label} changelist", f"lists {row.pk}")
        for view in ("change", "history", "delete"):
            response = client.get(admin_url(model, view, row.pk))
            if response.status_code == 200:
                found.leak(f"admin {label} {view}", f"shows {row.pk}")
            assert response.status_code < 500, f"{label} {view}: {response.status_code}"
        client.post(admin_url(model, "delete", row.pk), {"post": "yes"})
        if not model._default_manager.filter(pk=row.pk).exists():
            found.leak(f"admin {label} delete", f"deleted {row.pk}")
    own = visible_own_row(model, mine, client.user)
    if own is not None and html and admin_url(model, "change", own.pk) not in html:
        found.blind.append(f"admin {label} changelist does not list the user's own row")


def check_autocomplete(client: Client, other: SiteWorld, found: Findings) -> None:
    for source, model_admin in admin.site._registry.items():
        for name in model_admin.autocomplete_fields:
            target = _concrete(source._meta.get_field(name).remote_field.model)
            if target not in other.rows:
                continue
            response = client.get(
                reverse("admin:autocomplete"),
                {"app_label": source._meta.app_label, "model_name": source._meta.model_name, "field_name": name},
            )
            assert response.status_code < 500
            if response.status_code == 200:
                ids = {item["id"] for item in response.json()["results"]}
                if str(other.row(target).pk) in ids:
                    found.leak(f"autocomplete {source._meta.label}.{name}", f"offers {other.row(target).pk}")


def _ids(response) -> set[str]:
    body = response.json()
    results = body.get("results", body) if isinstance(body, dict) else body
    if not isinstance(results, list):
        return set()
    return {str(item.get("id", item.get("pk"))) for item in results if isinstance(item, dict)}


def check_api(api: APIClient, model, prefix: str, basename: str, mine, other, found: Findings) -> None:
    label = f"API /{prefix}/ ({model._meta.label})"
    listing = api.get(reverse(f"api:{basename}-list"))
    assert listing.status_code < 500, f"{label} list: {listing.status_code}"
    listed = _ids(listing) if listing.status_code == 200 else set()
    for row in forbidden_rows(model, other):
        if str(row.pk) in listed:
            found.leak(f"{label} list", f"lists {row.pk}")
        try:
            detail = api.get(reverse(f"api:{basename}-detail", args=[row.pk]))
        except NoReverseMatch:
            continue
        if detail.status_code == 200:
            found.leak(f"{label} detail", f"shows {row.pk}")
        elif listing.status_code == 200 and detail.status_code not in (404, 405):
            found.leak(f"{label} detail", f"answers {detail.status_code} (not 404) for another site's object")
    for param, target in FILTER_PARAMS.items():
        response = api.get(reverse(f"api:{basename}-list"), {param: str(other.row(target).pk)})
        assert response.status_code < 500, f"{label} ?{param}=: {response.status_code}"
        if response.status_code == 200:
            leaked = _ids(response) & {str(row.pk) for row in forbidden_rows(model, other)}
            if leaked:
                found.leak(f"{label} ?{param}=<other site>", f"lists {sorted(leaked)}")
    own = visible_own_row(model, mine, api.user)
    if own is not None and listing.status_code == 200 and str(own.pk) not in listed:
        found.blind.append(f"{label} does not list the user's own row")


def check_console(client: Client, mine: SiteWorld, other: SiteWorld, found: Findings) -> None:
    other_event, other_media = other.row(Event), other.row(MediaFile)
    export = client.get(reverse("admin:console_events_export"), {"camera": str(other.camera.id)})
    if export.status_code == 200 and str(other_event.id) in b"".join(export.streaming_content).decode():
        found.leak("console events export", f"exports {other_event.id}")
    export = client.get(reverse("admin:console_events_export"))
    if export.status_code == 200:
        body = b"".join(export.streaming_content).decode()
        if str(other_event.id) in body:
            found.leak("console events export", f"exports {other_event.id}")
        if str(mine.row(Event).id) not in body:
            found.blind.append("console events export does not hold the user's own event")
    browser = client.get(reverse("admin:console_events"), {"camera": str(other.camera.id)})
    assert browser.status_code < 500
    if str(other_event.id) in browser.content.decode():
        found.leak("console event browser", f"shows {other_event.id}")
    media = client.get(reverse("admin:console_media", args=[other_media.storage_path]))
    if media.status_code != 404:
        found.leak("console media", f"answers {media.status_code} for {other_media.storage_path}")
    own = client.get(reverse("admin:console_media", args=[mine.row(MediaFile).storage_path]))
    if own.status_code != 200:
        found.blind.append(f"console media answers {own.status_code} for the user's own snapshot")
    cluster = other.row(PersonCluster)
    for name in ("console_cluster_timeline", "console_review_cluster"):
        response = client.get(reverse(f"admin:{name}", args=[cluster.pk]))
        if response.status_code not in (403, 404):
            found.leak(f"console {name}", f"answers {response.status_code} for {cluster.pk}")


@pytest.fixture
def two_sites(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": dict.fromkeys(("anon", "user", "api_key", "ingest", "auth", "media"), "100000/min"),
    }
    extra = auto_built_models()
    return {"A": build_site("A", extra), "B": build_site("B", extra)}


@pytest.mark.parametrize("role", ["operator", "viewer"])
@pytest.mark.parametrize("mine,theirs", [("A", "B"), ("B", "A")])
def test_nothing_of_another_site_through_any_way_in(two_sites, role, mine, theirs):
    me_world, other = two_sites[mine], two_sites[theirs]
    user = me_world.users[role]
    found = Findings()
    client = sign_in(Client(), user)
    client.user = user
    for model in sorted(admin.site._registry, key=lambda m: m._meta.label):
        check_admin(client, model, me_world, other, found)
    check_autocomplete(client, other, found)
    check_console(client, me_world, other, found)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {start_session(user).access_token}")
    api.user = user
    for model, routes in api_models().items():
        for prefix, basename in routes:
            check_api(api, model, prefix, basename, me_world, other, found)
    assert not found.leaks, f"{role} of site {mine} reaches site {theirs}:\n" + "\n".join(found.leaks)
    assert not found.blind, f"checks that cannot fail for {role} of site {mine}:\n" + "\n".join(found.blind)


@pytest.mark.django_db(transaction=True)
def test_websocket_catch_up_and_pushes_stay_on_their_site(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    a, b = build_site("A", auto_built_models()), build_site("B", auto_built_models())
    since = (timezone.now() - dt.timedelta(minutes=5)).isoformat()
    session = sign_in(Client(), a.users["operator"]).cookies["sessionid"].value

    async def scenario():
        from asgiref.sync import sync_to_async

        from orin.asgi import application

        headers = [
            (b"origin", b"http://127.0.0.1"),
            (b"host", b"127.0.0.1"),
            (b"cookie", f"sessionid={session}".encode()),
        ]
        socket = WebsocketCommunicator(application, "/ws/console/", headers=headers)
        assert (await socket.connect())[0]
        assert (await socket.receive_json_from())["type"] == "hello"
        await socket.send_json_to({"type": "catch_up", "since": since})
        answer = await socket.receive_json_from(timeout=10)
        alert_ids = {card["id"] for card in answer.get("alerts", [])}
        assert str(a.row(Alert).id) in alert_ids, "catch-up does not return the site's own alert"
        assert str(b.row(Alert).id) not in alert_ids
        event_ids = {card["id"] for card in answer.get("events", [])}
        assert str(b.row(Event).id) not in event_ids

        from orin import live

        def raise_both():
            for w in (b, a):
                alert = Alert.objects.create(
                    camera=w.camera, alert_type="person_recognized", severity="critical", message=f"new at {w.name}"
                )
                live.publish_alerts([alert.id], "created")
            return alert

        own = await sync_to_async(raise_both)()
        pushed = []
        while not any(m.get("id") == str(own.id) for m in pushed):
            pushed.append(await socket.receive_json_from(timeout=10))
        assert all(m.get("site", {}).get("name") != b.site.name for m in pushed), pushed
        assert await socket.receive_nothing(timeout=0.5)
        await socket.disconnect()

    asyncio.run(scenario())
