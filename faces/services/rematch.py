"""Re-matching: after a person is enrolled or named, or a threshold changes, the unknown
clusters are checked against the gallery again. A likely match becomes a suggestion in the
review queue ("Unknown-00042 looks like Marcus Webb, 0.71"); only above a high, configurable
threshold (ORIN_FACE_AUTO_NAME_THRESHOLD, off by default) is a cluster named without a reviewer.
A rejected suggestion becomes "not this person" feedback, and is not suggested again.
"""

from __future__ import annotations

import datetime as dt
import logging

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from faces.models import (
    ClusterStatus,
    FaceEmbedding,
    MatchSuggestion,
    NegativeExample,
    PersonCluster,
    SuggestionStatus,
)
from faces.services import search
from faces.services.versions import production

logger = logging.getLogger(__name__)

# Faces of a cluster compared (the best quality ones): a cluster of hundreds of sightings
# needs no hundreds of searches to be recognised.
FACES_PER_CLUSTER = 5


class SuggestionError(ValueError):
    pass


def _best_match(vectors: list[np.ndarray], version: str, person_id) -> tuple[object, float] | None:
    """Nearest person over the cluster's faces (negative examples honoured), or, when a person
    is given, the exact best similarity to that person."""
    best: tuple[object, float] | None = None
    for vector in vectors:
        if person_id is not None:
            similarity = search.nearest_person_embedding_similarity(person_id, vector, version)
            found = (person_id, similarity) if similarity is not None else None
        else:
            neighbour = search.nearest_person(vector, version)
            found = (neighbour.owner_id, neighbour.similarity) if neighbour else None
        if found and (best is None or found[1] > best[1]):
            best = found
    return best


def rematch_unknowns(person_id=None, *, reason: str, reviewer=None, days: int | None = None) -> list[MatchSuggestion]:
    """Suggest names for the active unknown clusters seen in the last `days` days."""
    active = production()
    days = days or settings.ORIN_FACE_REMATCH_DAYS
    since = timezone.now() - dt.timedelta(days=days)
    auto = settings.ORIN_FACE_AUTO_NAME_THRESHOLD
    clusters = PersonCluster.objects.filter(status=ClusterStatus.ACTIVE, last_seen__gte=since)
    refused = set(
        MatchSuggestion.objects.filter(status=SuggestionStatus.REJECTED).values_list("cluster_id", "person_id")
    )
    made = []
    for cluster in clusters.iterator():
        vectors = [
            np.asarray(v)
            for v in FaceEmbedding.objects.filter(cluster=cluster, model_version=active.version)
            .order_by("-face_quality")
            .values_list("embedding", flat=True)[:FACES_PER_CLUSTER]
        ]
        match = _best_match(vectors, active.version, person_id) if vectors else None
        if match is None or match[1] < active.match_threshold or (cluster.pk, match[0]) in refused:
            continue
        suggestion, _ = MatchSuggestion.objects.update_or_create(
            cluster=cluster,
            person_id=match[0],
            status=SuggestionStatus.PENDING,
            defaults={"similarity": round(match[1], 4), "model_version": active.version, "reason": reason},
        )
        if reviewer is not None and match[1] >= auto:
            accept(suggestion, reviewer)
        made.append(suggestion)
    logger.info("re-matching (%s): %d suggestion(s)", reason, len(made))
    return made


def accept(suggestion: MatchSuggestion, reviewer) -> MatchSuggestion:
    from faces.services.review import name_cluster

    with transaction.atomic():
        suggestion = (
            MatchSuggestion.objects.select_for_update().select_related("cluster", "person").get(pk=suggestion.pk)
        )
        if suggestion.status != SuggestionStatus.PENDING:
            raise SuggestionError(f"This suggestion was {suggestion.status} already.")
        name_cluster(suggestion.cluster, person=suggestion.person, reviewer=reviewer)
        _decide(suggestion, SuggestionStatus.ACCEPTED, reviewer)
    return suggestion


def reject(suggestion: MatchSuggestion, reviewer) -> MatchSuggestion:
    """ "Not this person": the cluster's compared faces become negative examples of the person,
    so neither recognition nor the next re-matching pairs them again."""
    with transaction.atomic():
        suggestion = MatchSuggestion.objects.select_for_update().get(pk=suggestion.pk)
        if suggestion.status != SuggestionStatus.PENDING:
            raise SuggestionError(f"This suggestion was {suggestion.status} already.")
        faces = FaceEmbedding.objects.filter(cluster_id=suggestion.cluster_id, model_version=suggestion.model_version)
        NegativeExample.objects.bulk_create(
            NegativeExample(
                person_id=suggestion.person_id,
                embedding=face.embedding,
                model_version=face.model_version,
                event_id=face.event_id,
                created_by=reviewer,
            )
            for face in faces.order_by("-face_quality")[:FACES_PER_CLUSTER]
        )
        _decide(suggestion, SuggestionStatus.REJECTED, reviewer)
    return suggestion


def _decide(suggestion: MatchSuggestion, status: str, reviewer) -> None:
    suggestion.status, suggestion.decided_by, suggestion.decided_at = status, reviewer, timezone.now()
    suggestion.save(update_fields=["status", "decided_by", "decided_at"])
