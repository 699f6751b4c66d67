"""The admin's audit views: read-only, filterable, and each audited object's History link."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.services.audit import record_access
from surveillance.models import Site
from tests.conftest import sign_in
from tests.factories import SiteFactory, UserFactory

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:accounts_auditlog_changelist")


def listed(response) -> list:
    return list(response.context["cl"].result_list)


def test_history_button_shows_that_objects_audit_trail(admin_client):
    site, other = SiteFactory(name="Quay"), SiteFactory(name="Yard")
    Site.objects.filter(pk=site.pk).update(name="Quay 2")
    history = admin_client.get(reverse("admin:surveillance_site_history", args=[site.pk]))
    assert history.status_code == 302 and history.url.startswith(CHANGELIST)
    page = admin_client.get(history.url)
    assert page.status_code == 200
    rows = listed(page)
    assert {r.action for r in rows} == {"site_create", "site_update"}
    assert {r.resource_id for r in rows} == {site.pk} and str(other.pk) not in page.content.decode()


def test_changelist_filters_and_is_read_only(admin_client):
    user = UserFactory(username="reader")
    record_access(user, "media_download", "media_file")
    SiteFactory()
    reads = listed(admin_client.get(CHANGELIST, {"operation": "read"}))
    assert [r.action for r in reads] == ["media_download"]
    creates = listed(admin_client.get(CHANGELIST, {"operation": "create", "resource_type": "site"}))
    assert [r.action for r in creates] == ["site_create"]
    assert admin_client.get(CHANGELIST, {"q": "not-a-uuid"}).status_code == 200

    row = reads[0]
    detail = admin_client.get(reverse("admin:accounts_auditlog_change", args=[row.pk]))
    assert detail.status_code == 200 and b"Save" not in detail.content
    assert admin_client.post(reverse("admin:accounts_auditlog_delete", args=[row.pk])).status_code == 403
    assert admin_client.get(reverse("admin:accounts_auditlog_add")).status_code == 403


def test_operators_cannot_read_the_audit_trail(client):
    sign_in(client, UserFactory(role_name="operator"))
    assert client.get(CHANGELIST).status_code == 403
