"""What the face review screens list, scoped to the reviewer's sites, and the two review steps
`faces.services.review` leaves to the console: deleting faces and moving faces out of a
gallery into a fresh unknown cluster. Naming, merging, moving and rejecting go through
`faces.services.review` itself.

Scope: a reviewer sees the unknown clusters seen at their sites, and of each
cluster or person only the face crops taken by their sites' cameras (or enrolment photos).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from accounts import policy
from faces.models import ClusterStatus, FaceEmbedding, Person, PersonCluster, ReviewAction
from faces.services import clusters as cluster_service
from faces.services import review
from faces.services.enrolment import set_primary
from surveillance.models import Event, EventType, ReviewActionType

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


def _touched(rows) -> tuple[set, set]:
    return {r["cluster_id"] for r in rows if r["cluster_id"]}, {r["person_id"] for r in rows if r["person_id"]}


def delete_faces(faces, reviewer, notes: str = "") -> int:
    """Forget faces (a passer-by, a bad crop): the embeddings go, their sightings are marked
    reviewed as deleted, and a review action is written per sighting."""
    ids = [f.pk if isinstance(f, FaceEmbedding) else f for f in faces]
    with transaction.atomic():
        locked = FaceEmbedding.objects.select_for_update().filter(pk__in=ids)
        rows = list(locked.values("id", "cluster_id", "person_id", "event_id"))
        if not rows:
            return 0
        event_ids = [r["event_id"] for r in rows if r["event_id"]]
        if event_ids:
            Event.objects.filter(id__in=event_ids).update(reviewed=True, review_action=ReviewActionType.DELETE)
            ReviewAction.objects.bulk_create(
                ReviewAction(
                    event_id=event_id,
                    reviewer=reviewer,
                    action=ReviewActionType.DELETE,
                    from_person_id=row_person,
                    notes=notes or "face deleted in review",
                )
                for event_id, row_person in ((r["event_id"], r["person_id"]) for r in rows if r["event_id"])
            )
        FaceEmbedding.objects.filter(pk__in=[r["id"] for r in rows]).delete()
        clusters, persons = _touched(rows)
        for cluster_id in clusters:
            cluster_service.refresh_cluster(cluster_id)
        for person_id in persons:
            set_primary(person_id)
    return len(rows)


def delete_cluster(cluster: PersonCluster, reviewer, notes: str = "") -> int:
    """Forget an unknown person: every face of the cluster is deleted and the cluster leaves the
    queue (its label stays, so past sightings still name it)."""
    with transaction.atomic():
        faces = FaceEmbedding.objects.filter(cluster=cluster).values_list("pk", flat=True)
        count = delete_faces(list(faces), reviewer, notes)
        PersonCluster.objects.filter(pk=cluster.pk).update(status=ClusterStatus.REVIEWED, sample_count=0)
    return count


def move_out(faces: list[FaceEmbedding], reviewer, notes: str = "") -> PersonCluster | None:
    """Wrong faces leave a person's gallery (or a cluster) for a new unknown cluster, so they
    come back to the review queue instead of being lost."""
    if not faces:
        return None
    with transaction.atomic():
        first = min((f.created_at for f in faces), default=timezone.now())
        cluster = cluster_service.open_cluster(first)
        review.move_embeddings(
            faces, to_cluster=cluster, reviewer=reviewer, action=ReviewActionType.REJECT, notes=notes
        )
    return cluster
