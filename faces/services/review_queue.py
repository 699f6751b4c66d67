"""What the face review screens list, scoped to the reviewer's sites (reads only; every review
verb lives in `faces.services.review`).

Scope: a reviewer sees the unknown clusters seen at their sites, and of each
cluster or person only the face crops taken by their sites' cameras (or enrolment photos).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.utils import timezone

from accounts import policy
from faces.models import ClusterStatus, FaceEmbedding, Person, PersonCluster
from faces.services import review
from surveillance.models import Event, EventType

CROPS_PER_CLUSTER = 8
REVIEW_CHUNK = 100


def review_clusters(user, *, search: str = "", offset: int = 0, limit: int = 24) -> tuple[list[PersonCluster], bool]:
    """A page of the active unknown clusters seen at the user's sites, in the seed's review
    order, and whether more follow. Clusters are taken in that order in chunks and kept when
    seen at the user's sites (the cluster's access rule), so a page costs a few index lookups
    however many clusters other sites have."""
    clusters = PersonCluster.objects.filter(status=ClusterStatus.ACTIVE).order_by("-sample_count", "-last_seen", "id")
    if search:
        clusters = clusters.filter(cluster_label__icontains=search)
    if not policy.can(user, "persons", "read"):
        return [], False
    wanted = offset + limit + 1
    visible: list[PersonCluster] = []
    start = 0
    while len(visible) < wanted:
        chunk = list(clusters[start : start + REVIEW_CHUNK])
        if not chunk:
            break
        seen = set(
            PersonCluster.objects.filter(pk__in=[c.pk for c in chunk]).restrict(user).values_list("pk", flat=True)
        )
        visible += [c for c in chunk if c.pk in seen]
        start += REVIEW_CHUNK
    return visible[offset : offset + limit], len(visible) > offset + limit


@dataclass
class ClusterCard:
    cluster: PersonCluster
    faces: list[FaceEmbedding] = field(default_factory=list)
    cameras: list[str] = field(default_factory=list)
    sites: list[str] = field(default_factory=list)
    events: int = 0


def cluster_cards(user, clusters: list[PersonCluster], crops: int = CROPS_PER_CLUSTER) -> list[ClusterCard]:
    """The clusters with their best crops and where (within the user's sites) they were seen."""
    cards = {c.pk: ClusterCard(cluster=c) for c in clusters}
    if not cards:
        return []
    faces = (
        FaceEmbedding.objects.filter(cluster_id__in=cards)
        .restrict(user)
        .order_by("cluster_id", "-face_quality", "-created_at")
    )
    for face in faces.only("id", "cluster_id", "source_image_path", "face_quality", "created_at", "event_id"):
        card = cards[face.cluster_id]
        if len(card.faces) < crops:
            card.faces.append(face)
    since = min(c.first_seen for c in clusters) - dt.timedelta(minutes=1)
    seen = (
        Event.objects.filter(cluster_id__in=cards, timestamp__gte=since)
        .restrict(user)
        .values_list("cluster_id", "camera__name", "camera__dvr__site__name")
        .order_by()
    )
    places: dict = defaultdict(lambda: (set(), set()))
    for cluster_id, camera, site in seen:
        cards[cluster_id].events += 1
        places[cluster_id][0].add(camera)
        places[cluster_id][1].add(site)
    for cluster_id, (cameras, sites) in places.items():
        cards[cluster_id].cameras, cards[cluster_id].sites = sorted(cameras), sorted(sites)
    return [cards[c.pk] for c in clusters]


def person_gallery(user, person: Person) -> list[tuple[FaceEmbedding, float]]:
    """The person's faces (those the user may see) with their outlier score, worst first."""
    faces = list(FaceEmbedding.objects.filter(person=person).restrict(user).order_by("-created_at")[:200])
    scores = review.outlier_score(person, faces) if faces else []
    return sorted(zip(faces, scores), key=lambda pair: -pair[1])


def recent_recognitions(user, person: Person, days: int = 30, limit: int = 60) -> list[Event]:
    since = timezone.now() - dt.timedelta(days=days)
    events = Event.objects.filter(person=person, event_type=EventType.PERSON_RECOGNIZED, timestamp__gte=since)
    return list(events.restrict(user).select_related("camera__dvr__site", "person").order_by("-timestamp")[:limit])


def outlier_warning(person: Person | None, faces: list[FaceEmbedding]) -> list[tuple[FaceEmbedding, float]]:
    """Faces far from the person's other faces (the guard against polluting a gallery)."""
    if person is None or not faces or not review.person_has_faces(person):
        return []
    return [
        (face, score)
        for face, score in zip(faces, review.outlier_score(person, faces))
        if score > review.OUTLIER_DISTANCE
    ]
