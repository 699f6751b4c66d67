"""The alert queue screen: severity-ordered active alerts with their snapshot, filters, and
acknowledge / resolve / ignore (one or many, with a note). Thin views over
`alerts.services.queue`."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts import policy
from alerts.models import AlertStatus
from alerts.services import queue
from orin.filters import TimeRangeMixin, visible_choices
from surveillance.models import Camera, Severity, Site

QUEUE_LIMIT = 200
STATUS_CHOICES = {
    "": ("Open (pending, sent, acknowledged)", queue.ACTIVE_STATUSES),
    "new": ("New (pending or sent)", (AlertStatus.PENDING, AlertStatus.SENT)),
    "acknowledged": ("Acknowledged", (AlertStatus.ACKNOWLEDGED,)),
    "closed": ("Closed (resolved or ignored)", (AlertStatus.RESOLVED, AlertStatus.IGNORED)),
}


class AlertFilterForm(TimeRangeMixin):
    site = forms.ModelChoiceField(queryset=Site.objects.none(), required=False, empty_label="All my sites")
    camera = forms.ModelChoiceField(queryset=Camera.objects.none(), required=False, empty_label="All cameras")
    severity = forms.ChoiceField(required=False, choices=[("", "Any severity"), *Severity.choices])
    status = forms.ChoiceField(required=False, choices=[(key, label) for key, (label, _) in STATUS_CHOICES.items()])

    range_keys = ("1h", "24h", "7d", "30d", "custom")
    default_range = "any"

    def __init__(self, data, *, user, **kwargs):
        super().__init__(data, **kwargs)
        self.setup_range()
        self.fields["range"].choices = [("any", "Any time"), *self.fields["range"].choices]
        self.fields["site"].queryset = visible_choices(Site, user)
        self.fields["camera"].queryset = visible_choices(Camera, user).select_related("dvr__site")
        self.fields["camera"].label_from_instance = lambda camera: f"{camera.dvr.site.name} · {camera.name}"

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        since = until = None
        if (cleaned.get("range") or "any") != "any":
            since, until = self.time_window()
            if until <= since:
                raise forms.ValidationError({"until": "The end of the time range must be after its start."})
        self.filter = queue.AlertFilter(
            site_id=cleaned["site"].pk if cleaned.get("site") else None,
            camera_id=cleaned["camera"].pk if cleaned.get("camera") else None,
            severity=cleaned.get("severity") or None,
            statuses=STATUS_CHOICES[cleaned.get("status") or ""][1],
            since=since,
            until=until,
        )
        return cleaned


def _queue(request):
    if not policy.can(request.user, "alerts", "read"):
        raise PermissionDenied
    form = AlertFilterForm(request.GET, user=request.user)
    if not form.is_valid():
        return form, [], {}
    with_media = policy.can(request.user, "media", "read")
    cards = queue.alert_cards(queue.alert_queue(request.user, form.filter)[:QUEUE_LIMIT], with_media=with_media)
    return form, cards, queue.open_counts(request.user, form.filter)


def alert_queue_view(request):
    form, cards, counts = _queue(request)
    context = {
        **admin.site.each_context(request),
        "title": "Alert queue",
        "form": form,
        "cards": cards,
        "counts": counts,
        "limit": QUEUE_LIMIT,
        "can_handle": queue.can_handle_alerts(request.user),
        "can_open_incident": policy.can(request.user, "incidents", "write"),
        "live_filter": {
            "site": form.data.get("site") or "",
            "camera": form.data.get("camera") or "",
            "severity": form.data.get("severity") or "",
            "status": form.data.get("status") or "",
        },
    }
    return TemplateResponse(request, "admin/console/alerts.html", context)


def alert_queue_json(request):
    form, cards, counts = _queue(request)
    if form.errors:
        return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
    return JsonResponse({"alerts": cards, "counts": counts})


class HandleForm(forms.Form):
    action = forms.ChoiceField(choices=[(a, a) for a in queue.ACTIONS])
    note = forms.CharField(required=False, max_length=1000)
    ids = forms.CharField(help_text="Alert ids, comma separated")

    def clean_ids(self):
        raw = [part.strip() for part in self.cleaned_data["ids"].split(",") if part.strip()]
        field = forms.UUIDField()
        try:
            ids = [field.clean(part) for part in raw]
        except forms.ValidationError as exc:
            raise forms.ValidationError("Alert ids must be UUIDs.") from exc
        if not ids:
            raise forms.ValidationError("Select at least one alert.")
        if len(ids) > queue.MAX_BULK:
            raise forms.ValidationError(f"At most {queue.MAX_BULK} alerts at a time.")
        return ids


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@require_POST
def handle_alerts_view(request):
    form = HandleForm(request.POST)
    if not form.is_valid():
        if _wants_json(request):
            return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
        messages.error(request, "; ".join(error for errors in form.errors.values() for error in errors))
        return _back(request)
    action, note = form.cleaned_data["action"], form.cleaned_data["note"]
    result = queue.handle_alerts(request.user, form.cleaned_data["ids"], action, note)
    done_ids = [str(alert.id) for alert in result.done]
    refused = [{"id": str(alert.id), "reason": reason} for alert, reason in result.refused]
    if _wants_json(request):
        cards = queue.alert_cards(
            queue.alert_queue(request.user, queue.AlertFilter(statuses=tuple(AlertStatus.values))).filter(
                id__in=done_ids
            )
        )
        return JsonResponse({"done": done_ids, "alerts": cards, "refused": refused, "missing": result.missing})
    past = {"acknowledge": "acknowledged", "resolve": "resolved", "ignore": "ignored"}[action]
    if done_ids:
        messages.success(request, f"{len(done_ids)} alert(s) {past}.")
    for item in refused:
        messages.warning(request, f"Alert {item['id'][:8]}: {item['reason']}.")
    if result.missing:
        messages.warning(request, f"{result.missing} alert(s) not found.")
    return _back(request)


def _back(request):
    target = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "admin:console_alerts"
    return redirect(target)
