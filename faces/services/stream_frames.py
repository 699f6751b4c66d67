"""Recognition as a frame analyser of the stream reader (registered in FacesConfig.ready())."""

from __future__ import annotations

import uuid

import cv2

from faces.services.ingest import FrameRejected, submit_frame
from surveillance.services.streams import FrameRefused, StreamFrame


def recognise_stream_frame(frame: StreamFrame) -> None:
    """Store the frame and queue recognition (the Celery worker does the face work)."""
    ok, buffer = cv2.imencode(".jpg", frame.image, [cv2.IMWRITE_JPEG_QUALITY, frame.jpeg_quality])
    if not ok:
        raise FrameRefused("the frame could not be encoded as JPEG")
    try:
        submit_frame(
            camera=frame.camera,
            image_bytes=buffer.tobytes(),
            timestamp=frame.timestamp,
            frame_key=f"stream:{frame.camera.id}:{uuid.uuid4().hex}",
            source="stream",
        )
    except FrameRejected as exc:
        raise FrameRefused(str(exc)) from exc
