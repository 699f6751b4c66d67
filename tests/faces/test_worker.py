"""The real pipeline: ingest API -> Redis -> a real Celery worker process -> pgvector -> events
and alerts in PostgreSQL; and a redelivered task after a crash records nothing twice."""

import datetime as dt
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from accounts.services.api_keys import issue_api_key
from alerts.models import Alert
from faces.models import FaceEmbedding, FrameStatus, IngestFrame, PersonCluster
from faces.services.recognition import ensure_frame
from faces.services.recognition import recognize_frame as recognize_now
from faces.services.review import enrol_faces
from faces.tasks import recognize_frame as recognize_task
from surveillance.models import Event, EventType, MediaFile
from tests.faces.conftest import flipped, jpeg
from tests.factories import AlertRuleFactory, CameraFactory, PersonFactory, UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


class SimulatedCrash(Exception):
    pass


def wait_for_frame(frame_key: str, timeout: float = 120) -> IngestFrame:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        frame = IngestFrame.objects.get(frame_key=frame_key)
        if frame.status != FrameStatus.QUEUED:
            return frame
        time.sleep(0.2)
    raise AssertionError(f"frame {frame_key} was not processed within {timeout} s")


def test_posted_frame_is_recognised_by_the_worker_and_raises_the_alert(client, celery_worker_process, yao):
    camera = CameraFactory()
    person = PersonFactory(name="Yao Ming", status="blacklisted")
    assert enrol_faces(person, [jpeg(yao)], user=UserFactory()).faces_found == 1
    rule = AlertRuleFactory(person=person, severity="critical", confidence_threshold="0.6")
    _, raw_key = issue_api_key(UserFactory(role_name="api_client", sites=[camera.dvr.site]), "edge", cameras=[camera])

    response = client.post(
        "/api/v1/ingest/frames",
        {
            "image": SimpleUploadedFile("f.jpg", jpeg(flipped(yao)), content_type="image/jpeg"),
            "camera": str(camera.id),
            "timestamp": (timezone.now() - dt.timedelta(seconds=1)).isoformat(),
        },
        HTTP_AUTHORIZATION=f"Api-Key {raw_key}",
    )
    assert response.status_code == 202, response.content
    frame = wait_for_frame(response.json()["frame_id"])

    assert frame.status == FrameStatus.DONE, frame.error
    [event] = Event.objects.filter(id__in=frame.event_ids)
    assert event.event_type == EventType.PERSON_RECOGNIZED and event.person_id == person.id
    alert = Alert.objects.get(event_id=event.id)
    assert alert.alert_rule_id == rule.id and alert.severity == "critical"


def test_a_task_retried_after_a_crash_creates_no_duplicate_events(celery_worker_process, group_photo):
    camera = CameraFactory()
    data = jpeg(group_photo)
    key = "cam-9:frame-000001"
    # Stored but not queued (as after a broker hiccup): the first attempt runs here and dies before its commit.
    ensure_frame(camera, data, timezone.now() - dt.timedelta(seconds=3), key, None)
    frame = IngestFrame.objects.get(frame_key=key)
    with pytest.raises(SimulatedCrash), transaction.atomic():
        assert len(recognize_now(camera, data, frame.timestamp, frame_key=key)) == 6
        raise SimulatedCrash  # the process died after writing, before committing
    assert Event.objects.count() == 0 and FaceEmbedding.objects.count() == 0
    assert IngestFrame.objects.get(frame_key=key).status == FrameStatus.QUEUED

    # The broker redelivers: twice, as after a worker lost between commit and acknowledgement.
    first = recognize_task.apply_async([key], ignore_result=False).get(timeout=120)
    second = recognize_task.apply_async([key], ignore_result=False).get(timeout=120)

    assert first == second == 6
    assert Event.objects.count() == 6
    assert FaceEmbedding.objects.count() == PersonCluster.objects.count() == 6
    crops = MediaFile.objects.exclude(pk=frame.media_id)
    assert crops.count() == 6 and len(set(crops.values_list("storage_path", flat=True))) == 6
    frame = IngestFrame.objects.get(frame_key=key)
    assert frame.status == FrameStatus.DONE and frame.attempts == 1 and len(frame.event_ids) == 6


def test_two_workers_seeing_a_new_face_at_once_open_one_cluster(astronaut):
    """The advisory lock: concurrent recognitions of one unknown face agree on its cluster."""
    import threading

    from django.db import connection

    camera = CameraFactory()
    results, errors = {}, []

    def recognise(name, image):
        try:
            results[name] = recognize_now(camera, jpeg(image), timezone.now() - dt.timedelta(seconds=5))
        except Exception as exc:  # surfaced below; a thread's exception would otherwise vanish
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=recognise, args=(n, img)) for n, img in (("a", astronaut), ("b", flipped(astronaut)))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert results["a"][0].cluster_id == results["b"][0].cluster_id
    assert PersonCluster.objects.count() == 1 and PersonCluster.objects.get().sample_count == 2
