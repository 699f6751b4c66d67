"""Reviewer actions: "not this person", confirmations, naming / merging / rejecting clusters,
and the guards that keep galleries clean."""

import cv2
import pytest

from faces.models import ClusterStatus, FaceEmbedding, FaceObservation, NegativeExample, PersonCluster, ReviewAction
from faces.services import review
from faces.services.recognition import recognize_frame
from surveillance.models import Event, EventType, MediaFile
from tests.faces.conftest import brightened, flipped, jpeg, recent, recompressed
from tests.factories import CameraFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewer(db):
    return UserFactory(role_name="operator")


@pytest.fixture
def yao_person(yao, media_root, reviewer):
    person = PersonFactory(name="Yao Ming")
    assert review.enrol_faces(person, [jpeg(yao)], user=reviewer).faces_found == 1
    return person


def test_a_rejected_match_is_not_repeated_for_near_identical_faces(yao_person, yao, astronaut, reviewer):
    # A lax camera threshold produces the wrong match a strict one would not: the astronaut as Yao.
    camera = CameraFactory(config={"match_threshold": -1.0})
    [wrong] = recognize_frame(camera, jpeg(astronaut), recent(30))
    assert wrong.event_type == EventType.PERSON_RECOGNIZED and wrong.person_id == yao_person.id

    review.reject_recognition(wrong, reviewer, notes="that is not Yao")

    assert NegativeExample.objects.filter(person=yao_person, event_id=wrong.id).exists()
    stored = Event.objects.get(id=wrong.id)
    assert stored.person_id is None and stored.event_type == EventType.FACE_DETECTED
    assert stored.reviewed and stored.review_action == "reject"
    assert stored.cluster_id is not None  # the face is now an unknown, clustered like any other
    action = ReviewAction.objects.get(event_id=wrong.id)
    assert action.action == "reject" and action.from_person_id == yao_person.id and action.reviewer == reviewer

    for vary in (flipped, brightened, recompressed):
        [again] = recognize_frame(camera, jpeg(vary(astronaut)), recent(10))
        assert again.person_id is None, vary.__name__
        assert again.cluster_id == stored.cluster_id
    # The negative example does not stop Yao himself from being recognised.
    [real] = recognize_frame(camera, jpeg(flipped(yao)), recent(5))
    assert real.person_id == yao_person.id


def test_confirming_a_recognition_adds_the_face_to_the_gallery(yao_person, yao, reviewer):
    [event] = recognize_frame(CameraFactory(), jpeg(brightened(yao)), recent())
    review.confirm_recognition(event, reviewer)
    assert FaceEmbedding.objects.filter(person=yao_person).count() == 2
    assert not FaceObservation.objects.filter(event_id=event.id).exists()
    assert Event.objects.get(id=event.id).review_action == "confirm"
    assert ReviewAction.objects.get(event_id=event.id).to_person_id == yao_person.id


def test_naming_a_cluster_moves_faces_and_sightings_to_the_person(astronaut, reviewer, media_root):
    camera = CameraFactory()
    first = recognize_frame(camera, jpeg(astronaut), recent(20))[0]
    second = recognize_frame(camera, jpeg(flipped(astronaut)), recent(10))[0]
    cluster = PersonCluster.objects.get(id=first.cluster_id)

    person = review.name_cluster(cluster, new_person_name="Eileen Collins", reviewer=reviewer)

    assert FaceEmbedding.objects.filter(person=person).count() == 2
    assert not FaceEmbedding.objects.filter(cluster=cluster).exists()
    cluster.refresh_from_db()
    assert cluster.status == ClusterStatus.REVIEWED and cluster.sample_count == 0
    for event_id in (first.id, second.id):
        event = Event.objects.get(id=event_id)
        assert event.person_id == person.id and event.event_type == EventType.PERSON_RECOGNIZED
        assert event.cluster_id == cluster.id  # "where was Unknown-000NN seen" stays answerable
    assert ReviewAction.objects.filter(to_person=person, action="correct_name").count() == 2
    crops = MediaFile.objects.filter(event_id__in=[first.id, second.id])
    assert {c.retention_until.year for c in crops} == {9999}  # gallery crops live as long as the person
    person.refresh_from_db()
    assert person.primary_face_embedding.is_primary
    # From now on the face is recognised as the person.
    [later] = recognize_frame(camera, jpeg(recompressed(astronaut)), recent(1))
    assert later.person_id == person.id


def test_bulk_naming_holds_back_faces_that_do_not_look_like_the_person(yao_person, astronaut, reviewer, media_root):
    camera = CameraFactory()
    [event] = recognize_frame(camera, jpeg(astronaut), recent())
    cluster = PersonCluster.objects.get(id=event.cluster_id)
    faces = list(cluster.embeddings.all())
    assert review.outlier_score(yao_person, faces)[0] > review.OUTLIER_DISTANCE

    review.name_cluster(cluster, person=yao_person, reviewer=reviewer)

    assert FaceEmbedding.objects.filter(person=yao_person).count() == 1
    assert FaceEmbedding.objects.filter(cluster=cluster).count() == 1
    cluster.refresh_from_db()
    assert cluster.status == ClusterStatus.ACTIVE
    assert Event.objects.get(id=event.id).person_id is None


def test_merging_clusters_moves_faces_and_events(astronaut, hanks, reviewer, media_root):
    camera = CameraFactory()
    [a] = recognize_frame(camera, jpeg(astronaut), recent(20))
    [b] = recognize_frame(camera, jpeg(hanks), recent(10))
    target, source = PersonCluster.objects.get(id=a.cluster_id), PersonCluster.objects.get(id=b.cluster_id)

    review.merge_clusters(target, [source], reviewer)

    target.refresh_from_db()
    source.refresh_from_db()
    assert target.sample_count == 2 and source.sample_count == 0
    assert source.status == ClusterStatus.MERGED and source.merged_into_cluster_id == target.id
    assert Event.objects.get(id=b.id).cluster_id == target.id
    assert ReviewAction.objects.filter(event_id=b.id, action="merge").exists()


def test_a_rejected_cluster_suppresses_its_look_alikes(hanks, reviewer, media_root):
    camera = CameraFactory()
    [event] = recognize_frame(camera, jpeg(hanks), recent(20))
    review.reject_cluster(PersonCluster.objects.get(id=event.cluster_id), reviewer)
    assert recognize_frame(camera, jpeg(flipped(hanks)), recent(10)) == []
    assert Event.objects.count() == 1


def test_blurred_face_is_kept_as_an_event_but_grows_no_cluster(astronaut, media_root):
    blurred = cv2.GaussianBlur(astronaut, (0, 0), 4)
    [event] = recognize_frame(CameraFactory(), jpeg(blurred), recent())
    assert event.event_type == EventType.FACE_DETECTED
    assert event.metadata["quality"] < 0.45 and event.metadata["below_quality_floor"]
    assert event.cluster_id is None
    assert not FaceEmbedding.objects.exists() and not PersonCluster.objects.exists()


def test_faces_below_the_cameras_minimum_size_are_events_without_embeddings(group_photo, media_root):
    camera = CameraFactory(config={"min_face_size": 500})
    events = recognize_frame(camera, jpeg(group_photo), recent())
    assert len(events) == 6
    assert all(e.metadata["skipped"] == "below the minimum face size" for e in events)
    assert not FaceEmbedding.objects.exists() and not FaceObservation.objects.exists()


def test_enrolment_rejects_photos_without_a_clear_single_good_face(astronaut, group_photo, yao, reviewer, media_root):
    person = PersonFactory()
    blurred = cv2.GaussianBlur(astronaut, (0, 0), 4)
    report = review.enrol_faces(
        person,
        [
            ("group.jpg", jpeg(group_photo)),
            ("blurred.jpg", jpeg(blurred)),
            ("text.txt", b"hello"),
            ("me.jpg", jpeg(astronaut)),
        ],
        user=reviewer,
    )
    assert report.faces_found == 1
    reasons = dict(report.rejected)
    assert "faces of similar size" in reasons["group.jpg"]
    assert reasons["blurred.jpg"].startswith("low quality")
    assert reasons["text.txt"].startswith("not a usable image")
    # A face unlike the person's enrolled ones is refused unless asked for.
    report = review.enrol_faces(person, [("other.jpg", jpeg(yao))], user=reviewer)
    assert report.faces_found == 0 and "does not look like" in report.rejected[0][1]
    # The same photo twice is a duplicate, not a second sample.
    assert review.enrol_faces(person, [jpeg(astronaut)], user=reviewer).rejected[0][1].startswith("duplicate")
    person.refresh_from_db()
    assert person.primary_face_embedding.is_primary


def test_who_is_this_ranks_the_enrolled_person_first(yao_person, yao, astronaut, media_root):
    recognize_frame(CameraFactory(), jpeg(astronaut), recent())  # an unknown cluster to find too
    matches = review.search_faces(jpeg(flipped(yao)), top_k=3)
    assert matches[0].kind == "person" and matches[0].id == yao_person.id and matches[0].similarity > 0.8
    assert matches[0].crop_path
    assert any(m.kind == "cluster" for m in matches)
    with pytest.raises(review.NoFaceFound):
        review.search_faces(jpeg(astronaut[:60, :60]))


def test_move_embeddings_takes_a_face_out_of_a_gallery_into_a_cluster(yao_person, astronaut, reviewer, media_root):
    [event] = recognize_frame(CameraFactory(), jpeg(astronaut), recent())
    cluster = PersonCluster.objects.get(id=event.cluster_id)
    face = FaceEmbedding.objects.get(person=yao_person)

    assert review.move_embeddings([face], to_cluster=cluster, reviewer=reviewer) == 1

    cluster.refresh_from_db()
    yao_person.refresh_from_db()
    assert cluster.sample_count == 2 and yao_person.primary_face_embedding is None
    assert FaceEmbedding.objects.get(pk=face.pk).cluster_id == cluster.id
    with pytest.raises(review.ReviewError):
        review.move_embeddings([face], to_person=yao_person, to_cluster=cluster, reviewer=reviewer)
