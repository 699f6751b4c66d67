"""Model versions through a real Celery worker: a version with another pack (a copy of buffalo_s
under another name) re-embeds the gallery in the background while recognition keeps working,
promotion switches atomically and is audited, rollback returns; enrolment queues re-matching."""

import shutil
import time

import pytest

from accounts.models import AuditLog
from faces.models import FaceEmbedding, GalleryStatus, MatchSuggestion, ModelVersion
from faces.services.model_pack import model_pack_dir
from faces.services.recognition import recognize_frame
from faces.services.review import enrol_faces
from faces.services.versions import VersionError, create_version, production, promote, rollback
from faces.tasks import reembed_gallery
from tests.faces.conftest import brightened, flipped, jpeg, recent, recompressed
from tests.factories import CameraFactory, PersonFactory, UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def wait_until(predicate, timeout: float = 120, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(0.3)
    raise AssertionError(f"{what} not reached within {timeout} s")


def gallery(version: str) -> set:
    return set(
        FaceEmbedding.objects.filter(model_version=version).values_list("source_image_path", "person_id", "cluster_id")
    )


def test_a_new_pack_is_embedded_in_the_background_then_promoted_and_rolled_back(
    celery_worker_process, yao, group_photo, hanks, tmp_path
):
    admin = UserFactory(role_name="super_admin")
    camera = CameraFactory()
    person = PersonFactory(name="Yao Ming")
    assert enrol_faces(person, [jpeg(yao)], user=admin).faces_found == 1
    recognize_frame(camera, jpeg(group_photo), recent(60))
    original = production().version
    copy = tmp_path / "buffalo_copy"
    shutil.copytree(model_pack_dir(), copy)

    version = create_version("buffalo_copy", copy)
    with pytest.raises(VersionError, match="pending"):
        promote(version, admin)
    reembed_gallery.delay(str(version.pk))
    # Recognition goes on with the production gallery while the worker embeds the new one.
    [during] = recognize_frame(camera, jpeg(flipped(yao)), recent(50))
    assert during.person_id == person.id and during.metadata["model_version"] == original
    wait_until(
        lambda: ModelVersion.objects.get(pk=version.pk).gallery_status == GalleryStatus.COMPLETE, what="re-embedding"
    )
    version.refresh_from_db()
    assert version.gallery_done == version.gallery_total == FaceEmbedding.objects.filter(model_version=original).count()

    # A stranger seen after the copy finished: promotion catches the face up, nothing is lost.
    recognize_frame(camera, jpeg(hanks), recent(40))
    promote(version, admin)
    assert production().version == "buffalo_copy"
    assert gallery("buffalo_copy") == gallery(original)
    assert AuditLog.objects.filter(action="model_version_promoted", resource_id=version.pk).exists()

    [after] = recognize_frame(camera, jpeg(brightened(yao)), recent(30))
    assert after.person_id == person.id and after.metadata["model_version"] == "buffalo_copy"

    assert rollback(admin).version_string == original and production().version == original
    [back] = recognize_frame(camera, jpeg(recompressed(yao)), recent(20))
    assert back.person_id == person.id and back.metadata["model_version"] == original


def test_enrolling_a_person_queues_a_rematch_that_suggests_the_unknown_cluster(celery_worker_process, yao, hanks):
    camera = CameraFactory()
    [unknown] = recognize_frame(camera, jpeg(flipped(yao)), recent(30))
    recognize_frame(camera, jpeg(hanks), recent(25))
    person = PersonFactory(name="Yao Ming")
    enrol_faces(person, [jpeg(yao)], user=UserFactory(role_name="operator"))

    suggestion = wait_until(
        lambda: MatchSuggestion.objects.filter(person=person).first(), timeout=60, what="a suggestion"
    )
    assert suggestion.cluster_id == unknown.cluster_id and suggestion.reason == "enrolled"
    assert MatchSuggestion.objects.count() == 1  # Tom Hanks does not look like Yao Ming
