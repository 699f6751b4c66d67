"""Images in and out: decoding uploaded bytes strictly, and storing frames and face crops through
django-storages with their media_files row (size, SHA-256, retention date)."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
from dataclasses import dataclass

import cv2
import numpy as np
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, UnidentifiedImageError

from surveillance.models import MediaFile, MediaFileType

IMAGE_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "BMP": "bmp"}
MAX_IMAGE_PIXELS = 40_000_000  # a 8K frame is 33 MP; more is a decompression bomb, not a camera


class ImageError(ValueError):
    pass


@dataclass(frozen=True)
class ImageInfo:
    extension: str
    width: int
    height: int


def inspect_image(data: bytes) -> ImageInfo:
    """Check the bytes are one complete image in a format we store."""
    if not data:
        raise ImageError("the file is empty")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            image_format = probe.format
            width, height = probe.size
            if width * height > MAX_IMAGE_PIXELS:
                raise ImageError(f"the image is {width}x{height}; at most {MAX_IMAGE_PIXELS} pixels are accepted")
            # load() decodes every byte, so a truncated JPEG fails here (Pillow's default refuses them).
            probe.load()
    except UnidentifiedImageError as exc:
        raise ImageError("the file is not an image (JPEG, PNG, WebP or BMP expected)") from exc
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise ImageError(f"the image is damaged or truncated ({exc})") from exc
    if image_format not in IMAGE_FORMATS:
        raise ImageError(f"{image_format} images are not accepted (JPEG, PNG, WebP or BMP expected)")
    return ImageInfo(IMAGE_FORMATS[image_format], width, height)


def decode_image(data: bytes) -> np.ndarray:
    """Bytes to a BGR array (what the models take); raises ImageError on anything else."""
    inspect_image(data)
    image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise ImageError("the image could not be decoded")
    return image


def encode_jpeg(image: np.ndarray, quality: int = 90) -> bytes:
    ok, buffer = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ImageError("the image could not be encoded as JPEG")
    return buffer.tobytes()


def crop_face(image: np.ndarray, bbox, margin: float = 0.25) -> np.ndarray:
    """The face with some context around it, for people to look at (not the aligned model input)."""
    height, width = image.shape[:2]
    x1, y1, x2, y2 = (float(v) for v in bbox[:4])
    pad_x, pad_y = (x2 - x1) * margin, (y2 - y1) * margin
    left, top = max(0, int(x1 - pad_x)), max(0, int(y1 - pad_y))
    right, bottom = min(width, int(x2 + pad_x)), min(height, int(y2 + pad_y))
    return image[top:bottom, left:right].copy()


# Crops of faces kept in a person's gallery live as long as the person (review_actions and the
# gallery need them); media_files.retention_until is NOT NULL, so "forever" is a far date.
KEEP_FOREVER = dt.datetime(9999, 12, 31, tzinfo=dt.UTC)


def retention_until(camera, timestamp: dt.datetime, kind: str = "snapshot") -> dt.datetime:
    """Snapshots and face crops have their own retention, per camera (config `retention_days`,
    `face_crop_retention_days`), else the site-wide defaults; both separate from events."""
    key, days = (
        ("face_crop_retention_days", settings.ORIN_FACE_CROP_RETENTION_DAYS)
        if kind == "face_crop"
        else ("retention_days", settings.ORIN_SNAPSHOT_RETENTION_DAYS)
    )
    if camera is not None:
        with contextlib.suppress(TypeError, ValueError):
            days = int((camera.config or {}).get(key, days))
    return timestamp + dt.timedelta(days=max(days, 1))


def keep_crops_of(embedding_ids) -> None:
    """Faces that joined a person's gallery keep their crops for as long as the person."""
    from faces.models import FaceEmbedding

    crops = FaceEmbedding.objects.filter(pk__in=embedding_ids, crop__isnull=False).values("crop_id")
    MediaFile.objects.filter(pk__in=crops).update(retention_until=KEEP_FOREVER)


def save_file(name: str, data: bytes) -> str:
    """Store under exactly `name` (a retried task rewrites the same object instead of adding one)."""
    if default_storage.exists(name):
        default_storage.delete(name)
    return default_storage.save(name, ContentFile(data))


def delete_files(names) -> None:
    for name in names:
        if name and default_storage.exists(name):
            default_storage.delete(name)


def register_media(
    stored: str, data: bytes, *, camera, timestamp: dt.datetime, event_id=None, kind: str = "snapshot"
) -> MediaFile:
    return MediaFile.objects.create(
        file_type=MediaFileType.IMAGE,
        storage_path=stored,
        file_size=len(data),
        checksum=hashlib.sha256(data).hexdigest(),
        camera=camera,
        event_id=event_id,
        timestamp=timestamp,
        retention_until=retention_until(camera, timestamp, kind),
    )


def store_media(
    name: str, data: bytes, *, camera, timestamp: dt.datetime, event_id=None
) -> tuple[str, MediaFile | None]:
    """Save the bytes and, for camera media, register them in media_files. Returns the stored
    name and the row (None without a camera: the seed's media_files.camera_id is NOT NULL)."""
    stored = save_file(name, data)
    if camera is None:
        return stored, None
    return stored, register_media(stored, data, camera=camera, timestamp=timestamp, event_id=event_id)


def visible_crop(user, name: str):
    """surveillance media resolver: an enrolment photo's crop (no media_files row) is seen by
    those who may read persons, and a cluster's only where the cluster was sighted."""
    from accounts import policy
    from faces.models import FaceEmbedding, PersonCluster
    from surveillance.services.media_access import VisibleMedia

    embedding = FaceEmbedding.objects.filter(source_image_path=name).only("id", "person_id", "cluster_id", "crop_id")
    for face in embedding[:5]:
        if face.crop_id:
            continue  # a camera crop: its media_files row decided already
        if face.cluster_id and not PersonCluster.objects.filter(pk=face.cluster_id).restrict(user).exists():
            continue
        if policy.can(user, "persons", "read"):
            return VisibleMedia(name, "face_embedding", face.id)
    return None
