"""Console screens of incidents: the list (the API's FilterSet), the incident page (timeline
pushed live, evidence gallery, SOP checklist, actions), "open incident from the selected alerts"
of the alert queue, and the printable report. Thin views over incidents.services."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts import policy
from accounts.models import User
from accounts.services.audit import record_access
from incidents.filters import IncidentFilter
from incidents.models import PRIORITY_LABELS, Incident, IncidentEvidence, IncidentStatus
from incidents.services import actions, evidence, report
from incidents.services.actions import IncidentError
from surveillance.models import Camera
from surveillance.services.localtime import local_time

LIST_LIMIT = 200


def _visible(request, action: str = "read"):
    if not policy.can(request.user, "incidents", action):
        raise PermissionDenied
    return Incident.objects.restrict(request.user, action)


def _incident(request, incident_id) -> Incident:
    incident = _visible(request).select_related("site", "camera", "assigned_to", "reported_by", "incident_type")
    found = incident.filter(pk=incident_id).first()
    if found is None:
        raise Http404("No such incident.")
    return found


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def incident_list_view(request):
    base = _visible(request).select_related("site", "assigned_to", "incident_type")
    filterset = IncidentFilter(request.GET or None, queryset=base, request=request)
    rows = filterset.qs[:LIST_LIMIT] if filterset.is_valid() else base.none()
    context = {
        **admin.site.each_context(request),
        "title": "Incidents",
        "filter": filterset,
        "incidents": [(i, local_time(i.created_at, i.site.timezone)) for i in rows],
        "limit": LIST_LIMIT,
        "priority_labels": PRIORITY_LABELS,
    }
    return TemplateResponse(request, "admin/console/incidents.html", context)


def _assignees(incident: Incident) -> list:
    users = User.objects.filter(is_active=True, is_staff=True).order_by("username")
    return [u for u in users if actions.sees_site(u, incident.site_id) and policy.can(u, "incidents", "read")]


def _cameras_involved(incident: Incident) -> list:
    ids = {incident.camera_id} | set(incident.alerts.values_list("camera_id", flat=True))
    ids |= set(incident.evidence.values_list("camera_id", flat=True))
    return list(Camera.objects.filter(id__in=ids - {None}).select_related("dvr__site").order_by("name"))


def incident_view(request, incident_id):
    incident = _incident(request, incident_id)
    tz = incident.site.timezone
    timeline = [(m, local_time(m.created_at, tz)) for m in incident.messages.select_related("author")]
    steps = [(s, local_time(s.done_at, tz)) for s in incident.sop_steps.select_related("done_by")]
    user = request.user
    context = {
        **admin.site.each_context(request),
        "title": f"{incident.number} {incident.title}",
        "incident": incident,
        "priority_label": PRIORITY_LABELS.get(incident.priority),
        "created_local": local_time(incident.created_at, tz),
        "ack_due_local": local_time(incident.acknowledge_due_at, tz),
        "resolve_due_local": local_time(incident.resolve_due_at, tz),
        "overdue": incident.overdue(),
        "timeline": timeline,
        "steps": steps,
        "evidence": list(incident.evidence.select_related("camera", "added_by")),
        "alerts": list(incident.alerts.select_related("camera").order_by("created_at")),
        "cameras": _cameras_involved(incident),
        "next_statuses": [IncidentStatus(s) for s in sorted(actions.ALLOWED[incident.status])],
        "assignees": _assignees(incident) if policy.can(user, "incidents", "assign") else [],
        "can_write": policy.can(user, "incidents", "write"),
        "ws_path": f"/ws/incidents/{incident.pk}/",
    }
    return TemplateResponse(request, "admin/console/incident.html", context)


class ActForm(forms.Form):
    action = forms.ChoiceField(
        choices=[(a, a) for a in ("comment", "status", "assign", "sop", "alerts", "event", "evidence")]
    )
    body = forms.CharField(required=False, max_length=5000)
    status = forms.ChoiceField(required=False, choices=[("", ""), *IncidentStatus.choices])
    note = forms.CharField(required=False, max_length=5000)
    assignee = forms.ModelChoiceField(queryset=User.objects.filter(is_active=True), required=False)
    step = forms.UUIDField(required=False)
    done = forms.BooleanField(required=False)
    ids = forms.CharField(required=False, max_length=20000)
    file = forms.FileField(required=False)
    caption = forms.CharField(required=False, max_length=300)


def _ids(raw: str) -> list:
    field = forms.UUIDField()
    try:
        return [field.clean(part.strip()) for part in raw.replace("\n", ",").split(",") if part.strip()]
    except forms.ValidationError as exc:
        raise IncidentError("alert ids must be UUIDs") from exc


def _act(incident: Incident, user, data: dict, files) -> str:
    action = data["action"]
    if action == "comment":
        actions.add_comment(incident, user, data["body"])
        return "Comment added."
    if action == "status":
        if not data["status"]:
            raise IncidentError("choose a status")
        actions.change_status(incident, data["status"], user, data["note"], data["assignee"])
        return f"Now {IncidentStatus(data['status']).label.lower()}."
    if action == "assign":
        if data["assignee"] is None:
            raise IncidentError("choose whom to assign it to")
        actions.assign_incident(incident, data["assignee"], user, data["note"])
        return f"Assigned to {data['assignee'].get_username()}."
    if action == "sop":
        actions.tick_sop_step(incident, data["step"], user, data["done"])
        return "Checklist updated."
    if action == "alerts":
        ids = _ids(data["ids"])
        if not ids:
            raise IncidentError("give at least one alert id")
        actions.attach_alerts(incident, ids, user)
        return f"{len(ids)} alert(s) attached."
    if action == "event":
        ids = _ids(data["ids"])
        if len(ids) != 1:
            raise IncidentError("give one event id")
        evidence.attach_event(incident, ids[0], user, data["caption"])
        return "Event attached."
    upload = files.get("file")
    if upload is None:
        raise IncidentError("choose a file to attach")
    evidence.attach_upload(incident, upload, user, data["caption"])
    return "Evidence attached."


@require_POST
def incident_act_view(request, incident_id):
    incident = _incident(request, incident_id)
    form = ActForm(request.POST, request.FILES)
    try:
        if not form.is_valid():
            raise IncidentError("; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
        done = _act(incident, request.user, form.cleaned_data, request.FILES)
    except IncidentError as exc:
        if _wants_json(request):
            return JsonResponse({"error": str(exc), "code": exc.code}, status=409 if exc.code == "conflict" else 400)
        messages.error(request, str(exc))
    else:
        if _wants_json(request):
            return JsonResponse({"ok": True, "message": done})
        messages.success(request, done)
    return redirect("admin:console_incident", incident_id=incident.pk)


class FromAlertsForm(forms.Form):
    ids = forms.CharField(max_length=20000)
    title = forms.CharField(required=False, max_length=200)
    incident = forms.CharField(required=False, max_length=40, help_text="Number of an open incident to add them to")
    multi_site = forms.BooleanField(required=False)


@require_POST
def incident_from_alerts_view(request):
    """The alert queue's "open incident" (o): a new incident from the selected alerts, or the
    alerts added to an existing one by its number. Answers JSON with the incident's page."""
    form = FromAlertsForm(request.POST)
    try:
        if not form.is_valid():
            raise IncidentError("; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
        data = form.cleaned_data
        ids = _ids(data["ids"])
        if not ids:
            raise IncidentError("select at least one alert")
        number = data["incident"].strip().upper()
        if number:
            incident = _visible(request, "write").filter(number=number).first()
            if incident is None:
                raise IncidentError(f"no incident {number} of yours")
            actions.attach_alerts(incident, ids, request.user)
        else:
            title = data["title"].strip() or _default_title(request.user, ids)
            incident = actions.open_incident(
                user=request.user, title=title, alert_ids=ids, multi_site=data["multi_site"]
            )
    except IncidentError as exc:
        return JsonResponse({"error": str(exc), "code": exc.code}, status=409 if exc.code == "conflict" else 400)
    url = reverse("admin:console_incident", kwargs={"incident_id": incident.pk})
    return JsonResponse({"id": str(incident.pk), "number": incident.number, "url": url, "alerts": len(ids)})


def _default_title(user, ids) -> str:
    from alerts.models import Alert

    first = Alert.objects.restrict(user).filter(id__in=ids).select_related("camera").order_by("created_at").first()
    if first is None:
        return "Incident"
    more = f" (+{len(ids) - 1} more)" if len(ids) > 1 else ""
    return f"{first.alert_type.replace('_', ' ').capitalize()} at {first.camera.name}{more}"


def incident_report_view(request, incident_id):
    """Print-ready HTML (images embedded, so the saved page is complete); ?format=pdf for a PDF."""
    incident = _incident(request, incident_id)
    built = report.build(incident, request.user)
    record_access(request.user, "incident_report", "incident", incident.pk, request=request)
    if request.GET.get("format") == "pdf":
        response = HttpResponse(report.render_pdf(built), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{incident.number}.pdf"'
        return response
    return TemplateResponse(request, "admin/console/incident_report.html", {"report": built, "incident": incident})


def evidence_file_view(request, incident_id, evidence_id):
    incident = _incident(request, incident_id)
    item = IncidentEvidence.objects.filter(incident=incident, pk=evidence_id).first()
    data = evidence.read_evidence(item) if item else None
    if data is None:
        raise Http404("No such evidence file.")
    record_access(request.user, "media_download", "incident_evidence", item.pk, request=request)
    response = HttpResponse(data, content_type=item.content_type or "application/octet-stream")
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
