"""The console's screens, mounted under /admin/console/ by `orin.admin_site.OrinAdminSite`
(each wrapped in the admin's login and staff check; URL names live in the "admin" namespace)."""

from alerts import console as alerts_console
from alerts import console_preferences
from console import views as console_views
from detection import console as detection_console
from faces import console as faces_console
from faces import learning_console
from incidents import console as incidents_console
from scenes import console as scenes_console

# (route, view, name, cacheable)
CONSOLE_ROUTES = [
    ("dashboard.json", console_views.dashboard_json, "console_dashboard_data", False),
    ("alerts/", alerts_console.alert_queue_view, "console_alerts", False),
    ("alerts.json", alerts_console.alert_queue_json, "console_alerts_data", False),
    ("alerts/handle/", alerts_console.handle_alerts_view, "console_alerts_handle", False),
    ("events/", console_views.event_browser, "console_events", False),
    ("events/export.csv", console_views.event_export, "console_events_export", False),
    ("timeline/person/<uuid:person_id>/", console_views.person_timeline, "console_person_timeline", False),
    ("timeline/cluster/<uuid:cluster_id>/", console_views.cluster_timeline, "console_cluster_timeline", False),
    ("review/", faces_console.review_queue_view, "console_review", False),
    ("review/cluster/<uuid:cluster_id>/", faces_console.review_cluster_view, "console_review_cluster", False),
    ("review/person/<uuid:person_id>/", faces_console.review_person_view, "console_review_person", False),
    ("review/persons.json", faces_console.person_search, "console_person_search", False),
    ("review/act/", faces_console.review_act, "console_review_act", False),
    ("detections/", detection_console.detections_view, "console_detections", False),
    ("detections/review/", detection_console.review_view, "console_detections_review", False),
    ("incidents/", incidents_console.incident_list_view, "console_incidents", False),
    ("incidents/from-alerts/", incidents_console.incident_from_alerts_view, "console_incidents_from_alerts", False),
    ("incidents/<uuid:incident_id>/", incidents_console.incident_view, "console_incident", False),
    ("incidents/<uuid:incident_id>/act/", incidents_console.incident_act_view, "console_incident_act", False),
    ("incidents/<uuid:incident_id>/report/", incidents_console.incident_report_view, "console_incident_report", False),
    (
        "incidents/<uuid:incident_id>/evidence/<uuid:evidence_id>/",
        incidents_console.evidence_file_view,
        "console_incident_evidence",
        True,
    ),
    ("me/notifications/", console_preferences.my_notifications_view, "console_my_notifications", False),
    # Snapshots and crops: policy-checked, privately cacheable (thumbnails are re-requested a lot).
    ("media/<path:name>", console_views.media, "console_media", True),
    ("models/", learning_console.models_view, "console_models", False),
    ("models/act/", learning_console.models_act, "console_models_act", False),
    ("quality/", learning_console.quality_view, "console_quality", False),
]

# Video evidence (app `video`): an alert's clip, a camera's recordings, exports, the MP4 route.
from video import console as video_console  # noqa: E402

CONSOLE_ROUTES += [
    ("alerts/<uuid:alert_id>/evidence/", video_console.alert_evidence, "console_video_alert", False),
    ("recordings/camera/<uuid:camera_id>/", video_console.camera_recordings, "console_video_camera", False),
    ("recordings/camera/<uuid:camera_id>/export/", video_console.export_range, "console_video_export_range", False),
    ("recordings/export/<uuid:request_id>/", video_console.export_status, "console_video_export", False),
    ("clips/<uuid:clip_id>.mp4", video_console.clip_file, "console_video_clip", True),
]
CONSOLE_ROUTES += [
    ("live/", video_console.live_grid, "console_video_live", False),
    ("live/<uuid:camera_id>.jpg", video_console.live_picture, "console_video_live_picture", False),
    ("scenes/", scenes_console.scene_search, "console_scenes", False),
    ("scenes/describe/", scenes_console.describe_this, "console_scenes_describe", False),
]
