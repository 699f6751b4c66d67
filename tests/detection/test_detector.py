"""The built-in detector on real photos from installed packages, the YOLO layouts on small
generated models, and the one-line refusals for bad model files."""

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from detection.services.detector import DetectorError, ObjectDetector
from faces.services.engine import FaceEngine
from tests.detection.conftest import photo

pytestmark = pytest.mark.timeout(120)


def contains(box, point) -> bool:
    x, y, w, h = box
    return x <= point[0] <= x + w and y <= point[1] <= y + h


def test_finds_the_six_people_of_t1_around_the_faces_the_face_detector_finds(detector, settings):
    settings.ORIN_FACE_MODEL_DIR = settings.ORIN_FACE_MODEL_DIR  # the provisioned face pack
    image = photo("t1.jpg")
    people = [d for d in detector.detect(image, 0.35) if d.label == "person"]
    faces = FaceEngine().detect(image)

    assert detector.layout == "nanodet-split"
    assert len(faces) == 6
    assert len(people) == 6
    assert all(type(v) is float for p in people for v in (*p.box, p.confidence))  # they go into JSON
    # every face lies inside a person box, and each person box holds a face: boxes overlap faces
    for face in faces:
        x1, y1, x2, y2 = face.bbox
        assert any(contains(p.box, ((x1 + x2) / 2, (y1 + y2) / 2)) for p in people), face.bbox
    for person in people:
        assert any(contains(person.box, ((f.bbox[0] + f.bbox[2]) / 2, (f.bbox[1] + f.bbox[3]) / 2)) for f in faces)


def test_a_motorcycle_and_a_cat_but_no_person(detector):
    found = detector.detect(photo("motorcycle_left.png"), 0.35)
    assert [d.label for d in found] == ["motorcycle"] and found[0].confidence > 0.6
    x, y, w, h = found[0].box
    assert w > 400 and h > 250  # the bike fills most of the 741x500 picture

    found = detector.detect(photo("chelsea.png"), 0.35)
    assert [d.label for d in found] == ["cat"]

    blank = np.full((480, 640, 3), 90, np.uint8)
    assert detector.detect(blank, 0.35) == []


def constant_model(path, output: np.ndarray, size: int = 64) -> None:
    """A model whose single output is a fixed tensor (the input is taken but not used)."""
    node = helper.make_node("Constant", [], ["out"], value=numpy_helper.from_array(output.astype(np.float32)))
    graph = helper.make_graph(
        [node],
        "fixed",
        [helper.make_tensor_value_info("images", TensorProto.FLOAT, [1, 3, size, size])],
        [helper.make_tensor_value_info("out", TensorProto.FLOAT, list(output.shape))],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, str(path))


def test_yolov8_and_yolov5_layouts(tmp_path):
    v8 = np.zeros((1, 84, 3), np.float32)
    v8[0, :4, 0] = [32, 32, 20, 40]  # cx, cy, w, h in input pixels
    v8[0, 4 + 2, 0] = 0.9  # car
    v8[0, :4, 1] = [10, 10, 4, 4]
    v8[0, 4 + 0, 1] = 0.1  # a person below the threshold
    constant_model(tmp_path / "v8.onnx", v8)
    detector = ObjectDetector(tmp_path / "v8.onnx")
    assert detector.layout == "yolov8"
    found = detector.detect(np.zeros((128, 128, 3), np.uint8), 0.35)  # letterbox scale 0.5
    assert [(d.label, d.confidence) for d in found] == [("car", 0.9)]
    assert np.allclose(found[0].box, (44, 24, 40, 80))

    v5 = np.zeros((1, 3, 85), np.float32)
    v5[0, 0, :5] = [32, 16, 16, 16, 0.8]
    v5[0, 0, 5 + 16] = 0.9  # dog, 0.72 with objectness
    constant_model(tmp_path / "v5.onnx", v5)
    detector = ObjectDetector(tmp_path / "v5.onnx")
    assert detector.layout == "yolov5"
    found = detector.detect(np.zeros((64, 64, 3), np.uint8), 0.35)
    assert [d.label for d in found] == ["dog"] and found[0].confidence == pytest.approx(0.72)


def test_bad_model_files_fail_with_one_line(tmp_path):
    with pytest.raises(DetectorError) as missing:
        ObjectDetector(tmp_path / "nope.onnx")
    assert "is missing" in missing.value.detail and "ORIN_DETECTOR_MODEL" in missing.value.hint

    (tmp_path / "text.onnx").write_text("this is not a model")
    with pytest.raises(DetectorError) as garbage:
        ObjectDetector(tmp_path / "text.onnx")
    assert "not a loadable ONNX model" in garbage.value.detail

    constant_model(tmp_path / "odd.onnx", np.zeros((1, 7), np.float32))
    with pytest.raises(DetectorError) as odd:
        ObjectDetector(tmp_path / "odd.onnx")
    assert "unknown output layout" in odd.value.detail
    for error in (missing.value, garbage.value, odd.value):
        assert "\n" not in str(error)
