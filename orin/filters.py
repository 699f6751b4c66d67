"""Filter building blocks shared by the console's lists: preset and custom time ranges, and
choice lists limited to what the user may see."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from accounts.scoping import restrict

RANGES = {
    "1h": ("Last hour", dt.timedelta(hours=1)),
    "24h": ("Last 24 hours", dt.timedelta(days=1)),
    "7d": ("Last 7 days", dt.timedelta(days=7)),
    "30d": ("Last 30 days", dt.timedelta(days=30)),
    "90d": ("Last 90 days", dt.timedelta(days=90)),
    "365d": ("Last 12 months", dt.timedelta(days=365)),
    "custom": ("Custom…", None),
}
DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class TimeRangeMixin(forms.Form):
    range = forms.ChoiceField(required=False, initial="24h")
    since = forms.DateTimeField(required=False, widget=DATETIME_INPUT, input_formats=["%Y-%m-%dT%H:%M"])
    until = forms.DateTimeField(required=False, widget=DATETIME_INPUT, input_formats=["%Y-%m-%dT%H:%M"])

    range_keys: tuple[str, ...] = ("1h", "24h", "7d", "30d", "90d", "custom")
    default_range = "24h"

    def __init__(self, data=None, *args, **kwargs):
        # The default range is part of the submitted data, so the page shows what was searched.
        if data is not None and not data.get("range"):
            data = data.copy()
            data["range"] = self.default_range
        super().__init__(data, *args, **kwargs)

    def setup_range(self) -> None:
        self.fields["range"].choices = [(key, RANGES[key][0]) for key in self.range_keys]
        self.fields["range"].initial = self.default_range

    def time_window(self) -> tuple[dt.datetime, dt.datetime]:
        now = timezone.now()
        key = self.cleaned_data.get("range") or self.default_range
        if key != "custom":
            return now - RANGES[key][1], now
        since, until = self.cleaned_data.get("since"), self.cleaned_data.get("until")
        if since is None:
            raise forms.ValidationError({"since": "Give the start of the custom time range."})
        return since, until or now


def visible_choices(model, user):
    return restrict(model.objects.all(), user)
