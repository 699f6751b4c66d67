"""Persons and their faces, unknown clusters, watchlists, review and training.

Review writes go through `faces.services.review` (which records review_actions and moves
embeddings in one place); a review the data's state refuses answers 409 with its reason."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from accounts.rest.access import PolicyViewSetMixin, restrict_for
from accounts.rest.errors import Conflict
from accounts.rest.filters import any_of, time_range
from faces.models import (
    ClusterStatus,
    FaceEmbedding,
    MatchSuggestion,
    ModelVersion,
    Person,
    PersonAlias,
    PersonCluster,
    PersonLabel,
    PersonLabelType,
    PersonRecognitionSummary,
    PersonStatus,
    ReviewAction,
    TrainingDataset,
    TrainingJob,
    UnknownClusterForReview,
    Watchlist,
    WatchlistEntry,
)
from faces.rest import serializers as s
from faces.services import quality_loop, review, training, versions
from faces.services.enrolment import enrol_faces
from surveillance.models import Event


def _refusal(exc: review.ReviewError) -> Conflict:
    return Conflict(str(exc))


class PersonFilter(django_filters.FilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains")
    status = any_of(PersonStatus.choices)
    label = django_filters.ChoiceFilter(field_name="labels__label", choices=PersonLabelType.choices, distinct=True)
    watchlist = django_filters.UUIDFilter(field_name="watchlist_entries__watchlist_id", distinct=True)

    class Meta:
        model = Person
        fields = ["name", "status", "label", "watchlist", "role", "company"]


class PersonViewSet(PolicyViewSetMixin, viewsets.ModelViewSet):
    """The person registry, with aliases, labels, faces (metadata) and enrolment by photo."""

    queryset = Person.objects.prefetch_related("labels", "aliases")
    serializer_class = s.PersonSerializer
    filterset_class = PersonFilter
    policy_actions = {"enrol": "write"}

    def perform_create(self, serializer):
        serializer.save(created_by=self.request.user)

    @extend_schema(responses=s.PersonAliasSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def aliases(self, request, pk=None):
        return Response(s.PersonAliasSerializer(self.get_object().aliases.all(), many=True).data)

    @extend_schema(responses=s.PersonLabelSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def labels(self, request, pk=None):
        return Response(s.PersonLabelSerializer(self.get_object().labels.all(), many=True).data)

    @extend_schema(responses=s.FaceEmbeddingSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def faces(self, request, pk=None):
        """The person's gallery (faces from cameras of your sites, and enrolment photos)."""
        faces = FaceEmbedding.objects.filter(person=self.get_object()).restrict(request.user)
        return Response(s.FaceEmbeddingSerializer(faces, many=True, context=self.get_serializer_context()).data)

    @extend_schema(
        request={"multipart/form-data": s.EnrolmentSerializer},
        responses={
            201: OpenApiResponse(s.EnrolmentReportSerializer, "One face or more was added; `rejected`: the others."),
            422: OpenApiResponse(
                s.EnrolmentFailedSerializer, "No photo had a usable face: nothing was added; `rejected` says why."
            ),
        },
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser], filterset_class=None)
    def enrol(self, request, pk=None):
        """Add reference photos (one face each): 201 when at least one face was added, 422 when none
        was (each photo's reason in `rejected`). Photos without a usable face are reported back."""
        person = self.get_object()
        form = s.EnrolmentSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        images = [(upload.name, upload.read()) for upload in form.validated_data["images"]]
        report = enrol_faces(person, images, user=request.user, allow_outliers=form.validated_data["allow_outliers"])
        body = {"added": report.added, "rejected": [{"photo": p, "reason": r} for p, r in report.rejected]}
        if not report.added:
            failed = {**body, "detail": "no photo had a usable face; nothing was added", "code": "no_usable_face"}
            return Response(s.EnrolmentFailedSerializer(failed).data, status=status.HTTP_422_UNPROCESSABLE_ENTITY)
        return Response(
            s.EnrolmentReportSerializer(body, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )


class PersonAliasViewSet(
    PolicyViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    queryset = PersonAlias.objects.order_by("alias_name", "id")
    serializer_class = s.PersonAliasSerializer
    filterset_fields = ["person"]
    policy_actions = {"destroy": "write"}


class PersonLabelViewSet(
    PolicyViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    queryset = PersonLabel.objects.order_by("created_at", "id")
    serializer_class = s.PersonLabelSerializer
    filterset_fields = ["person", "label"]
    policy_actions = {"destroy": "write"}

    def perform_create(self, serializer):
        serializer.save(created_by=self.request.user)


class FaceEmbeddingFilter(django_filters.FilterSet):
    person = django_filters.UUIDFilter(field_name="person_id")
    cluster = django_filters.UUIDFilter(field_name="cluster_id")
    event = django_filters.UUIDFilter(field_name="event_id")

    class Meta:
        model = FaceEmbedding
        fields = ["person", "cluster", "event", "source", "model_version", "is_primary"]


class FaceEmbeddingViewSet(PolicyViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Face metadata (never the vectors): persons' faces, and faces of clusters seen at your sites."""

    queryset = FaceEmbedding.objects.defer("embedding")
    serializer_class = s.FaceEmbeddingSerializer
    filterset_class = FaceEmbeddingFilter
    policy_actions = {"move": "write"}

    @extend_schema(request=s.MoveEmbeddingsSerializer, responses=s.MovedSerializer)
    @action(detail=False, methods=["post"], pagination_class=None, filterset_class=None)
    def move(self, request):
        """Move faces to a person or to an unknown cluster (with their sightings)."""
        form = s.MoveEmbeddingsSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        faces = list(self.get_queryset().filter(pk__in=data["embeddings"]).values_list("pk", flat=True))
        if len(faces) != len(set(data["embeddings"])):
            raise ValidationError({"embeddings": ["unknown faces, or faces you may not see"]})
        to_cluster = None
        if data.get("to_cluster"):
            to_cluster = restrict_for(request, PersonCluster.objects.filter(pk=data["to_cluster"])).first()
            if to_cluster is None:
                raise ValidationError({"to_cluster": ["unknown cluster"]})
        try:
            moved = review.move_embeddings(
                faces,
                to_person=data.get("to_person"),
                to_cluster=to_cluster,
                reviewer=request.user,
                notes=data["notes"],
            )
        except review.ReviewError as exc:
            raise _refusal(exc) from None
        return Response({"moved": moved})


class ClusterFilter(django_filters.FilterSet):
    status = any_of(ClusterStatus.choices)
    last_seen = time_range("last_seen")
    cluster_label = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = PersonCluster
        fields = ["status", "last_seen", "cluster_label"]


class ClusterViewSet(PolicyViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Unknown faces ("Unknown-00042"), each visible where it was seen. Review actions name,
    merge or reject a cluster."""

    queryset = PersonCluster.objects.select_related("representative_embedding")
    serializer_class = s.ClusterSerializer
    filterset_class = ClusterFilter
    policy_actions = {"name_cluster": "write", "merge": "merge", "reject": "write"}

    @extend_schema(request=s.NameClusterSerializer, responses=s.PersonSerializer)
    @action(detail=True, methods=["post"], url_path="name", pagination_class=None, filterset_class=None)
    def name_cluster(self, request, pk=None):
        """ "This unknown is X": an existing person, or a new one by name."""
        cluster = self.get_object()
        form = s.NameClusterSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        try:
            person = review.name_cluster(
                cluster,
                person=data.get("person"),
                new_person_name=data.get("new_person_name"),
                reviewer=request.user,
                exclude_outliers=data["exclude_outliers"],
            )
        except review.ReviewError as exc:
            raise _refusal(exc) from None
        return Response(s.PersonSerializer(person, context=self.get_serializer_context()).data)

    @extend_schema(request=s.MergeClustersSerializer, responses=s.ClusterSerializer)
    @action(detail=True, methods=["post"], pagination_class=None, filterset_class=None)
    def merge(self, request, pk=None):
        """Several clusters are one unknown person: merge `sources` into this cluster."""
        target = self.get_object()
        form = s.MergeClustersSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        ids = set(form.validated_data["sources"])
        sources = list(self.get_queryset().filter(pk__in=ids))
        if len(sources) != len(ids):
            raise ValidationError({"sources": ["unknown clusters, or clusters you may not see"]})
        try:
            merged = review.merge_clusters(target, sources, request.user)
        except review.ReviewError as exc:
            raise _refusal(exc) from None
        return Response(self.get_serializer(self.get_queryset().get(pk=merged.pk)).data)

    @extend_schema(request=s.ReviewNotesSerializer, responses=s.ClusterSerializer)
    @action(detail=True, methods=["post"], pagination_class=None, filterset_class=None)
    def reject(self, request, pk=None):
        """Not a face / a false positive: look-alikes are suppressed from now on."""
        cluster = self.get_object()
        form = s.ReviewNotesSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            review.reject_cluster(cluster, request.user, notes=form.validated_data["notes"])
        except review.ReviewError as exc:
            raise _refusal(exc) from None
        return Response(self.get_serializer(self.get_queryset().get(pk=cluster.pk)).data)


class WatchlistViewSet(PolicyViewSetMixin, viewsets.ModelViewSet):
    queryset = Watchlist.objects.all()
    serializer_class = s.WatchlistSerializer
    filterset_fields = ["watch_type", "is_active"]

    def perform_create(self, serializer):
        serializer.save(created_by=self.request.user)


class WatchlistEntryViewSet(PolicyViewSetMixin, viewsets.ModelViewSet):
    queryset = WatchlistEntry.objects.order_by("-added_at", "id")
    serializer_class = s.WatchlistEntrySerializer
    filterset_fields = ["watchlist", "person"]
    policy_actions = {"destroy": "write"}

    def perform_create(self, serializer):
        serializer.save(added_by=self.request.user)


class ReviewActionFilter(django_filters.FilterSet):
    created_at = time_range("created_at")
    event = django_filters.UUIDFilter(field_name="event_id")
    reviewer = django_filters.UUIDFilter(field_name="reviewer_id")
    person = django_filters.UUIDFilter(method="filter_person")

    class Meta:
        model = ReviewAction
        fields = ["created_at", "event", "reviewer", "action", "person"]

    def filter_person(self, queryset, name, value):
        return queryset.filter(Q(from_person_id=value) | Q(to_person_id=value))


class ReviewActionViewSet(
    PolicyViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Reviewers' decisions on sightings at your sites. POST confirms a recognition or rejects
    it ("not this person": the face is kept as a negative example for that person)."""

    queryset = ReviewAction.objects.all()
    serializer_class = s.ReviewActionSerializer
    filterset_class = ReviewActionFilter

    @extend_schema(request=s.RecognitionReviewSerializer, responses={201: s.ReviewActionSerializer})
    def create(self, request, *args, **kwargs):
        form = s.RecognitionReviewSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        event = restrict_for(request, Event.objects.filter(id=data["event"])).first()
        if event is None:
            raise ValidationError({"event": ["unknown event, or one you may not see"]})
        try:
            if data["action"] == "confirm":
                review.confirm_recognition(event, request.user)
            else:
                review.reject_recognition(event, request.user, notes=data["notes"])
        except review.ReviewError as exc:
            raise _refusal(exc) from None
        recorded = self.get_queryset().filter(event_id=event.id, reviewer=request.user).order_by("-created_at").first()
        return Response(self.get_serializer(recorded).data, status=status.HTTP_201_CREATED)


class TrainingDatasetViewSet(
    PolicyViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    queryset = TrainingDataset.objects.all()
    serializer_class = s.TrainingDatasetSerializer
    filterset_fields = ["status"]
    policy_actions = {"create": "trigger"}

    def perform_create(self, serializer):
        """Built from reviewed faces by a background job (status building → ready, progress)."""
        data = serializer.validated_data
        try:
            serializer.instance = training.start_dataset(
                data["name"],
                self.request.user,
                person_ids=data.get("person_ids"),
                quality_floor=data.get("quality_floor", 0.45),
                validation_fraction=data.get("validation_fraction", 0.3),
            )
        except training.JobError as exc:
            raise ValidationError({"name": [str(exc)]}) from None


def _job_refusal(exc: Exception) -> Conflict:
    return Conflict(str(exc))


class TrainingJobViewSet(
    PolicyViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Calibration jobs: POST queues one (dataset, model_version, target_precision) on the
    Celery queue; `cancel` stops it; `apply` makes its thresholds the version's."""

    queryset = TrainingJob.objects.all()
    serializer_class = s.TrainingJobSerializer
    filterset_fields = ["status", "dataset"]
    policy_actions = {"create": "trigger", "cancel": "trigger", "apply": "approve"}

    def perform_create(self, serializer):
        data = serializer.validated_data
        version = data.get("model_version") or versions.ensure_production_version()
        try:
            serializer.instance = training.start_calibration(
                data["dataset"], version, self.request.user, target_precision=data.get("target_precision", 0.995)
            )
        except training.JobError as exc:
            raise _job_refusal(exc) from None

    @extend_schema(request=None, responses=s.TrainingJobSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        try:
            job = training.cancel_job(self.get_object())
        except training.JobError as exc:
            raise _job_refusal(exc) from None
        return Response(self.get_serializer(job).data)

    @extend_schema(request=None, responses=s.ModelVersionSerializer)
    @action(detail=True, methods=["post"])
    def apply(self, request, pk=None):
        try:
            version = training.apply_calibration(self.get_object(), request.user)
        except training.JobError as exc:
            raise _job_refusal(exc) from None
        return Response(s.ModelVersionSerializer(version, context=self.get_serializer_context()).data)


class ModelVersionViewSet(PolicyViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Versions; `promote` (refused with 409 while the gallery is incomplete), `rollback`,
    `thresholds` and `reembed` are the audited changes."""

    queryset = ModelVersion.objects.all()
    serializer_class = s.ModelVersionSerializer
    filterset_fields = ["is_production"]
    policy_actions = {"promote": "approve", "rollback": "approve", "thresholds": "approve", "reembed": "trigger"}

    def _answer(self, version):
        return Response(self.get_serializer(version).data)

    @extend_schema(request=None, responses=s.ModelVersionSerializer)
    @action(detail=True, methods=["post"])
    def promote(self, request, pk=None):
        try:
            return self._answer(versions.promote(self.get_object(), request.user))
        except versions.VersionError as exc:
            raise _job_refusal(exc) from None

    @extend_schema(request=None, responses=s.ModelVersionSerializer)
    @action(detail=False, methods=["post"])
    def rollback(self, request):
        try:
            return self._answer(versions.rollback(request.user))
        except versions.VersionError as exc:
            raise _job_refusal(exc) from None

    @extend_schema(request=s.ThresholdsSerializer, responses=s.ModelVersionSerializer)
    @action(detail=True, methods=["post"])
    def thresholds(self, request, pk=None):
        data = s.ThresholdsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        version = versions.set_thresholds(
            self.get_object(),
            request.user,
            match=data.validated_data["match_threshold"],
            cluster=data.validated_data["cluster_threshold"],
            reason="API",
        )
        return self._answer(version)

    @extend_schema(request=None, responses={202: s.ModelVersionSerializer})
    @action(detail=True, methods=["post"])
    def reembed(self, request, pk=None):
        from faces.services import reembed

        version = reembed.start(self.get_object())
        return Response(self.get_serializer(version).data, status=status.HTTP_202_ACCEPTED)


class MatchSuggestionViewSet(PolicyViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Re-matching's suggestions ("Unknown-00042 looks like Marcus Webb, 0.71"); reviewers
    decide them in the console's review queue."""

    queryset = MatchSuggestion.objects.select_related("cluster", "person")
    serializer_class = s.MatchSuggestionSerializer
    filterset_fields = ["status", "person", "cluster"]


class RecognitionQualityView(PolicyViewSetMixin, generics.GenericAPIView):
    """Precision and recall estimates from the review actions of the sites the caller may see,
    per model version, week and camera (faces.services.quality_loop)."""

    queryset = ReviewAction.objects.all()
    serializer_class = s.QualityReportSerializer
    pagination_class = None
    filter_backends: list = []

    @extend_schema(responses=s.QualityReportSerializer)
    def get(self, request):
        return Response(quality_loop.quality_report(self.get_queryset()).as_dict())


class RecognitionSummaryViewSet(PolicyViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """The seed's vw_person_recognition_summary (every site, so super admins only)."""

    queryset = PersonRecognitionSummary.objects.order_by("-last_seen", "person_id")
    serializer_class = s.PersonRecognitionSummarySerializer
    filterset_fields = ["status"]


class ClustersForReviewViewSet(PolicyViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """The seed's vw_unknown_clusters_for_review (every site, so super admins only; reviewers
    use /clusters/?status=active)."""

    queryset = UnknownClusterForReview.objects.order_by("-sample_count", "-last_seen", "cluster_id")
    serializer_class = s.UnknownClusterForReviewSerializer
