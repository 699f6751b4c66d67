"""Recognition quality measured from review actions, per model version, camera and week.

- true match: a recognition a reviewer confirmed;
- false match: a recognition rejected ("not this person") or corrected to someone else;
- missed match: a sighting the system left unknown that a reviewer named (cluster named, face
  moved to a person) or merged;
precision = true / (true + false), recall = true / (true + missed). Merges and splits (faces
moved out) of clusters are counted as clustering errors. Estimates, not ground truth: only what
reviewers looked at counts, so each figure comes with its number of reviews.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.db.models import F
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import TruncWeek
from django.utils import timezone

from faces.models import ReviewAction
from surveillance.models import Camera, ReviewActionType


@dataclass
class Figures:
    true_matches: int = 0
    false_matches: int = 0
    missed_matches: int = 0
    merges: int = 0
    splits: int = 0

    @property
    def reviews(self) -> int:
        return self.true_matches + self.false_matches + self.missed_matches

    @property
    def precision(self) -> float | None:
        judged = self.true_matches + self.false_matches
        return round(self.true_matches / judged, 4) if judged else None

    @property
    def recall(self) -> float | None:
        found = self.true_matches + self.missed_matches
        return round(self.true_matches / found, 4) if found else None

    def add(self, other: Figures) -> None:
        for name in ("true_matches", "false_matches", "missed_matches", "merges", "splits"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict:
        return {**asdict(self), "reviews": self.reviews, "precision": self.precision, "recall": self.recall}


@dataclass
class Report:
    since: dt.datetime
    overall: dict[str, Figures] = field(default_factory=lambda: defaultdict(Figures))  # per version
    by_week: dict[tuple[str, dt.date], Figures] = field(default_factory=lambda: defaultdict(Figures))
    by_camera: dict[tuple[str, object], Figures] = field(default_factory=lambda: defaultdict(Figures))
    camera_names: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "since": self.since.isoformat(),
            "versions": [{"model_version": v, **f.as_dict()} for v, f in sorted(self.overall.items())],
            "weeks": [
                {"model_version": v, "week": w.isoformat(), **f.as_dict()} for (v, w), f in sorted(self.by_week.items())
            ],
            "cameras": [
                {"model_version": v, "camera_id": str(c), "camera": self.camera_names.get(c, ""), **f.as_dict()}
                for (v, c), f in sorted(self.by_camera.items(), key=lambda item: (item[0][0], str(item[0][1])))
            ],
        }


def _classify(action: str, recognised: bool, to_person: bool, notes: str) -> Figures:
    figures = Figures()
    if action == ReviewActionType.CONFIRM:
        figures.true_matches = 1
    elif recognised and action in (ReviewActionType.REJECT, ReviewActionType.CORRECT_NAME):
        figures.false_matches = 1
    elif action == ReviewActionType.CORRECT_NAME and to_person:
        figures.missed_matches = 1
    elif action == ReviewActionType.MERGE:
        figures.merges = 1
    elif action == ReviewActionType.REJECT and not recognised:
        figures.splits = 1  # a face moved out of a cluster or gallery
    return figures


def quality_report(reviews=None, *, weeks: int = 12) -> Report:
    """Figures over the last `weeks` weeks of reviews (`reviews`: a restricted ReviewAction
    queryset, so a reviewer sees the figures of the sites they may see)."""
    since = timezone.now() - dt.timedelta(weeks=weeks)
    rows = (
        (reviews if reviews is not None else ReviewAction.objects.all())
        .filter(created_at__gte=since)
        .annotate(
            version=KeyTextTransform("model_version", "event__metadata"),
            recognised=KeyTextTransform("matched_embedding_id", "event__metadata"),
            camera_id=F("event__camera_id"),
            week=TruncWeek("event__timestamp"),
        )
        .values_list("action", "version", "recognised", "camera_id", "week", "to_person_id", "notes")
    )
    report = Report(since=since)
    for action, version, recognised, camera_id, week, to_person, notes in rows.iterator():
        if week is None:
            continue  # the sighting has left the event partitions
        figures = _classify(action, recognised is not None, to_person is not None, notes or "")
        version = version or "?"
        report.overall[version].add(figures)
        report.by_week[(version, week.date())].add(figures)
        report.by_camera[(version, camera_id)].add(figures)
    report.camera_names = dict(Camera.objects.filter(id__in={c for _, c in report.by_camera}).values_list("id", "name"))
    return report


def check_precision(*, weeks: int = 1) -> list:
    """System alerts for the cameras whose precision under the production version fell below
    ORIN_FACE_PRECISION_ALERT over the last `weeks` (with enough reviews to mean something);
    one open alert per camera at a time."""
    from alerts.models import Alert, AlertStatus
    from alerts.services.lifecycle import raise_alert
    from faces.services.versions import production

    version = production().version
    floor, enough = settings.ORIN_FACE_PRECISION_ALERT, settings.ORIN_FACE_PRECISION_MIN_REVIEWS
    report = quality_report(weeks=weeks)
    raised = []
    for (row_version, camera_id), figures in report.by_camera.items():
        precision = figures.precision
        judged = figures.true_matches + figures.false_matches
        if row_version != version or precision is None or judged < enough or precision >= floor:
            continue
        open_alert = Alert.objects.filter(
            camera_id=camera_id, alert_type="recognition_precision", status__in=[AlertStatus.PENDING, AlertStatus.SENT]
        )
        if open_alert.exists():
            continue
        camera = Camera.objects.get(pk=camera_id)
        raised.append(
            raise_alert(
                camera=camera,
                alert_type="recognition_precision",
                severity="medium",
                message=f"Face recognition precision on {camera.name} fell to {precision:.1%} "
                f"({figures.false_matches} wrong of {judged} reviewed matches, model {version}); "
                f"alert floor {floor:.1%}.",
            )
        )
    return raised
