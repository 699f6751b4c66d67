"""A TF.js graph model (model.json + weight shards) converted to ONNX, for the ops NanoDet uses.

Why our own: the only maintained converters go through TensorFlow (a 1.6 GB toolchain) and
OpenCV's dnn cannot read a TF.js graph; the `onnx` package is enough for this op set.

The graph is walked in dependency order. Nodes whose inputs are all constants (the shape
arithmetic TF left behind: SparseToDense, AddV2, Cast...) are folded with numpy; the rest become
ONNX nodes. TF works in NHWC, ONNX's Conv/MaxPool/Resize in NCHW: each such op is wrapped in a
pair of Transposes, which onnxruntime's optimiser cancels between neighbours.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
SUPPORTED_OPS = frozenset(
    {
        "Const", "Placeholder", "Identity", "Conv2D", "Pad", "PadV2", "LeakyRelu", "Add", "AddV2",
        "ConcatV2", "Transpose", "Reshape", "ResizeBilinear", "SplitV", "Sigmoid", "MaxPool",
        "SparseToDense", "Cast",
    }
)  # fmt: skip
TF_DTYPES = {
    "DT_FLOAT": np.float32,
    "DT_INT32": np.int32,
    "DT_INT64": np.int64,
    "DT_BOOL": np.bool_,
}
_BYTES = {"float32": 4, "int32": 4, "float16": 2, "uint8": 1, "uint16": 2, "bool": 1}
NHWC_TO_NCHW = [0, 3, 1, 2]
NCHW_TO_NHWC = [0, 2, 3, 1]


class ConversionError(ValueError):
    pass


@dataclass
class TfjsGraph:
    nodes: dict[str, dict]  # name -> node as in model.json
    weights: dict[str, np.ndarray]
    inputs: list[str]
    outputs: list[str]
    input_shapes: dict[str, list[int]]
    output_shapes: dict[str, list[int | str]]


# --- reading --------------------------------------------------------------------------------------


def _read_weights(manifest: list[dict], folder: Path) -> dict[str, np.ndarray]:
    weights: dict[str, np.ndarray] = {}
    for group in manifest:
        blob = b"".join((folder / path).read_bytes() for path in group["paths"])
        offset = 0
        for spec in group["weights"]:
            shape = [int(d) for d in spec["shape"]]
            count = int(np.prod(shape)) if shape else 1
            quant = spec.get("quantization")
            stored = quant["dtype"] if quant else spec["dtype"]
            if stored not in _BYTES:
                raise ConversionError(f"weight {spec['name']}: unsupported stored dtype {stored}")
            size = count * _BYTES[stored]
            raw = np.frombuffer(blob, dtype=stored, count=count, offset=offset)
            offset += size
            if quant and stored == "float16":
                value = raw.astype(np.float32)
            elif quant:  # affine uint8/uint16 quantisation
                value = raw.astype(np.float32) * np.float32(quant["scale"]) + np.float32(quant["min"])
            else:
                value = raw.copy()
            weights[spec["name"]] = value.reshape(shape)
        if offset != len(blob):
            raise ConversionError(f"weights manifest covers {offset} bytes of {len(blob)}")
    return weights


def read_tfjs(model_json: Path) -> TfjsGraph:
    """Parse model.json and its weight files (next to it)."""
    model_json = Path(model_json)
    try:
        document = json.loads(model_json.read_text())
        topology = document["modelTopology"]["node"]
        manifest = document["weightsManifest"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConversionError(f"{model_json} is not a TF.js graph model: {exc}") from exc
    nodes = {node["name"]: node for node in topology}
    unknown = sorted({node["op"] for node in topology} - SUPPORTED_OPS)
    if unknown:
        raise ConversionError(f"unsupported TF.js ops: {', '.join(unknown)}")
    weights = _read_weights(manifest, model_json.parent)
    for name, node in nodes.items():
        if node["op"] == "Const":
            if name not in weights:
                raise ConversionError(f"constant {name} has no weights")
            # TF.js stores int64 constants as int32.
            dtype = TF_DTYPES.get(node.get("attr", {}).get("dtype", {}).get("type", ""))
            if dtype is not None:
                weights[name] = weights[name].astype(dtype)
    inputs = [n for n, node in nodes.items() if node["op"] == "Placeholder"]
    signature = document.get("signature") or {}
    outputs = sorted(key.split(":")[0] for key in (signature.get("outputs") or {}))
    if not outputs:
        consumed = {ref(i)[0] for node in topology for i in node.get("input", [])}
        outputs = sorted(n for n, node in nodes.items() if n not in consumed and node["op"] != "Const")
    shapes = {}
    for name in inputs:
        dims = nodes[name].get("attr", {}).get("shape", {}).get("shape", {}).get("dim", [])
        shapes[name] = [int(d.get("size", -1)) for d in dims]
    out_shapes: dict[str, list[int | str]] = {}
    for key, spec in (signature.get("outputs") or {}).items():
        dims = spec.get("tensorShape", {}).get("dim", [])
        out_shapes[key.split(":")[0]] = [int(d["size"]) if int(d.get("size", -1)) >= 0 else "?" for d in dims]
    return TfjsGraph(nodes, weights, inputs, outputs, shapes, out_shapes)


def ref(name: str) -> tuple[str, int]:
    """'node:1' -> ('node', 1); '^node' (a control edge) -> ('node', -1)."""
    if name.startswith("^"):
        return name[1:], -1
    node, _, index = name.partition(":")
    return node, int(index or 0)


def topological_order(graph: TfjsGraph) -> list[str]:
    order: list[str] = []
    state: dict[str, int] = {}  # 1 = visiting, 2 = done
    for root in graph.outputs:
        stack = [(root, False)]
        while stack:
            name, expanded = stack.pop()
            if state.get(name) == 2:
                continue
            if expanded:
                state[name] = 2
                order.append(name)
                continue
            if state.get(name) == 1:
                raise ConversionError(f"cycle at {name}")
            if name not in graph.nodes:
                raise ConversionError(f"unknown node {name}")
            state[name] = 1
            stack.append((name, True))
            for parent in reversed(graph.nodes[name].get("input", [])):
                parent_name, index = ref(parent)
                if index >= 0 and state.get(parent_name) != 2:
                    stack.append((parent_name, False))
    return order


def attr(node: dict, key: str, default=None):
    value = node.get("attr", {}).get(key)
    if value is None:
        return default
    if "list" in value:
        return [int(i) for i in value["list"].get("i", [])]
    if "s" in value:
        import base64

        return base64.b64decode(value["s"]).decode()
    if "f" in value:
        return float(value["f"])
    if "i" in value:
        return int(value["i"])
    if "b" in value:
        return bool(value["b"])
    if "type" in value:
        return value["type"]
    return default


# --- constant folding -----------------------------------------------------------------------------


def _fold(node: dict, args: list[np.ndarray]) -> list[np.ndarray] | None:
    """numpy value of a node whose inputs are all constant, or None when it is not foldable."""
    op = node["op"]
    if op in ("Add", "AddV2"):
        return [np.add(args[0], args[1])]
    if op == "Cast":
        return [args[0].astype(TF_DTYPES[attr(node, "DstT")])]
    if op == "Identity":
        return [args[0]]
    if op == "SparseToDense":
        indices, shape, values, default = args
        dense = np.full(np.asarray(shape).reshape(-1), default, dtype=values.dtype)
        index_rows = np.asarray(indices).reshape(-1, 1) if np.ndim(indices) < 2 else np.asarray(indices)
        row_values = np.broadcast_to(values, (index_rows.shape[0],))
        for index, value in zip(index_rows, row_values, strict=True):
            dense[tuple(index)] = value
        return [dense]
    return None


# --- emission -------------------------------------------------------------------------------------


class _Builder:
    def __init__(self, graph: TfjsGraph):
        self.graph = graph
        self.consts: dict[str, np.ndarray] = {}  # tensor name -> value
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: dict[str, np.ndarray] = {}
        self.counter = 0

    def tensor(self, name: str) -> str:
        node, index = ref(name)
        return node if index == 0 else f"{node}:{index}"

    def constant(self, name: str) -> np.ndarray | None:
        return self.consts.get(self.tensor(name))

    def initializer(self, value: np.ndarray, hint: str) -> str:
        self.counter += 1
        name = f"{hint}__c{self.counter}"
        self.initializers[name] = np.asarray(value)
        return name

    def value(self, name: str) -> str:
        """ONNX tensor name for a TF input (constants become initializers on first use)."""
        tensor = self.tensor(name)
        if tensor in self.consts and tensor not in self.initializers:
            value = self.consts[tensor]
            if value.dtype == np.float64:
                value = value.astype(np.float32)
            self.initializers[tensor] = value
        return tensor

    def emit(self, op: str, inputs: list[str], outputs: list[str], **attrs) -> None:
        self.counter += 1
        self.nodes.append(helper.make_node(op, inputs, outputs, name=f"{op}_{self.counter}", **attrs))

    def nchw(self, op: str, node: dict, data: str, out: str, extra_inputs=(), **attrs) -> None:
        """Run an NCHW-only ONNX op on an NHWC tensor."""
        fmt = attr(node, "data_format", "NHWC")
        if fmt == "NCHW":
            self.emit(op, [data, *extra_inputs], [out], **attrs)
            return
        a, b = f"{out}__nchw_in", f"{out}__nchw_out"
        self.emit("Transpose", [data], [a], perm=NHWC_TO_NCHW)
        self.emit(op, [a, *extra_inputs], [b], **attrs)
        self.emit("Transpose", [b], [out], perm=NCHW_TO_NHWC)


def _spatial(node: dict, key: str) -> list[int]:
    values = attr(node, key, [1, 1, 1, 1])
    return values[2:4] if attr(node, "data_format", "NHWC") == "NCHW" else values[1:3]


def _auto_pad(node: dict) -> str:
    padding = attr(node, "padding", "VALID")
    if padding not in ("VALID", "SAME"):
        raise ConversionError(f"{node['name']}: padding {padding} is not supported")
    return "VALID" if padding == "VALID" else "SAME_UPPER"  # TF's SAME puts the extra pixel last


def _padded_nchw_input(graph: TfjsGraph, conv: dict) -> tuple[str, list[int]] | None:
    """For Conv2D(VALID, NHWC) <- Transpose(NCHW->NHWC) <- Pad(zeros, spatial only) on an NCHW
    tensor (onnx-tf's rendering of a padded convolution): (the Pad's input, ONNX pads), so the
    padding folds into the Conv. A separate Pad costs a full copy of the activation per layer."""
    if attr(conv, "padding") != "VALID" or attr(conv, "data_format", "NHWC") != "NHWC":
        return None
    transpose = graph.nodes.get(ref(conv["input"][0])[0])
    if transpose is None or transpose["op"] != "Transpose":
        return None
    perm = graph.weights.get(ref(transpose["input"][1])[0])
    pad = graph.nodes.get(ref(transpose["input"][0])[0])
    if perm is None or list(perm) != NCHW_TO_NHWC or pad is None or pad["op"] != "Pad":
        return None
    paddings = graph.weights.get(ref(pad["input"][1])[0])
    if paddings is None or paddings.shape != (4, 2) or paddings[:2].any():
        return None
    (top, bottom), (left, right) = paddings[2], paddings[3]
    return pad["input"][0], [int(top), int(left), int(bottom), int(right)]


def _convert_node(b: _Builder, node: dict) -> None:
    op, name, inputs = node["op"], node["name"], [i for i in node.get("input", []) if not i.startswith("^")]
    if op == "Identity":
        b.emit("Identity", [b.value(inputs[0])], [name])
    elif op == "Conv2D":
        kernel = b.constant(inputs[1])
        if kernel is None:
            raise ConversionError(f"{name}: the filter must be a constant")
        weight = b.initializer(kernel.astype(np.float32).transpose(3, 2, 0, 1), name)  # HWIO -> OIHW
        fused = _padded_nchw_input(b.graph, node)
        if fused is not None:
            source, pads = fused
            out_nchw = f"{name}__nchw_out"
            b.emit(
                "Conv",
                [b.value(source), weight],
                [out_nchw],
                strides=_spatial(node, "strides"),
                dilations=_spatial(node, "dilations"),
                pads=pads,
            )
            b.emit("Transpose", [out_nchw], [name], perm=NCHW_TO_NHWC)
            return
        b.nchw(
            "Conv",
            node,
            b.value(inputs[0]),
            name,
            [weight],
            strides=_spatial(node, "strides"),
            dilations=_spatial(node, "dilations"),
            auto_pad=_auto_pad(node),
        )
    elif op in ("Pad", "PadV2"):
        paddings = b.constant(inputs[1])
        if paddings is None:
            raise ConversionError(f"{name}: paddings must be constant")
        pads = b.initializer(np.concatenate([paddings[:, 0], paddings[:, 1]]).astype(np.int64), name)
        extra = [b.value(inputs[2])] if op == "PadV2" else []
        b.emit("Pad", [b.value(inputs[0]), pads, *extra], [name], mode="constant")
    elif op == "LeakyRelu":
        b.emit("LeakyRelu", [b.value(inputs[0])], [name], alpha=attr(node, "alpha", 0.2))
    elif op in ("Add", "AddV2"):
        b.emit("Add", [b.value(inputs[0]), b.value(inputs[1])], [name])
    elif op == "Sigmoid":
        b.emit("Sigmoid", [b.value(inputs[0])], [name])
    elif op == "ConcatV2":
        axis = b.constant(inputs[-1])
        b.emit("Concat", [b.value(i) for i in inputs[:-1]], [name], axis=int(axis))
    elif op == "Transpose":
        b.emit("Transpose", [b.value(inputs[0])], [name], perm=[int(p) for p in b.constant(inputs[1])])
    elif op == "Reshape":
        shape = b.initializer(np.asarray(b.constant(inputs[1]), dtype=np.int64).reshape(-1), name)
        b.emit("Reshape", [b.value(inputs[0]), shape], [name])
    elif op == "ResizeBilinear":
        size = b.constant(inputs[1])
        if attr(node, "align_corners", False):
            mode = "align_corners"
        elif attr(node, "half_pixel_centers", False):
            mode = "half_pixel"
        else:
            mode = "asymmetric"
        # Resize takes full NCHW sizes: N and C come from the input's shape at run time.
        a, out_nchw = f"{name}__nchw_in", f"{name}__nchw_out"
        nc, sizes = f"{name}__nc", f"{name}__sizes"
        b.emit("Transpose", [b.value(inputs[0])], [a], perm=NHWC_TO_NCHW)
        b.emit("Shape", [a], [nc], start=0, end=2)
        sizes_hw = b.initializer(np.asarray(size, dtype=np.int64).reshape(-1), name)
        b.emit("Concat", [nc, sizes_hw], [sizes], axis=0)
        b.emit(
            "Resize",
            [a, "", "", sizes],
            [out_nchw],
            mode="linear",
            coordinate_transformation_mode=mode,
        )
        b.emit("Transpose", [out_nchw], [name], perm=NCHW_TO_NHWC)
    elif op == "SplitV":
        splits = np.asarray(b.constant(inputs[1]), dtype=np.int64).reshape(-1)
        axis = int(b.constant(inputs[2]))
        outs = [name] + [f"{name}:{i}" for i in range(1, len(splits))]
        b.emit("Split", [b.value(inputs[0]), b.initializer(splits, name)], outs, axis=axis)
    elif op == "MaxPool":
        b.nchw(
            "MaxPool",
            node,
            b.value(inputs[0]),
            name,
            kernel_shape=_spatial(node, "ksize"),
            strides=_spatial(node, "strides"),
            auto_pad=_auto_pad(node),
        )
    else:
        raise ConversionError(f"{name}: op {op} needs constant inputs here")


def _live_nodes(nodes: list[onnx.NodeProto], outputs: list[str]) -> list[onnx.NodeProto]:
    """Nodes the outputs depend on (a Pad folded into a Conv leaves its own node unused)."""
    needed, live = set(outputs), []
    for node in reversed(nodes):
        if any(out in needed for out in node.output):
            live.append(node)
            needed.update(i for i in node.input if i)
    return live[::-1]


def convert(model_json: Path, onnx_path: Path | None = None) -> onnx.ModelProto:
    """Convert a TF.js graph model to ONNX (written to `onnx_path` when given)."""
    graph = read_tfjs(Path(model_json))
    b = _Builder(graph)
    for name in topological_order(graph):
        node = graph.nodes[name]
        if node["op"] == "Const":
            b.consts[name] = graph.weights[name]
            continue
        if node["op"] == "Placeholder":
            continue
        inputs = [i for i in node.get("input", []) if not i.startswith("^")]
        args = [b.constant(i) for i in inputs]
        if inputs and all(a is not None for a in args):
            folded = _fold(node, args)
            if folded is not None:
                for index, value in enumerate(folded):
                    b.consts[name if index == 0 else f"{name}:{index}"] = value
                continue
        _convert_node(b, node)
    graph_inputs = [
        helper.make_tensor_value_info(name, TensorProto.FLOAT, graph.input_shapes.get(name) or None)
        for name in graph.inputs
    ]
    graph_outputs = [
        helper.make_tensor_value_info(name, TensorProto.FLOAT, graph.output_shapes.get(name)) for name in graph.outputs
    ]
    initializers = [numpy_helper.from_array(value, name) for name, value in b.initializers.items()]
    nodes = _live_nodes(b.nodes, graph.outputs)
    used = {name for node in nodes for name in node.input}
    initializers = [tensor for tensor in initializers if tensor.name in used]
    onnx_graph = helper.make_graph(nodes, "tfjs", graph_inputs, graph_outputs, initializers)
    model = helper.make_model(onnx_graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="orin-tfjs")
    model.ir_version = 8
    onnx.checker.check_model(model)
    if onnx_path is not None:
        onnx_path = Path(onnx_path)
        tmp = onnx_path.with_suffix(".tmp")
        onnx.save(model, str(tmp))
        tmp.replace(onnx_path)
    return model


if __name__ == "__main__":  # python -m detection.services.tfjs_onnx model.json model.onnx
    import sys

    if len(sys.argv) != 3:
        sys.exit("usage: python -m detection.services.tfjs_onnx MODEL.json OUT.onnx")
    try:
        convert(Path(sys.argv[1]), Path(sys.argv[2]))
    except ConversionError as error:
        sys.exit(f"conversion failed: {error}")
