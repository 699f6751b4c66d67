"""The learning loop's console pages and API: the quality page shows the figures computed from
review actions, the models page draws the calibration chart, refusals are clear 400/409s, and
a suggestion is accepted from the review queue through the verb table."""

import pytest
from rest_framework.test import APIClient

from faces.models import ClusterStatus, MatchSuggestion, PersonCluster, TrainingJob
from faces.services import datasets, rematch, review, training
from faces.services.model_pack import model_pack_dir
from faces.services.recognition import recognize_frame
from faces.services.versions import create_version, ensure_production_version
from surveillance.models import EventType
from tests.conftest import sign_in
from tests.faces.conftest import brightened, flipped, jpeg, recent, recompressed
from tests.factories import CameraFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewed(yao, astronaut, superuser, media_root):
    """Two confirmed recognitions of Yao Ming and one wrong one (the astronaut), rejected."""
    person = PersonFactory(name="Yao Ming")
    review.enrol_faces(person, [jpeg(yao)], user=superuser)
    camera = CameraFactory(name="Lobby", config={"match_threshold": -1.0})
    right = [recognize_frame(camera, jpeg(v), recent(50 - i))[0] for i, v in enumerate((flipped(yao), brightened(yao)))]
    [wrong] = recognize_frame(camera, jpeg(astronaut), recent(40))
    assert all(e.event_type == EventType.PERSON_RECOGNIZED for e in [*right, wrong])
    for event in right:
        review.confirm_recognition(event, superuser)
    review.reject_recognition(wrong, superuser)
    return person, camera


def test_the_quality_page_and_api_show_the_figures_of_the_reviews(admin_client, superuser, reviewed):
    page = admin_client.get("/admin/console/quality/")
    assert page.status_code == 200
    html = page.content.decode()
    assert '<td class="precision">0.6667</td>' in html and "Lobby" in html and "<svg" in html

    api = APIClient()
    api.force_authenticate(superuser)
    body = api.get("/api/v1/recognition-quality/").json()
    [version] = body["versions"]
    assert (version["true_matches"], version["false_matches"], version["precision"]) == (2, 1, 0.6667)
    assert body["cameras"][0]["camera"] == "Lobby"


def test_the_models_page_draws_the_calibration_and_refuses_an_unready_promotion(
    admin_client, superuser, group_photo, media_root, tmp_path
):
    camera = CameraFactory()
    for i, variant in enumerate((group_photo, flipped(group_photo), recompressed(group_photo))):
        recognize_frame(camera, jpeg(variant), recent(60 - i))
    for n, cluster in enumerate(PersonCluster.objects.filter(status=ClusterStatus.ACTIVE)):
        review.name_cluster(cluster, new_person_name=f"Guest {n}", reviewer=superuser)
    dataset = datasets.build_dataset(training.start_dataset("group", superuser, quality_floor=0.0).pk)
    job = training.run_job(training.start_calibration(dataset, ensure_production_version(), superuser).pk)
    assert job.status == "completed", job.error

    html = admin_client.get("/admin/console/models/").content.decode()
    assert "(production)" in html and "<svg" in html and "precision" in html and dataset.name in html

    copy = tmp_path / "pack_copy"
    copy.mkdir()
    for f in model_pack_dir().glob("*.onnx"):
        (copy / f.name).symlink_to(f)
    pending = create_version("pack_copy", copy)
    refused = admin_client.post(
        "/admin/console/models/act/", {"action": "promote", "version": pending.pk}, HTTP_ACCEPT="application/json"
    )
    assert refused.status_code == 400 and "pending" in refused.json()["message"]
    bad = admin_client.post("/admin/console/models/act/", {"action": "explode"}, HTTP_ACCEPT="application/json")
    assert bad.status_code == 400 and "action" in bad.json()["errors"]

    api = APIClient()
    api.force_authenticate(superuser)
    conflict = api.post(f"/api/v1/model-versions/{pending.pk}/promote/")
    assert conflict.status_code == 409 and "pending" in str(conflict.json())
    applied = api.post(f"/api/v1/training-jobs/{job.pk}/apply/")
    assert applied.status_code == 200 and applied.json()["match_threshold"] == job.metrics["match_threshold"]
    queued = api.post("/api/v1/training-jobs/", {"dataset": str(dataset.pk)}, format="json")
    assert queued.status_code == 201 and queued.json()["status"] == "queued"
    cancelled = api.post(f"/api/v1/training-jobs/{queued.json()['id']}/cancel/")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert TrainingJob.objects.get(pk=queued.json()["id"]).status == "cancelled"


def test_a_viewer_may_not_see_the_models_page(client):
    sign_in(client, UserFactory(role_name="viewer"))
    assert client.get("/admin/console/models/").status_code == 403


def test_a_suggestion_is_accepted_from_the_review_queue(admin_client, superuser, yao, media_root):
    camera = CameraFactory()
    [unknown] = recognize_frame(camera, jpeg(flipped(yao)), recent(30))
    person = PersonFactory(name="Yao Ming")
    review.enrol_faces(person, [jpeg(yao)], user=superuser)
    [suggestion] = rematch.rematch_unknowns(person.pk, reason="enrolled")

    queue = admin_client.get("/admin/console/review/").content.decode()
    assert f'data-suggestion="{suggestion.pk}"' in queue and "looks like" in queue
    answer = admin_client.post(
        "/admin/console/review/act/",
        {"action": "accept_suggestion", "suggestion": suggestion.pk},
        HTTP_ACCEPT="application/json",
    )
    assert answer.status_code == 200, answer.content
    assert MatchSuggestion.objects.get(pk=suggestion.pk).status == "accepted"
    assert PersonCluster.objects.get(pk=unknown.cluster_id).status == ClusterStatus.REVIEWED
    again = admin_client.post(
        "/admin/console/review/act/",
        {"action": "reject_suggestion", "suggestion": suggestion.pk},
        HTTP_ACCEPT="application/json",
    )
    assert again.status_code == 400 and "accepted already" in again.json()["message"]
