"""Routes of the faces API; orin.api_urls mounts them under /api/v1/. Frame ingest and "who is
this?" live in faces.api (api/v1/ingest/frames, api/v1/faces/search, routed in orin.urls)."""

from django.urls import path

from faces.rest import views

ROUTES = [
    ("persons", views.PersonViewSet, "person"),
    ("person-aliases", views.PersonAliasViewSet, "person-alias"),
    ("person-labels", views.PersonLabelViewSet, "person-label"),
    ("face-embeddings", views.FaceEmbeddingViewSet, "face-embedding"),
    ("clusters", views.ClusterViewSet, "cluster"),
    ("watchlists", views.WatchlistViewSet, "watchlist"),
    ("watchlist-entries", views.WatchlistEntryViewSet, "watchlist-entry"),
    ("review-actions", views.ReviewActionViewSet, "review-action"),
    ("training-datasets", views.TrainingDatasetViewSet, "training-dataset"),
    ("training-jobs", views.TrainingJobViewSet, "training-job"),
    ("model-versions", views.ModelVersionViewSet, "model-version"),
    ("recognition-summary", views.RecognitionSummaryViewSet, "recognition-summary"),
    ("clusters-for-review", views.ClustersForReviewViewSet, "cluster-for-review"),
    ("match-suggestions", views.MatchSuggestionViewSet, "match-suggestion"),
]

urlpatterns: list = [
    path("recognition-quality/", views.RecognitionQualityView.as_view(), name="recognition-quality"),
]
