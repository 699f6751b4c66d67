"""Face quality: one 0..1 score from detector confidence, size, sharpness and pose.

The parts are combined with a geometric mean so that one bad part (a blurred or side-on face)
pulls the score down even when the others are perfect. Faces below the floor still raise
events but never enrol a person or grow a cluster, which keeps galleries clean.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

GOOD_FACE_PIXELS = 112.0  # the recognizer's input size: larger faces add no detail
GOOD_SHARPNESS = 150.0  # variance of the Laplacian of a 112 px face; real sharp faces score 200-1500
MAX_YAW_RATIO = 0.6  # nose offset from the eye midpoint, in eye distances; ~0.6 is a profile
MAX_ROLL_DEGREES = 45.0


@dataclass(frozen=True)
class FaceQuality:
    score: float
    detection: float
    size: float
    sharpness: float
    pose: float

    def as_dict(self) -> dict[str, float]:
        return {k: round(v, 3) for k, v in self.__dict__.items()}


def _clip(value: float) -> float:
    return float(min(1.0, max(0.0, value)))


def sharpness_score(image: np.ndarray, bbox: np.ndarray) -> float:
    height, width = image.shape[:2]
    x1, y1, x2, y2 = (int(round(v)) for v in bbox)
    x1, y1, x2, y2 = max(0, x1), max(0, y1), min(width, x2), min(height, y2)
    if x2 - x1 < 4 or y2 - y1 < 4:
        return 0.0
    face = cv2.cvtColor(image[y1:y2, x1:x2], cv2.COLOR_BGR2GRAY)
    # Judge every face at the recognizer's scale, so small faces are not called sharp for being small.
    face = cv2.resize(face, (int(GOOD_FACE_PIXELS), int(GOOD_FACE_PIXELS)), interpolation=cv2.INTER_AREA)
    return _clip(cv2.Laplacian(face, cv2.CV_64F).var() / GOOD_SHARPNESS)


def pose_score(landmarks: np.ndarray | None) -> float:
    """Frontal-ness from the 5 landmarks: yaw from the nose's offset, roll from the eye line."""
    if landmarks is None:
        return 0.5
    left_eye, right_eye, nose = landmarks[0], landmarks[1], landmarks[2]
    eye_vector = right_eye - left_eye
    eye_distance = float(np.linalg.norm(eye_vector))
    if eye_distance < 1e-6:
        return 0.0
    roll = math.degrees(math.atan2(float(eye_vector[1]), float(eye_vector[0])))
    along_eyes = float(np.dot(nose - (left_eye + right_eye) / 2, eye_vector / eye_distance))
    yaw_ratio = abs(along_eyes) / eye_distance
    return _clip(1 - yaw_ratio / MAX_YAW_RATIO) * _clip(1 - abs(roll) / MAX_ROLL_DEGREES)


def assess(image: np.ndarray, bbox: np.ndarray, landmarks: np.ndarray | None, det_score: float) -> FaceQuality:
    short_side = float(min(bbox[2] - bbox[0], bbox[3] - bbox[1]))
    parts = {
        "detection": _clip(det_score),
        "size": _clip(short_side / GOOD_FACE_PIXELS),
        "sharpness": sharpness_score(image, bbox),
        "pose": pose_score(landmarks),
    }
    score = math.prod(max(v, 1e-6) for v in parts.values()) ** (1 / len(parts))
    return FaceQuality(score=_clip(score), **parts)
