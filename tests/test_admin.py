"""Every model's admin answers, and the partitioned changelists never count their table."""

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import EventFactory

pytestmark = pytest.mark.django_db

REGISTERED = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


@pytest.mark.parametrize("model,model_admin", REGISTERED, ids=[m._meta.label for m, _ in REGISTERED])
def test_changelist_and_add_page(admin_client, model, model_admin):
    opts = model._meta
    response = admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    assert response.status_code == 200
    response = admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
    # Rows only the system writes (logs, views, embeddings) have no add page on purpose.
    request = response.wsgi_request
    expected = 200 if model_admin.has_add_permission(request) else 403
    assert response.status_code == expected


def test_events_changelist_never_counts_the_partitioned_table(admin_client):
    EventFactory.create_batch(3)
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(reverse("admin:surveillance_event_changelist"))
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 3
    event_queries = [q["sql"].lower() for q in queries if '"events"' in q["sql"]]
    assert event_queries, "the changelist did not query events at all"
    assert not [q for q in event_queries if "count(" in q], event_queries
    # Every query on events is bounded in time, so PostgreSQL prunes partitions.
    listing = [q for q in event_queries if q.startswith("select") and "explain" not in q]
    assert all('"events"."timestamp" >=' in q for q in listing), listing


def test_events_changelist_time_filter_prunes_partitions(admin_client):
    event = EventFactory()
    response = admin_client.get(reverse("admin:surveillance_event_changelist") + "?range=1h")
    assert response.status_code == 200
    assert str(event.id) in response.content.decode()


def test_event_change_view(admin_client):
    event = EventFactory()
    response = admin_client.get(reverse("admin:surveillance_event_change", args=[event.id]))
    assert response.status_code == 200
