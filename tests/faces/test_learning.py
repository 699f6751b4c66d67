"""Datasets from a scripted review session, calibration on them, the quality figures, and
re-matching: with real faces (insightface's group photo and Yao Ming) and real PostgreSQL."""

import numpy as np
import pytest

from alerts.models import Alert
from faces.models import (
    ClusterStatus,
    FaceEmbedding,
    MatchSuggestion,
    NegativeExample,
    PersonCluster,
    SuggestionStatus,
    TrainingJob,
    TrainingJobStatus,
)
from faces.services import calibration, datasets, quality_loop, rematch, review, training
from faces.services.recognition import recognize_frame
from faces.services.versions import ensure_production_version
from surveillance.models import EventType
from tests.faces.conftest import brightened, flipped, jpeg, recent, recompressed
from tests.factories import CameraFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewer(db):
    return UserFactory(role_name="operator")


@pytest.fixture
def named_group(group_photo, reviewer, media_root):
    """The group photo seen four ways by one camera; a reviewer names every unknown cluster."""
    camera = CameraFactory()
    for seconds, variant in enumerate(
        (group_photo, flipped(group_photo), brightened(group_photo), recompressed(group_photo))
    ):
        recognize_frame(camera, jpeg(variant), recent(60 - seconds))
    persons = []
    for number, cluster in enumerate(
        PersonCluster.objects.filter(status=ClusterStatus.ACTIVE).order_by("cluster_label")
    ):
        persons.append(review.name_cluster(cluster, new_person_name=f"Guest {number}", reviewer=reviewer))
    return camera, persons


def test_a_dataset_from_review_counts_the_named_faces_and_splits_identities(named_group, reviewer):
    camera, persons = named_group
    assert len(persons) >= 4
    dataset = training.start_dataset("group review", reviewer, quality_floor=0.0, validation_fraction=0.5)
    dataset = datasets.build_dataset(dataset.pk)

    faces = FaceEmbedding.objects.filter(person__in=persons)
    assert dataset.status == "ready" and dataset.progress == 1.0
    assert dataset.sample_count == faces.count() > len(persons)
    assert dataset.summary["labels"] == {"corrected": faces.count()}
    split = datasets.identities_by_split(dataset)
    assert split["train"] and split["validation"] and not split["train"] & split["validation"]
    assert len(split["validation"]) == round(len(persons) * 0.5)


def test_calibration_on_the_dataset_separates_the_identities(named_group, reviewer):
    camera, persons = named_group
    dataset = datasets.build_dataset(training.start_dataset("all", reviewer, quality_floor=0.0).pk)
    version = ensure_production_version()
    job = training.start_calibration(dataset, version, reviewer, target_precision=0.995)
    job = training.run_job(job.pk)

    assert job.status == TrainingJobStatus.COMPLETED, job.error
    metrics = job.metrics
    assert metrics["precision_at_match"] >= 0.995 and metrics["recall_at_match"] > 0.5
    curves = metrics["curves"]
    assert len(curves["threshold"]) == len(curves["precision"]) == len(curves["fmr"]) == 101
    # Separated: the impostor pairs stop (FMR 0) below where the genuine pairs start failing.
    cluster_at = curves["threshold"].index(metrics["cluster_threshold"])
    assert curves["fmr"][cluster_at] <= calibration.CLUSTER_FMR and curves["fnmr"][cluster_at] < 0.5

    applied = training.apply_calibration(job, reviewer)
    assert applied.match_threshold == metrics["match_threshold"]


def test_a_cancelled_job_stops_and_a_queued_one_never_runs(named_group, reviewer):
    dataset = datasets.build_dataset(training.start_dataset("all", reviewer, quality_floor=0.0).pk)
    version = ensure_production_version()
    queued = training.start_calibration(dataset, version, reviewer)
    assert training.cancel_job(queued).status == TrainingJobStatus.CANCELLED
    assert training.run_job(queued.pk).status == TrainingJobStatus.CANCELLED

    running = training.start_calibration(dataset, version, reviewer)
    TrainingJob.objects.filter(pk=running.pk).update(status=TrainingJobStatus.RUNNING, cancel_requested=True)
    with pytest.raises(calibration.Cancelled):
        calibration.calibrate(TrainingJob.objects.get(pk=running.pk))


def test_calibration_refuses_a_validation_set_of_one_identity():
    with pytest.raises(ValueError, match="2 identities"):
        calibration.measure(np.eye(4, 512, dtype=np.float32), np.zeros(4, dtype=np.int64), target_precision=0.99)


def test_quality_figures_come_from_the_review_actions(yao, astronaut, reviewer, media_root, settings):
    person = PersonFactory(name="Yao Ming")
    review.enrol_faces(person, [jpeg(yao)], user=reviewer)
    camera = CameraFactory(config={"match_threshold": -1.0})  # lax: the astronaut is "recognised" too
    right = [recognize_frame(camera, jpeg(v), recent(50 - i))[0] for i, v in enumerate((flipped(yao), brightened(yao)))]
    [wrong] = recognize_frame(camera, jpeg(astronaut), recent(40))
    assert all(e.event_type == EventType.PERSON_RECOGNIZED for e in [*right, wrong])
    for event in right:
        review.confirm_recognition(event, reviewer)
    review.reject_recognition(wrong, reviewer)

    report = quality_loop.quality_report().as_dict()
    [overall] = report["versions"]
    assert (overall["true_matches"], overall["false_matches"]) == (2, 1)
    assert overall["precision"] == round(2 / 3, 4)
    assert report["cameras"][0]["camera"] == camera.name

    settings.ORIN_FACE_PRECISION_ALERT, settings.ORIN_FACE_PRECISION_MIN_REVIEWS = 0.9, 3
    [alert] = quality_loop.check_precision()
    assert alert.camera_id == camera.id and "66.7%" in alert.message
    assert quality_loop.check_precision() == []  # one open alert per camera
    assert Alert.objects.filter(alert_type="recognition_precision").count() == 1


def test_enrolment_turns_the_matching_unknown_cluster_into_a_suggestion(yao, hanks, reviewer, media_root):
    camera = CameraFactory()
    [unknown] = recognize_frame(camera, jpeg(flipped(yao)), recent(30))
    recognize_frame(camera, jpeg(hanks), recent(20))
    assert unknown.cluster_id is not None
    person = PersonFactory(name="Yao Ming")
    review.enrol_faces(person, [jpeg(yao)], user=reviewer)

    [suggestion] = rematch.rematch_unknowns(person.pk, reason="enrolled")
    assert suggestion.cluster_id == unknown.cluster_id and suggestion.person_id == person.pk
    assert suggestion.similarity > 0.5 and str(suggestion).startswith(suggestion.cluster.cluster_label)

    rematch.reject(suggestion, reviewer)
    assert NegativeExample.objects.filter(person=person).exists()
    assert rematch.rematch_unknowns(person.pk, reason="enrolled") == []  # not suggested again

    MatchSuggestion.objects.all().delete()
    NegativeExample.objects.all().delete()
    [again] = rematch.rematch_unknowns(None, reason="threshold")
    rematch.accept(again, reviewer)
    assert again.cluster.__class__.objects.get(pk=unknown.cluster_id).status == ClusterStatus.REVIEWED
    assert MatchSuggestion.objects.get(pk=again.pk).status == SuggestionStatus.ACCEPTED
    assert FaceEmbedding.objects.filter(person=person, event_id=unknown.id).exists()
