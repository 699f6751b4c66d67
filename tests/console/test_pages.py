"""Every console page answers for an operator, and shows only their site."""

import pytest
from django.urls import reverse

from tests.console.conftest import login
from tests.factories import EventFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_console_pages_render_for_an_operator(client_a, sites):
    EventFactory(camera=sites["cam_a"])
    for name in ["admin:index", "admin:console_alerts", "admin:console_events", "admin:console_review"]:
        response = client_a.get(reverse(name))
        assert response.status_code == 200, name
        assert b"Gate B" not in response.content, name


def test_superuser_dashboard_renders(client, sites):
    root = UserFactory(username="root", role_name="super_admin", is_superuser=True)
    login(client, root)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert b"Gate B" in response.content and b"Gate A" in response.content
