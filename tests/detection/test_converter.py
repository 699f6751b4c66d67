"""The TF.js -> ONNX converter: onnxruntime's output equals an independent numpy evaluation of
the TF.js graph on a fixed input; bad input fails with a clear error."""

import json

import numpy as np
import onnxruntime as ort
import pytest

from detection.services.tfjs_onnx import ConversionError, convert, read_tfjs
from tests.detection.tfjs_reference import evaluate

pytestmark = pytest.mark.timeout(240)


def test_onnx_output_equals_the_numpy_reference(tfjs_model, tmp_path):
    graph = read_tfjs(tfjs_model)
    model = tmp_path / "nanodet.onnx"
    convert(tfjs_model, model)
    rng = np.random.default_rng(14)
    x = rng.normal(0, 1, size=(1, 3, 416, 416)).astype(np.float32)

    session = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    got = dict(zip([o.name for o in session.get_outputs()], session.run(None, {"input_1": x}), strict=True))
    want = evaluate(graph, {"input_1": x})

    assert sorted(got) == sorted(want) == [f"Identity{s}" for s in ("", "_1", "_2", "_3", "_4", "_5")]
    for name, reference in want.items():
        assert got[name].shape == reference.shape
        np.testing.assert_allclose(got[name], reference, rtol=1e-3, atol=2e-4, err_msg=name)
    # class scores (sigmoid) and box logits are not constant: the comparison had something to compare
    assert want["Identity"].std() > 1e-3 and want["Identity_3"].std() > 1e-2


def test_unsupported_ops_and_broken_files_are_refused(tfjs_model, tmp_path):
    document = json.loads(tfjs_model.read_text())
    document["modelTopology"]["node"].append({"name": "x", "op": "DepthwiseConv2dNative", "input": []})
    (tmp_path / "nanodet.bin").write_bytes((tfjs_model.parent / "nanodet.bin").read_bytes())
    bad = tmp_path / "model.json"
    bad.write_text(json.dumps(document))
    with pytest.raises(ConversionError, match="unsupported TF.js ops: DepthwiseConv2dNative"):
        convert(bad, tmp_path / "out.onnx")

    garbage = tmp_path / "garbage.json"
    garbage.write_text("not json")
    with pytest.raises(ConversionError, match="is not a TF.js graph model"):
        convert(garbage)

    document = json.loads(tfjs_model.read_text())
    (tmp_path / "nanodet.bin").write_bytes(b"\0" * 100)  # truncated weights
    bad.write_text(json.dumps(document))
    with pytest.raises((ConversionError, ValueError)):
        convert(bad)
    assert not (tmp_path / "out.onnx").exists()
