""" "Who is this?": the persons and unknown clusters nearest to the face in an uploaded photo."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from accounts.services.audit import record_access
from faces.models import FaceEmbedding, Person, PersonCluster
from faces.services import media, search
from faces.services.engine import get_engine
from faces.services.enrolment import choose_face


class NoFaceFound(ValueError):
    pass


@dataclass(frozen=True)
class Match:
    kind: str  # "person" or "cluster"
    id: uuid.UUID
    label: str
    similarity: float
    crop_path: str  # served only through the policy-checked media routes
    status: str


def search_faces(image_bytes: bytes, top_k: int = 5, *, cluster_ids_visible=None) -> list[Match]:
    """Top-k persons and top-k clusters for the main face of the photo, best first.
    `cluster_ids_visible`, when given, is a queryset/set of the clusters the caller may see."""
    engine = get_engine()
    try:
        image = media.decode_image(image_bytes)
    except media.ImageError as exc:
        raise NoFaceFound(str(exc)) from exc
    face, reason = choose_face(engine.detect(image))
    if face is None:
        raise NoFaceFound(reason)
    vector = engine.embed(image, [face])[0]
    top_k = max(1, min(int(top_k), 50))
    persons = search.nearest_persons(vector, engine.version, limit=top_k)
    clusters = search.nearest_clusters(vector, engine.version, limit=top_k * 4)
    crop_paths = dict(
        FaceEmbedding.objects.filter(
            id__in=[n.embedding_id for n in persons] + [n.embedding_id for n in clusters]
        ).values_list("id", "source_image_path")
    )
    matches = []
    people = Person.objects.in_bulk([n.owner_id for n in persons])
    for n in persons:
        person = people[n.owner_id]
        matches.append(
            Match("person", person.id, str(person), n.similarity, crop_paths.get(n.embedding_id, ""), person.status)
        )
    visible = PersonCluster.objects.filter(id__in={n.owner_id for n in clusters})
    if cluster_ids_visible is not None:
        visible = visible.filter(id__in=cluster_ids_visible)
    groups = visible.in_bulk()
    seen = set()
    for n in clusters:
        if n.owner_id in seen or n.owner_id not in groups:
            continue
        seen.add(n.owner_id)
        cluster = groups[n.owner_id]
        crop = crop_paths.get(n.embedding_id, "")
        matches.append(Match("cluster", cluster.id, cluster.cluster_label, n.similarity, crop, cluster.status))
        if len(seen) == top_k:
            break
    return sorted(matches, key=lambda m: -m.similarity)


def identify_face(user, image_bytes: bytes, top_k: int = 5, *, request=None, via: str = "console") -> list[Match]:
    """ "Who is this?" as `user` may ask it: clusters narrowed to the user's sites, and every
    search (found or not) written to the audit trail, since it reveals who was where."""
    visible = PersonCluster.objects.restrict(user).values("id")
    try:
        matches = search_faces(image_bytes, top_k, cluster_ids_visible=visible)
    except NoFaceFound as exc:
        record_access(user, "face_search", "face_search", request=request, via=via, outcome=f"no face: {exc}")
        raise
    record_access(
        user,
        "face_search",
        "face_search",
        request=request,
        via=via,
        top_k=top_k,
        results=[f"{m.kind}:{m.id}:{m.similarity:.3f}" for m in matches],
    )
    return matches
