"""Face review screens: the unknown-cluster queue (grids of crops), a cluster's page, a person's
page (gallery, labels, aliases, watchlists, recent recognitions), and the review actions. The
views only resolve what the reviewer may see and call `faces.services.review` /
`faces.services.review_queue`; every action writes review_actions there."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts import policy
from accounts.services.audit import record_access
from faces.models import FaceEmbedding, MatchSuggestion, Person, PersonCluster, SuggestionStatus
from faces.services import rematch, review, review_queue
from surveillance.models import Event
from surveillance.services.media_access import media_url
from surveillance.services.sightings import event_card

CLUSTERS_PER_PAGE = 24
CROP_WIDTH = 160
SUGGESTIONS_SHOWN = 20


def _require_read(user) -> None:
    if not policy.can(user, "persons", "read"):
        raise PermissionDenied


def _face(face: FaceEmbedding, score: float | None = None) -> dict:
    return {
        "id": str(face.pk),
        "url": media_url(face.source_image_path, CROP_WIDTH) if face.source_image_path else None,
        "quality": float(face.face_quality),
        "score": score,
        "outlier": score is not None and score > review.OUTLIER_DISTANCE,
    }


def _allowed_actions(user) -> list[str]:
    return [action for action, (need, _) in ACTIONS.items() if policy.can(user, "persons", need)]


def review_queue_view(request):
    _require_read(request.user)
    search = request.GET.get("q", "").strip()[:50]
    try:
        page = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page = 1
    clusters, more = review_queue.review_clusters(
        request.user, search=search, offset=(page - 1) * CLUSTERS_PER_PAGE, limit=CLUSTERS_PER_PAGE
    )
    cards = review_queue.cluster_cards(request.user, clusters)
    context = {
        **admin.site.each_context(request),
        "title": "Face review",
        "cards": [{"card": card, "faces": [_face(face) for face in card.faces]} for card in cards],
        "search": search,
        "page": page,
        "more": more,
        "allowed": _allowed_actions(request.user),
        "suggestions": [
            {
                "suggestion": s,
                "face": _face(s.cluster.representative_embedding) if s.cluster.representative_embedding else None,
            }
            for s in MatchSuggestion.objects.restrict(request.user)
            .filter(status=SuggestionStatus.PENDING)
            .select_related("cluster__representative_embedding", "person")[:SUGGESTIONS_SHOWN]
        ],
    }
    return TemplateResponse(request, "admin/console/review_queue.html", context)


def review_cluster_view(request, cluster_id):
    _require_read(request.user)
    cluster = get_object_or_404(PersonCluster.objects.all().restrict(request.user), pk=cluster_id)
    faces = list(FaceEmbedding.objects.filter(cluster=cluster).restrict(request.user).order_by("-face_quality")[:300])
    scores = review.outlier_score(None, faces) if len(faces) >= 3 else [None] * len(faces)
    [card] = review_queue.cluster_cards(request.user, [cluster], crops=0)
    context = {
        **admin.site.each_context(request),
        "title": f"Unknown face {cluster.cluster_label}",
        "cluster": cluster,
        "card": card,
        "faces": [_face(face, score) for face, score in zip(faces, scores)],
        "allowed": _allowed_actions(request.user),
    }
    return TemplateResponse(request, "admin/console/review_cluster.html", context)


def review_person_view(request, person_id):
    _require_read(request.user)
    person = get_object_or_404(Person.objects.all().restrict(request.user), pk=person_id)
    record_access(request.user, "gallery_view", "person", person.pk, request=request)
    gallery = review_queue.person_gallery(request.user, person)
    recognitions = review_queue.recent_recognitions(request.user, person)
    with_media = policy.can(request.user, "media", "read")
    context = {
        **admin.site.each_context(request),
        "title": str(person),
        "person": person,
        "faces": [_face(face, score) for face, score in gallery],
        "outliers": sum(1 for _, score in gallery if score > review.OUTLIER_DISTANCE),
        "labels": list(person.labels.all()),
        "aliases": list(person.aliases.all()),
        "watchlists": list(person.watchlist_entries.select_related("watchlist")),
        "recognitions": [
            {**event_card(event, with_media=with_media), "ts_key": event.timestamp.isoformat()}
            for event in recognitions
        ],
        "allowed": _allowed_actions(request.user),
        "change_url": reverse("admin:faces_person_change", args=[person.pk])
        if policy.can(request.user, "persons", "write")
        else None,
    }
    return TemplateResponse(request, "admin/console/review_person.html", context)


def person_search(request):
    """Autocomplete for "name as an existing person"."""
    _require_read(request.user)
    query = request.GET.get("q", "").strip()[:100]
    persons = Person.objects.exclude(name=None).restrict(request.user)
    if query:
        persons = persons.filter(name__icontains=query) | persons.filter(aliases__alias_name__icontains=query)
    rows = persons.distinct().order_by("name").values("id", "name", "status")[:20]
    return JsonResponse({"results": [{**row, "id": str(row["id"])} for row in rows]})


class ReviewForm(forms.Form):
    action = forms.ChoiceField(choices=lambda: [(a, a) for a in ACTIONS])
    clusters = forms.CharField(required=False)
    faces = forms.CharField(required=False)
    person = forms.UUIDField(required=False)
    new_person_name = forms.CharField(required=False, max_length=200)
    event = forms.UUIDField(required=False)
    event_time = forms.DateTimeField(required=False)
    suggestion = forms.UUIDField(required=False)
    notes = forms.CharField(required=False, max_length=1000)
    outliers = forms.ChoiceField(
        required=False, choices=[("", "warn"), ("include", "include them"), ("exclude", "leave them out")]
    )

    @staticmethod
    def _ids(value: str) -> list:
        field = forms.UUIDField()
        try:
            return [field.clean(part.strip()) for part in (value or "").split(",") if part.strip()]
        except forms.ValidationError as exc:
            raise forms.ValidationError("Selections must be ids.") from exc

    def clean_clusters(self):
        return self._ids(self.cleaned_data.get("clusters"))

    def clean_faces(self):
        return self._ids(self.cleaned_data.get("faces"))

    def clean_new_person_name(self):
        return (self.cleaned_data.get("new_person_name") or "").strip()


class Refusal(Exception):
    """The action cannot run as asked; the message is for the reviewer."""


class OutlierWarning(Exception):
    def __init__(self, person_label: str, flagged):
        super().__init__(f"{len(flagged)} selected face(s) look far from {person_label}'s other faces")
        self.flagged = flagged


def _resolve(request, data) -> dict:
    user = request.user
    found = {}
    if data["clusters"]:
        clusters = list(PersonCluster.objects.filter(pk__in=data["clusters"]).restrict(user))
        if len(clusters) != len(set(data["clusters"])):
            raise Refusal("Some selected clusters are not among your sites' clusters.")
        order = {pk: i for i, pk in enumerate(data["clusters"])}
        found["clusters"] = sorted(clusters, key=lambda c: order[c.pk])
    if data["faces"]:
        faces = list(FaceEmbedding.objects.filter(pk__in=data["faces"]).restrict(user))
        if len(faces) != len(set(data["faces"])):
            raise Refusal("Some selected faces are not visible to you.")
        found["faces"] = faces
    if data["person"]:
        found["person"] = get_object_or_404(Person.objects.all().restrict(user), pk=data["person"])
    if data["event"]:
        events = Event.objects.filter(pk=data["event"])
        if data["event_time"]:
            events = events.filter(timestamp=data["event_time"])
        found["event"] = get_object_or_404(events.restrict(user))
    if data["suggestion"]:
        found["suggestion"] = get_object_or_404(MatchSuggestion.objects.all().restrict(user), pk=data["suggestion"])
    return found


def _guard(person, faces, label: str, choice: str) -> list:
    """Faces to leave out, or OutlierWarning when the reviewer has not chosen yet."""
    flagged = review_queue.outlier_warning(person, faces)
    if person is None and len(faces) >= 3:
        scores = review.outlier_score(None, faces)
        flagged = [(f, s) for f, s in zip(faces, scores) if s > review.OUTLIER_DISTANCE]
    if not flagged or choice == "include":
        return []
    if choice == "exclude":
        return [face for face, _ in flagged]
    raise OutlierWarning(label, flagged)


def _target_person(request, found, data, *, create: bool) -> tuple[Person | None, str]:
    person = found.get("person")
    if person is None and not data["new_person_name"]:
        raise Refusal("Choose an existing person or type a new person's name.")
    if person is not None:
        return person, str(person)
    name = data["new_person_name"]
    if not create:
        return None, name
    return Person.objects.create(name=name, status="known", created_by=request.user), name


def _name(request, data: dict, found: dict) -> str:
    user, clusters = request.user, found.get("clusters", [])
    if not clusters:
        raise Refusal("Select the clusters to name.")
    all_faces = list(FaceEmbedding.objects.filter(cluster__in=clusters))
    person, label = _target_person(request, found, data, create=False)
    leave_out = _guard(person, all_faces, label, data["outliers"])
    with transaction.atomic():
        if leave_out:
            review.move_out(leave_out, user, notes="left out when the cluster was named")
        if person is None:
            person, _ = _target_person(request, found, data, create=True)
        for cluster in clusters:
            review.name_cluster(cluster, person=person, reviewer=user, exclude_outliers=data["outliers"] != "include")
    held = f" {len(leave_out)} outlier face(s) went back to the queue." if leave_out else ""
    return f"{len(clusters)} cluster(s) named {person}.{held}"


def _move(request, data: dict, found: dict) -> str:
    faces = found.get("faces", [])
    if not faces:
        raise Refusal("Select the faces to move.")
    person, label = _target_person(request, found, data, create=False)
    leave_out = {f.pk for f in _guard(person, faces, label, data["outliers"])}
    moving = [f for f in faces if f.pk not in leave_out]
    with transaction.atomic():
        if person is None:
            person, _ = _target_person(request, found, data, create=True)
        count = review.move_embeddings(moving, to_person=person, reviewer=request.user, notes=data["notes"])
    return f"{count} face(s) moved to {person}." + (f" {len(leave_out)} outlier(s) left out." if leave_out else "")


def _move_out(request, data: dict, found: dict) -> str:
    faces = found.get("faces", [])
    if not faces:
        raise Refusal("Select the faces to move out.")
    cluster = review.move_out(faces, request.user, notes=data["notes"])
    return f"{len(faces)} face(s) moved out to {cluster}."


def _merge(request, data: dict, found: dict) -> str:
    clusters = found.get("clusters", [])
    if len(clusters) < 2:
        raise Refusal("Select at least two clusters to merge (the first one selected is kept).")
    target = review.merge_clusters(clusters[0], clusters[1:], request.user)
    return f"{len(clusters) - 1} cluster(s) merged into {target}."


def _reject(request, data: dict, found: dict) -> str:
    clusters = found.get("clusters", [])
    if not clusters:
        raise Refusal("Select the clusters to reject.")
    for cluster in clusters:
        review.reject_cluster(cluster, request.user, notes=data["notes"])
    return f"{len(clusters)} cluster(s) rejected as not a face / false positive."


def _delete_clusters(request, data: dict, found: dict) -> str:
    clusters = found.get("clusters", [])
    if not clusters:
        raise Refusal("Select the clusters to delete.")
    with transaction.atomic():
        count = sum(review.delete_cluster(cluster, request.user, notes=data["notes"]) for cluster in clusters)
    return f"{len(clusters)} cluster(s) and {count} face(s) deleted."


def _delete_faces(request, data: dict, found: dict) -> str:
    faces = found.get("faces", [])
    if not faces:
        raise Refusal("Select the faces to delete.")
    return f"{review.delete_faces(faces, request.user, notes=data['notes'])} face(s) deleted."


def _event(found: dict) -> Event:
    event = found.get("event")
    if event is None:
        raise Refusal("Which recognition?")
    return event


def _confirm(request, data: dict, found: dict) -> str:
    event = _event(found)
    review.confirm_recognition(event, request.user)
    return f"Confirmed: {event.person}."


def _not_this_person(request, data: dict, found: dict) -> str:
    review.reject_recognition(_event(found), request.user, notes=data["notes"])
    return "Marked as not this person; the same face will not be matched to them again."


def _suggestion(found: dict) -> MatchSuggestion:
    suggestion = found.get("suggestion")
    if suggestion is None:
        raise Refusal("Which suggestion?")
    return suggestion


def _accept_suggestion(request, data: dict, found: dict) -> str:
    suggestion = rematch.accept(_suggestion(found), request.user)
    return f"{suggestion.cluster} named {suggestion.person}."


def _reject_suggestion(request, data: dict, found: dict) -> str:
    suggestion = rematch.reject(_suggestion(found), request.user)
    return f"Noted: {suggestion.cluster} is not {suggestion.person}; they will not be matched again."


# Review action → (the permission-matrix action on "persons" it needs, its handler).
ACTIONS = {
    "name": ("write", _name),
    "move": ("write", _move),
    "move_out": ("write", _move_out),
    "reject": ("write", _reject),
    "confirm": ("write", _confirm),
    "not_this_person": ("write", _not_this_person),
    "merge": ("merge", _merge),
    "delete_clusters": ("delete", _delete_clusters),
    "delete_faces": ("delete", _delete_faces),
    "accept_suggestion": ("write", _accept_suggestion),
    "reject_suggestion": ("write", _reject_suggestion),
}


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _answer(request, status: int, body: dict):
    if _wants_json(request):
        return JsonResponse(body, status=status)
    if status == 200:
        messages.success(request, body["message"])
    else:
        messages.error(request, body.get("message") or "The review action was not valid.")
    target = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("admin:console_review")
    return redirect(target)


@require_POST
def review_act(request):
    form = ReviewForm(request.POST)
    if not form.is_valid():
        return _answer(request, 400, {"errors": form.errors.get_json_data(), "message": "Invalid review request."})
    data = form.cleaned_data
    need, handler = ACTIONS[data["action"]]
    if not policy.can(request.user, "persons", need):
        raise PermissionDenied
    try:
        message = handler(request, data, _resolve(request, data))
    except OutlierWarning as warning:
        return _answer(
            request,
            409,
            {
                "message": str(warning) + ". Leave them out, or include them anyway?",
                "outliers": [_face(face, score) for face, score in warning.flagged],
            },
        )
    except (Refusal, review.ReviewError, rematch.SuggestionError) as exc:
        return _answer(request, 400, {"message": str(exc)})
    return _answer(request, 200, {"message": message})
