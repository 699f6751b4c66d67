"""Images to send for a stored file: a snapshot as it is, a video clip as a few evenly spaced
JPEG frames (OpenCV, already used by the stream readers)."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile

from django.core.files.storage import default_storage

from scenes.services.describer import Image

logger = logging.getLogger(__name__)

CLIP_SUFFIXES = (".mp4", ".mkv", ".avi", ".mov", ".webm", ".ts")
FRAMES_PER_CLIP = 3
JPEG_QUALITY = 85


def is_clip(name: str) -> bool:
    return name.lower().endswith(CLIP_SUFFIXES)


def clip_frames(name: str, count: int = FRAMES_PER_CLIP) -> list[Image]:
    """`count` frames spread over the clip (at 1/(count+1), 2/(count+1), …), as JPEGs."""
    import cv2

    suffix = os.path.splitext(name)[1]
    # VideoCapture needs a local file; remote storages (S3) are copied to one first.
    with tempfile.NamedTemporaryFile(suffix=suffix) as local:
        with default_storage.open(name, "rb") as source:
            shutil.copyfileobj(source, local)
        local.flush()
        capture = cv2.VideoCapture(local.name)
        try:
            total = int(capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
            if not capture.isOpened() or total <= 0:
                return []
            images = []
            for position in sorted({max(0, total * (i + 1) // (count + 1)) for i in range(count)}):
                capture.set(cv2.CAP_PROP_POS_FRAMES, position)
                ok, frame = capture.read()
                if not ok:
                    continue
                ok, encoded = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
                if ok:
                    images.append(Image(f"{name}#frame={position}", encoded.tobytes()))
            return images
        finally:
            capture.release()


def load_images(paths: list[str], limit: int) -> list[Image]:
    """The images of `paths` (storage names), at most `limit`; missing files are logged, skipped."""
    images: list[Image] = []
    for name in paths:
        try:
            if is_clip(name):
                images += clip_frames(name)
            else:
                with default_storage.open(name, "rb") as handle:
                    images.append(Image(name, handle.read()))
        except (FileNotFoundError, OSError):
            logger.warning("%s is missing from storage", name)
    return images[:limit]
