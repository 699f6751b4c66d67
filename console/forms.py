"""Filter forms of the console's event screens: every choice list is limited to what the user
may see, and every search gets a bounded time range (bad input → form errors, never a 500)."""

from __future__ import annotations

import uuid

from django import forms
from django.utils.dateparse import parse_datetime

from faces.models import Person, PersonCluster
from orin.filters import TimeRangeMixin, visible_choices
from surveillance.models import Camera, EventType, Site
from surveillance.services.sightings import MAX_BROWSE_RANGE, RangeError, check_range, event_query


class EventFilterForm(TimeRangeMixin):
    site = forms.ModelChoiceField(queryset=Site.objects.none(), required=False, empty_label="All my sites")
    camera = forms.ModelChoiceField(queryset=Camera.objects.none(), required=False, empty_label="All cameras")
    event_type = forms.ChoiceField(required=False, choices=[("", "All types"), *EventType.choices])
    person = forms.UUIDField(required=False, widget=forms.HiddenInput)
    cluster = forms.CharField(
        required=False, max_length=60, widget=forms.TextInput(attrs={"placeholder": "Unknown-00042"})
    )
    reviewed = forms.ChoiceField(
        required=False, choices=[("", "Reviewed or not"), ("no", "Not reviewed"), ("yes", "Reviewed")]
    )
    before = forms.CharField(required=False, widget=forms.HiddenInput)

    longest = MAX_BROWSE_RANGE

    def __init__(self, data, *, user, **kwargs):
        super().__init__(data, **kwargs)
        self.user = user
        self.setup_range()
        self.fields["site"].queryset = visible_choices(Site, user)
        self.fields["camera"].queryset = visible_choices(Camera, user).select_related("dvr__site")
        self.fields["camera"].label_from_instance = lambda camera: f"{camera.dvr.site.name} · {camera.name}"

    def clean_person(self):
        person_id = self.cleaned_data.get("person")
        if person_id and not Person.objects.filter(pk=person_id).restrict(self.user).exists():
            raise forms.ValidationError("No such person.")
        return person_id

    def clean_cluster(self):
        value = (self.cleaned_data.get("cluster") or "").strip()
        if not value:
            return None
        try:
            lookup = {"pk": uuid.UUID(value)}
        except ValueError:
            lookup = {"cluster_label__iexact": value}
        cluster = PersonCluster.objects.filter(**lookup).restrict(self.user).first()
        if cluster is None:
            raise forms.ValidationError(f"No unknown-face cluster {value!r} among your sites.")
        return cluster

    def clean_before(self):
        value = self.cleaned_data.get("before") or ""
        if not value:
            return None
        at, _, event_id = value.partition("|")
        timestamp = parse_datetime(at)
        try:
            return (timestamp, uuid.UUID(event_id)) if timestamp else None
        except ValueError:
            return None

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        since, until = self.time_window()
        cluster = cleaned.get("cluster")
        reviewed = {"yes": True, "no": False}.get(cleaned.get("reviewed") or "")
        self.query = event_query(
            since,
            until,
            site=cleaned["site"].pk if cleaned.get("site") else None,
            camera=cleaned["camera"].pk if cleaned.get("camera") else None,
            event_type=cleaned.get("event_type") or None,
            person=cleaned.get("person"),
            clusters=[cluster.pk] if cluster else (),
            reviewed=reviewed,
        )
        try:
            check_range(since, until, self.longest)
        except RangeError as exc:
            raise forms.ValidationError({"until": str(exc)}) from exc
        return cleaned


class TimelineForm(TimeRangeMixin):
    range_keys = ("7d", "30d", "90d", "365d", "custom")
    default_range = "30d"

    def __init__(self, data, **kwargs):
        super().__init__(data, **kwargs)
        self.setup_range()
