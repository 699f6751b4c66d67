"""The console's screens, mounted under /admin/console/ by `orin.admin_site.OrinAdminSite`
(each wrapped in the admin's login and staff check; URL names live in the "admin" namespace)."""

from alerts import console as alerts_console
from console import views as console_views
from faces import console as faces_console
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
    # Snapshots and crops: policy-checked, privately cacheable (thumbnails are re-requested a lot).
    ("media/<path:name>", console_views.media, "console_media", True),
    ("scenes/", scenes_console.scene_search, "console_scenes", False),
    ("scenes/describe/", scenes_console.describe_this, "console_scenes_describe", False),
]
