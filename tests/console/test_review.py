"""Face review through the console: every action goes through the faces services, writes
review_actions, respects the role matrix and the reviewer's sites, and warns before a bulk
label pulls faces that look like someone else into a person's gallery."""

import numpy as np
import pytest
from django.urls import reverse

from faces.models import FaceEmbedding, Person, PersonCluster, ReviewAction
from surveillance.models import Event
from surveillance.services.events import record_events
from tests.console.conftest import login, stored_snapshot
from tests.factories import ClusterFactory, EventFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db
VERSION = "test-v1"


def direction(axis: int, noise: float = 0.0, seed: int = 0) -> list[float]:
    rng = np.random.default_rng(seed)
    vector = np.zeros(512, dtype=np.float32)
    vector[axis] = 1.0
    vector += rng.normal(0, noise, 512).astype(np.float32)
    return (vector / np.linalg.norm(vector)).tolist()


def sighted_cluster(camera, faces: list[list[float]], label=None) -> PersonCluster:
    """An unknown cluster with real sightings (events + stored crops) at `camera`."""
    cluster = ClusterFactory(**({"cluster_label": label} if label else {}))
    events = [EventFactory.build(camera=camera, event_type="face_detected", cluster=cluster) for _ in faces]
    record_events(events, evaluate_rules=False)
    for event, vector in zip(events, faces):
        crop = stored_snapshot(camera, event_id=event.id)
        FaceEmbedding.objects.create(
            cluster=cluster,
            embedding=vector,
            source_image_path=crop.storage_path,
            face_quality="0.800",
            confidence="0.900",
            model_version=VERSION,
            crop=crop,
            event_id=event.id,
        )
    PersonCluster.objects.filter(pk=cluster.pk).update(sample_count=len(faces))
    return cluster


def act(client, **data):
    return client.post(reverse("admin:console_review_act"), data, HTTP_ACCEPT="application/json")


def test_queue_shows_only_clusters_seen_at_my_sites(client_a, sites, media_root):
    mine = sighted_cluster(sites["cam_a"], [direction(1, 0.05, s) for s in range(3)], "Unknown-00001")
    sighted_cluster(sites["cam_b"], [direction(2, 0.05, s) for s in range(2)], "Unknown-00002")
    page = client_a.get(reverse("admin:console_review"))
    assert page.status_code == 200
    assert [item["card"].cluster for item in page.context["cards"]] == [mine]
    assert len(page.context["cards"][0]["faces"]) == 3
    assert b"Unknown-00002" not in page.content
    assert client_a.get(reverse("admin:console_review_cluster", args=[mine.pk])).status_code == 200


def test_naming_a_cluster_makes_its_faces_and_sightings_the_persons(client_a, sites, media_root, operator_a):
    cluster = sighted_cluster(sites["cam_a"], [direction(1, 0.05, s) for s in range(3)])
    response = act(client_a, action="name", clusters=str(cluster.pk), new_person_name="Eileen Collins")
    assert response.status_code == 200, response.json()
    person = Person.objects.get(name="Eileen Collins")
    assert FaceEmbedding.objects.filter(person=person).count() == 3
    assert set(Event.objects.filter(cluster=cluster).values_list("person_id", "event_type")) == {
        (person.pk, "person_recognized")
    }
    assert ReviewAction.objects.filter(reviewer=operator_a, to_person=person).count() == 3
    page = client_a.get(reverse("admin:console_review_person", args=[person.pk]))
    assert page.status_code == 200 and len(page.context["faces"]) == 3


def test_bulk_label_warns_about_faces_unlike_the_persons(client_a, sites, media_root):
    person = PersonFactory(name="Ada")
    for seed in range(3):
        FaceEmbedding.objects.create(
            person=person, embedding=direction(1, 0.05, seed), source_image_path="enrol.jpg", model_version=VERSION
        )
    # Two faces like Ada's and one of somebody else.
    cluster = sighted_cluster(sites["cam_a"], [direction(1, 0.05, 10), direction(1, 0.05, 11), direction(7, 0.05, 12)])
    warned = act(client_a, action="name", clusters=str(cluster.pk), person=str(person.pk))
    assert warned.status_code == 409
    assert len(warned.json()["outliers"]) == 1
    assert FaceEmbedding.objects.filter(person=person).count() == 3  # nothing moved yet
    done = act(client_a, action="name", clusters=str(cluster.pk), person=str(person.pk), outliers="exclude")
    assert done.status_code == 200, done.json()
    assert FaceEmbedding.objects.filter(person=person).count() == 5
    stranger = FaceEmbedding.objects.get(embedding=direction(7, 0.05, 12))
    assert stranger.person_id is None and stranger.cluster_id != cluster.pk  # back in the queue


def test_role_matrix_decides_merge_reject_and_delete(client, client_a, sites, media_root):
    one = sighted_cluster(sites["cam_a"], [direction(3, 0.05, 1)])
    two = sighted_cluster(sites["cam_a"], [direction(3, 0.05, 2)])
    assert act(client_a, action="merge", clusters=f"{one.pk},{two.pk}").status_code == 403  # operator: no merge
    admin_a = UserFactory(role_name="admin", sites=[sites["a"]])
    other = login(client.__class__(), admin_a)
    assert act(other, action="merge", clusters=f"{one.pk},{two.pk}").status_code == 200
    two.refresh_from_db()
    assert two.status == "merged" and two.merged_into_cluster_id == one.pk
    assert act(client_a, action="reject", clusters=str(one.pk), notes="a poster").status_code == 200
    one.refresh_from_db()
    assert one.status == "rejected"
    face = FaceEmbedding.objects.filter(cluster=one).first()
    assert act(other, action="delete_faces", faces=str(face.pk)).status_code == 403  # admin: no persons.delete
    root = login(client.__class__(), UserFactory(role_name="super_admin", is_superuser=True))
    assert act(root, action="delete_faces", faces=str(face.pk)).status_code == 200
    assert not FaceEmbedding.objects.filter(pk=face.pk).exists()
    assert ReviewAction.objects.filter(event_id=face.event_id, action="delete").exists()


def test_other_sites_faces_and_bad_requests_are_refused(client_a, sites, media_root):
    theirs = sighted_cluster(sites["cam_b"], [direction(4, 0.05, 1)])
    refused = act(client_a, action="name", clusters=str(theirs.pk), new_person_name="X")
    assert refused.status_code == 400 and "not among your sites" in refused.json()["message"]
    assert act(client_a, action="name", clusters="garbage").status_code == 400
    assert act(client_a, action="levitate").status_code == 400
    nobody = act(client_a, action="name", clusters="")
    assert nobody.status_code == 400
    viewer = login(client_a.__class__(), UserFactory(role_name="viewer", sites=[sites["a"]]))
    assert act(viewer, action="reject", clusters=str(theirs.pk)).status_code == 403
    assert viewer.get(reverse("admin:console_review")).status_code == 200


def test_confirm_and_not_this_person_on_recognitions(client_a, sites, media_root):
    person = PersonFactory(name="Grace")
    right, wrong = (
        EventFactory.build(camera=sites["cam_a"], event_type="person_recognized", person=person) for _ in range(2)
    )
    record_events([right, wrong], evaluate_rules=False)
    page = client_a.get(reverse("admin:console_review_person", args=[person.pk]))
    assert len(page.context["recognitions"]) == 2
    ok = act(client_a, action="confirm", event=str(right.id), event_time=right.timestamp.isoformat())
    assert ok.status_code == 200, ok.json()
    no = act(client_a, action="not_this_person", event=str(wrong.id), event_time=wrong.timestamp.isoformat())
    assert no.status_code == 200, no.json()
    assert Event.objects.get(id=wrong.id).person_id is None
    assert ReviewAction.objects.filter(event_id=wrong.id, action="reject", from_person=person).exists()
    assert Event.objects.get(id=right.id).review_action == "confirm"
