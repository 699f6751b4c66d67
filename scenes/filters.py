"""The one FilterSet of scene descriptions, shared by the API list and the console's search."""

from __future__ import annotations

import django_filters
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db.models import F

from accounts.rest.filters import any_of, time_range
from accounts.scoping import restrict
from scenes.models import SEARCH_CONFIG, DescriptionStatus, RequestType, SceneDescription
from surveillance.models import Camera, Site

MAX_QUERY_CHARS = 200


def search_descriptions(queryset, text: str):
    """Full-text match on the GIN-indexed tsvector. websearch syntax ("red jacket" gate -car)
    never raises on odd input, unlike to_tsquery."""
    query = SearchQuery(text, config=SEARCH_CONFIG, search_type="websearch")
    return queryset.filter(search_vector=query).annotate(rank=SearchRank(F("search_vector"), query))


def _visible(model, request):
    """Choices limited to the requester's sites (another site's id is refused with a 400)."""
    user = getattr(request, "user", None)
    return restrict(model.objects.all(), user) if user is not None else model.objects.none()


class SceneDescriptionFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_text",
        max_length=MAX_QUERY_CHARS,
        label="Described as",
        help_text='Full-text search over descriptions, web-search syntax: man "red jacket" gate -car',
    )
    created_at = time_range("created_at")
    camera = django_filters.ModelChoiceFilter(field_name="camera", queryset=lambda r: _visible(Camera, r))
    site = django_filters.ModelChoiceFilter(field_name="camera__dvr__site", queryset=lambda r: _visible(Site, r))
    status = any_of(DescriptionStatus.choices)
    request_type = django_filters.ChoiceFilter(choices=RequestType.choices)
    event = django_filters.UUIDFilter(field_name="event_id")
    alert = django_filters.UUIDFilter(field_name="alert_id")
    incident = django_filters.UUIDFilter(field_name="incident_id")

    class Meta:
        model = SceneDescription
        fields = ["q", "created_at", "camera", "site", "status", "request_type", "event", "alert", "incident"]

    def filter_text(self, queryset, name, value):
        value = (value or "").strip()
        return search_descriptions(queryset, value) if value else queryset
