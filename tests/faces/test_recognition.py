"""Recognition on real photos with the real models and pgvector."""

import pytest

from faces.models import FaceEmbedding, FaceObservation, IngestFrame, PersonCluster
from faces.services.recognition import recognize_frame
from faces.services.review import enrol_faces
from surveillance.models import Event, EventType, MediaFile
from tests.faces.conftest import brightened, flipped, jpeg, recent, recompressed, stored_files
from tests.factories import CameraFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def enrolled_yao(yao, media_root):
    person = PersonFactory(name="Yao Ming")
    report = enrol_faces(person, [jpeg(yao)], user=UserFactory())
    assert report.faces_found == 1, report.rejected
    return person


@pytest.mark.parametrize("vary", [flipped, brightened, recompressed], ids=["flipped", "brightened", "recompressed"])
def test_enrolled_person_is_recognised_in_a_varied_copy(enrolled_yao, yao, vary):
    camera = CameraFactory()
    [event] = recognize_frame(camera, jpeg(vary(yao)), recent())
    assert event.event_type == EventType.PERSON_RECOGNIZED
    assert event.person_id == enrolled_yao.id
    assert float(event.confidence) > 0.8
    stored = Event.objects.get(id=event.id)
    assert stored.person_id == enrolled_yao.id
    box = stored.bounding_box
    assert set(box) == {"x", "y", "width", "height", "frame_width", "frame_height"}
    assert (box["frame_width"], box["frame_height"]) == (yao.shape[1], yao.shape[0])
    assert stored.metadata["model_version"] == "buffalo_s"
    assert stored.metadata["processing_ms"] > 0
    snapshot = MediaFile.objects.get(storage_path=stored.image_path)
    crop = MediaFile.objects.get(storage_path=stored.metadata["face_crop_path"], event_id=event.id)
    # Snapshots and crops each have their own retention, separate from the event's.
    assert (snapshot.retention_until - snapshot.timestamp).days == 30
    assert (crop.retention_until - crop.timestamp).days == 90
    assert len(crop.checksum) == 64 and crop.file_size > 0
    # The recognised face is kept for review, not added to the person's gallery.
    assert FaceEmbedding.objects.filter(person=enrolled_yao).count() == 1
    assert FaceObservation.objects.filter(event_id=event.id).exists()


def test_a_different_real_face_does_not_match(enrolled_yao, astronaut):
    [event] = recognize_frame(CameraFactory(), jpeg(astronaut), recent())
    assert event.event_type == EventType.FACE_DETECTED
    assert event.person_id is None
    assert event.metadata["similarity"] < 0.3


def test_same_unknown_face_twice_lands_in_one_cluster_and_another_face_in_another(astronaut, hanks, media_root):
    camera = CameraFactory()
    [first] = recognize_frame(camera, jpeg(astronaut), recent(30))
    [second] = recognize_frame(camera, jpeg(flipped(astronaut)), recent(20))
    [other] = recognize_frame(camera, jpeg(hanks), recent(10))
    assert first.cluster_id is not None and first.cluster_id == second.cluster_id
    assert other.cluster_id is not None and other.cluster_id != first.cluster_id
    cluster = PersonCluster.objects.get(id=first.cluster_id)
    assert cluster.cluster_label.startswith("Unknown-") and len(cluster.cluster_label) == len("Unknown-00000")
    assert cluster.sample_count == 2
    assert cluster.representative_embedding_id is not None
    assert cluster.first_seen < cluster.last_seen
    labels = set(PersonCluster.objects.values_list("cluster_label", flat=True))
    assert len(labels) == 2


def test_all_faces_of_a_group_photo_are_embedded_in_one_frame(group_photo, media_root):
    events = recognize_frame(CameraFactory(), jpeg(group_photo), recent())
    assert len(events) == 6
    assert len({e.cluster_id for e in events if e.cluster_id}) == len([e for e in events if e.cluster_id])
    frame = IngestFrame.objects.get()
    assert frame.status == "done" and frame.face_count == 6 and len(frame.event_ids) == 6
    assert len(stored_files(media_root)) == 1 + 6  # the snapshot and six crops


def test_same_frame_key_twice_records_events_once(astronaut, media_root):
    camera = CameraFactory()
    first = recognize_frame(camera, jpeg(astronaut), recent(), frame_key="cam-1:frame-7")
    again = recognize_frame(camera, jpeg(astronaut), recent(), frame_key="cam-1:frame-7")
    assert [e.id for e in first] == [e.id for e in again]
    assert Event.objects.count() == 1


def test_edge_detector_boxes_are_used_instead_of_our_detector(enrolled_yao, yao):
    box = {"x": 60, "y": 60, "width": 125, "height": 160, "score": 0.8}
    [event] = recognize_frame(CameraFactory(), jpeg(flipped(yao)), recent(), detections=[box])
    assert event.person_id == enrolled_yao.id
    assert 40 <= event.bounding_box["x"] <= 90  # our landmarks' face inside the edge box


def test_frames_left_queued_are_queued_again(astronaut, media_root, django_capture_on_commit_callbacks):
    import datetime as dt

    from faces.services.ingest import requeue_stale_frames, submit_frame

    camera = CameraFactory()
    with django_capture_on_commit_callbacks(execute=False):
        key = submit_frame(camera=camera, image_bytes=jpeg(astronaut), timestamp=recent())
    IngestFrame.objects.filter(frame_key=key).update(received_at=recent(600))
    assert requeue_stale_frames(older_than=dt.timedelta(minutes=5), limit=10) == 1
    IngestFrame.objects.filter(frame_key=key).update(status="done")
    assert requeue_stale_frames(older_than=dt.timedelta(minutes=5)) == 0
