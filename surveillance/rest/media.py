"""Signed, expiring download links for snapshots, clips and face crops.

A link names the stored file and the user it was issued to, signed with SECRET_KEY and valid
for ORIN_MEDIA_URL_TTL_SECONDS, so it works where no Authorization header can be sent (an
<img src>, a video player, a share to another app on the same device). On download the user
must still be active and still allowed to see the file (surveillance.services.media_access),
and the download is written to the audit trail.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.http import FileResponse, Http404
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import permissions
from rest_framework.views import APIView

from accounts.services.audit import record_access
from surveillance.services import media_access

SALT = "orin.api.media-download"


def signed_download(request, name: str | None) -> tuple[str | None, str | None]:
    """(absolute URL, expiry as ISO 8601) for the requester to fetch stored file `name`."""
    if not name or request is None or not request.user.is_authenticated:
        return None, None
    token = signing.dumps({"n": name, "u": str(request.user.pk)}, salt=SALT, compress=True)
    expires = timezone.now() + dt.timedelta(seconds=settings.ORIN_MEDIA_URL_TTL_SECONDS)
    url = request.build_absolute_uri(reverse("api:media-download", kwargs={"token": token}))
    return url, expires.isoformat()


def _resolve(token: str):
    try:
        data = signing.loads(token, salt=SALT, max_age=settings.ORIN_MEDIA_URL_TTL_SECONDS)
        user = get_user_model().objects.select_related("role").get(pk=data["u"], is_active=True)
        name = str(data["n"])
    except (signing.BadSignature, KeyError, TypeError, ValueError, get_user_model().DoesNotExist):
        raise Http404("this download link is invalid or has expired") from None
    return user, name


class MediaDownloadView(APIView):
    """Download a file through a signed link from a media file, clip or face embedding."""

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    throttle_scope = "media"

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY}, tags=["media"])
    def get(self, request, token: str):
        user, name = _resolve(token)
        visible = media_access.find_visible_media(user, name)
        if visible is None:
            raise Http404("this file is not available to you")
        try:
            handle = media_access.open_media(name)
        except media_access.MediaUnavailable:
            raise Http404("the file is no longer in storage") from None
        record_access(user, "media_download", visible.resource_type, visible.resource_id, request=request, via="api")
        response = FileResponse(handle, as_attachment=False, filename=name.rsplit("/", 1)[-1])
        response["Cache-Control"] = "private, max-age=60"
        response["X-Content-Type-Options"] = "nosniff"
        return response
