"""Snapshots and face crops are served only through the access policy, never from a public
/media/ mapping: a stored name is shown to a user only when a row they may see points at it
(a media_files row of their sites, or a row of another app that its registered resolver finds,
e.g. a face embedding they may see)."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

from django.core.files.storage import default_storage
from django.urls import reverse
from PIL import Image, UnidentifiedImageError

from accounts import policy
from surveillance.models import MediaFile

THUMBNAIL_WIDTHS = (96, 160, 320, 640)


class MediaUnavailable(Exception):
    """The file is missing from storage or cannot be read as an image."""


@dataclass(frozen=True)
class VisibleMedia:
    name: str
    resource_type: str
    resource_id: object


def media_url(name: str, width: int | None = None) -> str:
    url = reverse("admin:console_media", kwargs={"name": name})
    return f"{url}?w={width}" if width else url


def safe_name(name: str) -> bool:
    parts = name.split("/")
    return bool(name) and not name.startswith("/") and ".." not in parts and "\\" not in name and "\x00" not in name


# Apps above surveillance that store files of their own (face crops, clips of other apps) say
# who may see them: (user, name) -> VisibleMedia or None, registered in their AppConfig.ready().
MEDIA_RESOLVERS: list[Callable[[object, str], VisibleMedia | None]] = []


def register_media_resolver(resolver: Callable[[object, str], VisibleMedia | None]) -> None:
    if resolver not in MEDIA_RESOLVERS:
        MEDIA_RESOLVERS.append(resolver)


def find_visible_media(user, name: str) -> VisibleMedia | None:
    """The stored file `name` if the user may see it, else None (the caller answers 404)."""
    if not safe_name(name) or not policy.can(user, "media", "read"):
        return None
    media = MediaFile.objects.filter(storage_path=name).restrict(user).values_list("id", flat=True).first()
    if media is not None:
        return VisibleMedia(name, "media_file", media)
    for resolver in MEDIA_RESOLVERS:
        visible = resolver(user, name)
        if visible is not None:
            return visible
    return None


def open_media(name: str):
    try:
        return default_storage.open(name, "rb")
    except (FileNotFoundError, OSError) as exc:
        raise MediaUnavailable(name) from exc


def thumbnail(name: str, width: int) -> bytes:
    """A JPEG at most `width` pixels wide (JPEG draft mode decodes at reduced size: fast)."""
    with open_media(name) as handle:
        try:
            image = Image.open(handle)
            image.draft("RGB", (width, width))
            image = image.convert("RGB")
        except (UnidentifiedImageError, OSError) as exc:
            raise MediaUnavailable(name) from exc
    image.thumbnail((width, width * 4))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()
