"""The face models, loaded once per process: SCRFD detector + ArcFace recognizer via insightface.

insightface's FaceAnalysis downloads a pack it cannot find by name; we hand it the pack folder
itself (it accepts a directory path) after checking the folder, so it never reaches the network.
"""

from __future__ import annotations

import logging
import threading
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from faces.services.model_pack import FIX_HINT, ModelPackError, model_files, model_pack_dir

logger = logging.getLogger(__name__)


# The detector runs on a 640x640 letterbox (surveillance frames) and on 128x128 (a face that
# fills the picture, as in enrolment photos and crops, is too big for the 640 anchors).
DETECTOR_SIZES = [(128, 128), (640, 640)]

_lock = threading.Lock()
# One engine per (pack folder, version): while a new model version re-embeds the gallery, a
# worker holds both the production pack and the new one.
_engines: dict[tuple[str, str], FaceEngine] = {}


@dataclass
class DetectedFace:
    bbox: np.ndarray  # x1, y1, x2, y2 in frame pixels
    landmarks: np.ndarray | None  # 5 x 2: eyes, nose, mouth corners
    det_score: float
    embedding: np.ndarray | None = field(default=None, repr=False)

    @property
    def short_side(self) -> float:
        return float(min(self.bbox[2] - self.bbox[0], self.bbox[3] - self.bbox[1]))


def execution_providers() -> list[str]:
    import onnxruntime

    available = onnxruntime.get_available_providers()
    if "CUDAExecutionProvider" in available:
        return ["CUDAExecutionProvider", "CPUExecutionProvider"]
    return ["CPUExecutionProvider"]


def session_options():
    """Few threads per process, no busy-waiting: workers scale by processes, and onnxruntime's
    spinning threads starve each other (and the database) when several share a core."""
    import onnxruntime
    from django.conf import settings

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = settings.ORIN_FACE_INFERENCE_THREADS
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return options


class FaceEngine:
    def __init__(self, folder: Path | None = None, version: str | None = None) -> None:
        import onnxruntime
        from insightface.app import FaceAnalysis

        folder = folder or model_pack_dir()
        version = version or folder.name[:20]
        model_files(folder)  # a missing or empty folder raises ModelPackError before insightface can try a download
        providers = execution_providers()
        started = time.perf_counter()
        onnxruntime.set_default_logger_severity(3)
        try:
            analysis = FaceAnalysis(
                name=str(folder.resolve()),
                providers=providers,
                allowed_modules=["detection", "recognition"],
                sess_options=session_options(),
            )
        except Exception as exc:  # onnxruntime raises its own untyped errors (InvalidProtobuf, ...) for bad files
            raise ModelPackError(f"face model pack {folder} cannot be loaded ({exc!r}); {FIX_HINT}") from exc
        if "recognition" not in analysis.models:
            raise ModelPackError(f"face model pack {folder} has no 512-d recognition model; {FIX_HINT}")
        if not getattr(analysis.det_model, "use_kps", False):
            raise ModelPackError(f"face detector in {folder} gives no landmarks, which alignment needs; {FIX_HINT}")
        analysis.prepare(ctx_id=0 if providers[0] == "CUDAExecutionProvider" else -1, det_size=DETECTOR_SIZES)
        self.detector = analysis.det_model
        self.recognizer = analysis.models["recognition"]
        self.version = version
        self.providers = providers
        self.load_seconds = time.perf_counter() - started
        logger.info("face models loaded from %s on %s in %.2fs", folder, providers[0], self.load_seconds)

    def detect(self, image: np.ndarray) -> list[DetectedFace]:
        boxes, landmarks = self.detector.detect(image)
        return [
            DetectedFace(
                bbox=boxes[i, :4].astype(np.float32),
                landmarks=None if landmarks is None else landmarks[i].astype(np.float32),
                det_score=float(boxes[i, 4]),
            )
            for i in range(boxes.shape[0])
        ]

    def align(self, image: np.ndarray, face: DetectedFace) -> np.ndarray:
        from insightface.utils import face_align

        with warnings.catch_warnings():
            # insightface 2.1 calls a scikit-image API deprecated in 0.26: harmless, and noisy per face.
            warnings.simplefilter("ignore", FutureWarning)
            return face_align.norm_crop(image, landmark=face.landmarks, image_size=self.recognizer.input_size[0])

    def embed(self, image: np.ndarray, faces: list[DetectedFace]) -> np.ndarray:
        """Embed all faces of one image in one batch; rows are unit-norm (cosine = dot product)."""
        if not faces:
            return np.zeros((0, 512), dtype=np.float32)
        crops = [self.align(image, face) for face in faces]
        vectors = np.asarray(self.recognizer.get_feat(crops), dtype=np.float32)
        vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        for face, vector in zip(faces, vectors):
            face.embedding = vector
        return vectors


def get_engine(folder: Path | None = None, version: str | None = None) -> FaceEngine:
    """The engine of a model pack (by default the production version's), loaded once per
    process on first use (each Celery worker process loads its own)."""
    if folder is None or version is None:
        from faces.services.versions import production

        active = production()
        folder, version = active.pack_dir, active.version
    key = (str(Path(folder).resolve()), version)
    engine = _engines.get(key)
    if engine is None:
        with _lock:
            engine = _engines.get(key)
            if engine is None:
                engine = _engines[key] = FaceEngine(Path(folder), version)
    return engine
