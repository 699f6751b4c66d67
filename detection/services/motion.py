"""Motion first: OpenCV's MOG2 background subtractor on a small grey copy of each frame decides
whether the detector runs at all, and describes the motion for `motion_detected` events."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

WORK_WIDTH = 160  # MOG2 cost grows with pixels; people at CCTV distances still span several
MIN_REGION_FRACTION = 0.002  # of the frame: below this a blob is noise (leaves, compression)


@dataclass(frozen=True, slots=True)
class Motion:
    score: float  # fraction of the frame in motion, 0..1
    regions: list[tuple[float, float, float, float]]  # normalised x, y, width, height, largest first

    @property
    def moving(self) -> bool:
        return bool(self.regions)


class MotionGate:
    """One camera's background model. `update(frame)` -> Motion. The first frame counts as all
    motion, so whatever is already in view gets detected once."""

    def __init__(self, history: int = 200, threshold: float = 0.004):
        self.subtractor = cv2.createBackgroundSubtractorMOG2(history=history, varThreshold=25, detectShadows=False)
        self.threshold = threshold
        self.kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3))
        self.frames = 0

    def update(self, image: np.ndarray) -> Motion:
        height, width = image.shape[:2]
        scale = WORK_WIDTH / width
        small = cv2.resize(image, (WORK_WIDTH, max(1, round(height * scale))), interpolation=cv2.INTER_AREA)
        grey = cv2.GaussianBlur(cv2.cvtColor(small, cv2.COLOR_BGR2GRAY) if small.ndim == 3 else small, (5, 5), 0)
        mask = self.subtractor.apply(grey)
        self.frames += 1
        if self.frames == 1:
            return Motion(1.0, [(0.0, 0.0, 1.0, 1.0)])
        mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, self.kernel)
        area = mask.shape[0] * mask.shape[1]
        score = float(np.count_nonzero(mask)) / area
        if score < self.threshold:
            return Motion(score, [])
        mask = cv2.dilate(mask, self.kernel, iterations=2)
        contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        h, w = mask.shape
        regions = []
        for contour in contours:
            x, y, cw, ch = cv2.boundingRect(contour)
            if cw * ch >= MIN_REGION_FRACTION * area:
                regions.append((x / w, y / h, cw / w, ch / h))
        regions.sort(key=lambda r: -r[2] * r[3])
        return Motion(round(score, 4), regions[:10])
