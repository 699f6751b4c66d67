"""Reviewer actions on identities: name, merge and reject clusters, move faces, confirm or
reject recognitions. Every move of embeddings goes through `move_embeddings`; every action that
touches an event writes a review_actions row (the training pipeline's labels).

Events keep their cluster id when the cluster is named ("Unknown-00042 was seen here" stays
answerable) and gain the person, becoming `person_recognized` sightings of that person.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from faces.models import (
    ClusterStatus,
    EmbeddingSource,
    FaceEmbedding,
    FaceObservation,
    NegativeExample,
    Person,
    PersonCluster,
    PersonStatus,
    ReviewAction,
)
from faces.services import clusters as cluster_service
from faces.services.enrolment import EnrolmentReport, enrol_faces, person_centroid, set_primary
from faces.services.identify import Match, NoFaceFound, identify_face, search_faces
from faces.services.media import keep_crops_of
from faces.services.versions import schedule_rematch
from surveillance.models import Event, EventType, ReviewActionType

__all__ = [
    "EnrolmentReport",
    "Match",
    "NoFaceFound",
    "ReviewError",
    "confirm_recognition",
    "delete_cluster",
    "delete_faces",
    "enrol_faces",
    "merge_clusters",
    "move_embeddings",
    "move_out",
    "name_cluster",
    "outlier_score",
    "outliers",
    "reject_cluster",
    "reject_recognition",
    "search_faces",
    "identify_face",
]

# A face this far (cosine distance) from the person's centroid is probably someone else.
OUTLIER_DISTANCE = 0.65


class ReviewError(ValueError):
    pass


def outlier_score(person: Person, embeddings: Iterable[FaceEmbedding]) -> list[float]:
    """Cosine distance of each embedding from the person's centroid (0 = typical, > 0.65 is
    probably somebody else). Without enrolled faces the embeddings' own centroid is used."""
    embeddings = list(embeddings)
    if not embeddings:
        return []
    vectors = np.asarray([np.asarray(e.embedding, dtype=np.float32) for e in embeddings])
    version = embeddings[0].model_version
    centroid = person_centroid(person, version) if person is not None else None
    if centroid is None:
        centroid = vectors.mean(axis=0)
        centroid /= max(float(np.linalg.norm(centroid)), 1e-12)
    return [round(float(1 - v @ centroid), 3) for v in vectors]


def outliers(person: Person | None, embeddings: Iterable[FaceEmbedding]) -> list[FaceEmbedding]:
    embeddings = list(embeddings)
    return [e for e, score in zip(embeddings, outlier_score(person, embeddings)) if score > OUTLIER_DISTANCE]


def _review_actions(event_ids, reviewer, action, *, from_people=None, to_person=None, notes="") -> None:
    from_people = from_people or {}
    ReviewAction.objects.bulk_create(
        ReviewAction(
            event_id=event_id,
            reviewer=reviewer,
            action=action,
            from_person_id=from_people.get(event_id),
            to_person=to_person,
            notes=notes or None,
        )
        for event_id in event_ids
    )


def _relabel_events(event_filter: Q, *, person, cluster_id=None, action: str, reviewer, notes="") -> int:
    """Point events at a person (or back to a cluster) and record the review action for each."""
    rows = list(Event.objects.filter(event_filter).values_list("id", "person_id"))
    if not rows:
        return 0
    ids = [r[0] for r in rows]
    changes = {"reviewed": True, "review_action": action}
    if person is not None:
        changes |= {"person": person, "event_type": EventType.PERSON_RECOGNIZED}
    else:
        changes |= {"person": None, "cluster_id": cluster_id, "event_type": EventType.FACE_DETECTED}
    Event.objects.filter(id__in=ids).update(**changes)
    _review_actions(ids, reviewer, action, from_people=dict(rows), to_person=person, notes=notes)
    return len(ids)


def move_embeddings(
    embeddings,
    *,
    to_person: Person | None = None,
    to_cluster: PersonCluster | None = None,
    reviewer,
    action: str = ReviewActionType.CORRECT_NAME,
    notes: str = "",
) -> int:
    """Move faces to a person or to a cluster, with their events, counts and primaries.
    Returns the number of embeddings moved."""
    if (to_person is None) == (to_cluster is None):
        raise ReviewError("move faces to exactly one person or one cluster")
    ids = [e.pk if isinstance(e, FaceEmbedding) else e for e in embeddings]
    with transaction.atomic():
        rows = list(
            FaceEmbedding.objects.select_for_update()
            .filter(pk__in=ids)
            .values("id", "person_id", "cluster_id", "event_id")
        )
        if not rows:
            return 0
        FaceEmbedding.objects.filter(pk__in=ids).update(
            person=to_person, cluster=to_cluster, is_primary=False, source=EmbeddingSource.REVIEW
        )
        event_ids = [r["event_id"] for r in rows if r["event_id"]]
        if event_ids:
            _relabel_events(
                Q(id__in=event_ids),
                person=to_person,
                cluster_id=to_cluster.id if to_cluster else None,
                action=action,
                reviewer=reviewer,
                notes=notes,
            )
        for cluster_id in {r["cluster_id"] for r in rows if r["cluster_id"]} | (
            {to_cluster.id} if to_cluster else set()
        ):
            cluster_service.refresh_cluster(cluster_id)
            cluster_service.refresh_cluster_times(cluster_id)
        for person_id in {r["person_id"] for r in rows if r["person_id"]} | ({to_person.id} if to_person else set()):
            set_primary(person_id)
        if to_person is not None:
            keep_crops_of(ids)
    return len(rows)


def name_cluster(
    cluster: PersonCluster,
    *,
    person: Person | None = None,
    new_person_name: str | None = None,
    reviewer,
    exclude_outliers: bool = True,
) -> Person:
    """ "This unknown is X": its faces and sightings become the person's. Faces that do not look
    like the person's enrolled faces stay in the cluster unless `exclude_outliers` is off (the
    guard against bulk labels pulling a stranger into a gallery)."""
    if (person is None) == (not new_person_name):
        raise ReviewError("name the cluster with an existing person or a new person's name")
    with transaction.atomic():
        cluster = PersonCluster.objects.select_for_update().get(pk=cluster.pk)
        if cluster.status not in (ClusterStatus.ACTIVE, ClusterStatus.REJECTED):
            raise ReviewError(f"{cluster} is {cluster.status}; only active clusters can be named")
        if person is None:
            person = Person.objects.create(name=new_person_name.strip(), status=PersonStatus.KNOWN, created_by=reviewer)
        faces = list(FaceEmbedding.objects.filter(cluster=cluster))
        held_back = {e.pk for e in outliers(person, faces)} if exclude_outliers and person_has_faces(person) else set()
        move = [e.pk for e in faces if e.pk not in held_back]
        move_embeddings(move, to_person=person, reviewer=reviewer, action=ReviewActionType.CORRECT_NAME)
        held_events = (
            FaceEmbedding.objects.filter(pk__in=held_back).exclude(event=None).values_list("event_id", flat=True)
        )
        # Sightings without a gallery face (below the quality floor) follow the cluster's name too.
        _relabel_events(
            Q(cluster_id=cluster.id) & ~Q(person_id=person.id) & ~Q(id__in=list(held_events)),
            person=person,
            action=ReviewActionType.CORRECT_NAME,
            reviewer=reviewer,
        )
        if not held_back:
            PersonCluster.objects.filter(pk=cluster.pk).update(status=ClusterStatus.REVIEWED)
        cluster_service.refresh_cluster(cluster.pk)
        schedule_rematch(person.pk, reason="named", reviewer_id=getattr(reviewer, "pk", None))
    return person


def person_has_faces(person: Person) -> bool:
    return FaceEmbedding.objects.filter(person=person).exists()


def merge_clusters(target: PersonCluster, sources: Iterable[PersonCluster], reviewer) -> PersonCluster:
    """Several clusters are one unknown person: their faces and sightings join `target`."""
    sources = [s for s in sources if s.pk != target.pk]
    if not sources:
        raise ReviewError("choose at least one other cluster to merge")
    with transaction.atomic():
        target = PersonCluster.objects.select_for_update().get(pk=target.pk)
        if target.status != ClusterStatus.ACTIVE:
            raise ReviewError(f"{target} is {target.status}; merge into an active cluster")
        source_ids = [s.pk for s in sources]
        faces = FaceEmbedding.objects.filter(cluster_id__in=source_ids).values_list("pk", flat=True)
        move_embeddings(list(faces), to_cluster=target, reviewer=reviewer, action=ReviewActionType.MERGE)
        _relabel_events(
            Q(cluster_id__in=source_ids, person__isnull=True),
            person=None,
            cluster_id=target.pk,
            action=ReviewActionType.MERGE,
            reviewer=reviewer,
        )
        PersonCluster.objects.filter(pk__in=source_ids).update(
            status=ClusterStatus.MERGED, merged_into_cluster=target, sample_count=0, representative_embedding=None
        )
        cluster_service.refresh_cluster(target.pk)
        cluster_service.refresh_cluster_times(target.pk)
    target.refresh_from_db()
    return target


def reject_cluster(cluster: PersonCluster, reviewer, notes: str = "") -> None:
    """Not a face / a false positive (a poster, a pattern): its look-alikes are suppressed from now on."""
    with transaction.atomic():
        PersonCluster.objects.filter(pk=cluster.pk).update(status=ClusterStatus.REJECTED)
        ids = list(Event.objects.filter(cluster_id=cluster.pk).values_list("id", flat=True))
        Event.objects.filter(id__in=ids).update(reviewed=True, review_action=ReviewActionType.DELETE)
        _review_actions(ids, reviewer, ReviewActionType.DELETE, notes=notes or "not a face / false positive")


def _face_of(event: Event):
    return (
        FaceObservation.objects.filter(event_id=event.id).first()
        or FaceEmbedding.objects.filter(event_id=event.id).first()
    )


def reject_recognition(event: Event, reviewer, notes: str = "") -> None:
    """ "Not this person": the face is remembered as a negative example for that person, so
    near-identical faces are not matched to them again, and the sighting becomes unknown."""
    if event.person_id is None:
        raise ReviewError("this event names nobody; there is no recognition to reject")
    wrong_person_id = event.person_id
    with transaction.atomic():
        face = _face_of(event)
        if face is not None:
            NegativeExample.objects.create(
                person_id=wrong_person_id,
                embedding=face.embedding,
                model_version=face.model_version,
                event_id=event.id,
                created_by=reviewer,
            )
            if isinstance(face, FaceEmbedding) and face.person_id == wrong_person_id:
                # A gallery face that was wrong all along leaves the gallery.
                face.delete()
                set_primary(wrong_person_id)
        changes = {
            "person": None,
            "event_type": EventType.FACE_DETECTED,
            "reviewed": True,
            "review_action": ReviewActionType.REJECT,
        }
        if isinstance(face, FaceObservation):
            cluster_id = _cluster_unknown_face(face, event)
            if cluster_id is not None:
                changes["cluster_id"] = cluster_id
        Event.objects.filter(id=event.id, timestamp=event.timestamp).update(**changes)
        ReviewAction.objects.create(
            event_id=event.id,
            reviewer=reviewer,
            action=ReviewActionType.REJECT,
            from_person_id=wrong_person_id,
            notes=notes or None,
        )
    for field, value in changes.items():
        setattr(event, field, value)


def _cluster_unknown_face(observation: FaceObservation, event: Event):
    """A face that turned out to be unknown joins the unknown-face clusters like a new sighting."""
    from django.conf import settings

    from faces.services import search

    if float(observation.face_quality) < settings.ORIN_FACE_QUALITY_FLOOR:
        return None
    cluster_service.lock_clusters()
    nearest = search.nearest_cluster(np.asarray(observation.embedding), observation.model_version)
    if nearest is not None and nearest.similarity >= settings.ORIN_FACE_CLUSTER_THRESHOLD:
        if nearest.cluster_status != ClusterStatus.ACTIVE:
            return None
        cluster_id = nearest.owner_id
    else:
        cluster_id = cluster_service.open_cluster(event.timestamp).id
    FaceEmbedding.objects.create(
        cluster_id=cluster_id,
        embedding=observation.embedding,
        source_image_path=observation.source_image_path,
        face_quality=observation.face_quality,
        confidence=observation.confidence,
        model_version=observation.model_version,
        source=EmbeddingSource.REVIEW,
        crop=observation.crop,
        event_id=event.id,
    )
    observation.delete()
    cluster_service.note_sighting(cluster_id, event.timestamp)
    cluster_service.refresh_cluster(cluster_id)
    return cluster_id


def confirm_recognition(event: Event, reviewer, *, add_to_gallery: bool = True) -> None:
    """The recognition was right. A good-quality face of it may join the person's gallery, which
    helps the person be recognised in this camera's light and angle."""
    if event.person_id is None:
        raise ReviewError("this event names nobody; there is no recognition to confirm")
    from django.conf import settings

    with transaction.atomic():
        Event.objects.filter(id=event.id, timestamp=event.timestamp).update(
            reviewed=True, review_action=ReviewActionType.CONFIRM
        )
        ReviewAction.objects.create(
            event_id=event.id, reviewer=reviewer, action=ReviewActionType.CONFIRM, to_person_id=event.person_id
        )
        observation = FaceObservation.objects.filter(event_id=event.id).first()
        good = observation is not None and float(observation.face_quality) >= settings.ORIN_FACE_QUALITY_FLOOR
        if add_to_gallery and good:
            FaceEmbedding.objects.create(
                person_id=event.person_id,
                embedding=observation.embedding,
                source_image_path=observation.source_image_path,
                face_quality=observation.face_quality,
                confidence=observation.confidence,
                model_version=observation.model_version,
                source=EmbeddingSource.REVIEW,
                crop=observation.crop,
                event_id=event.id,
            )
            observation.delete()
            set_primary(event.person_id)
            keep_crops_of(FaceEmbedding.objects.filter(event_id=event.id, person_id=event.person_id).values("pk"))
    event.reviewed, event.review_action = True, ReviewActionType.CONFIRM


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
        move_embeddings(faces, to_cluster=cluster, reviewer=reviewer, action=ReviewActionType.REJECT, notes=notes)
    return cluster
