"""An independent numpy evaluation of a TF.js graph in TensorFlow's own semantics (NHWC,
HWIO filters, TF's half-pixel bilinear resize): the reference the converter is tested against."""

import numpy as np

from detection.services.tfjs_onnx import TfjsGraph, attr, ref, topological_order


def conv2d_nhwc(x, kernel, strides, dilations, padding):
    kh, kw, cin, cout = kernel.shape
    sh, sw = strides
    dh, dw = dilations
    n, h, w, _ = x.shape
    eff_h, eff_w = (kh - 1) * dh + 1, (kw - 1) * dw + 1
    if padding == "SAME":
        out_h, out_w = -(-h // sh), -(-w // sw)
        pad_h = max((out_h - 1) * sh + eff_h - h, 0)
        pad_w = max((out_w - 1) * sw + eff_w - w, 0)
        x = np.pad(x, ((0, 0), (pad_h // 2, pad_h - pad_h // 2), (pad_w // 2, pad_w - pad_w // 2), (0, 0)))
        n, h, w, _ = x.shape
    out_h, out_w = (h - eff_h) // sh + 1, (w - eff_w) // sw + 1
    out = np.zeros((n, out_h, out_w, cout), np.float64)
    for i in range(kh):
        for j in range(kw):
            patch = x[:, i * dh : i * dh + sh * (out_h - 1) + 1 : sh, j * dw : j * dw + sw * (out_w - 1) + 1 : sw, :]
            out += patch.astype(np.float64) @ kernel[i, j].astype(np.float64)
    return out.astype(np.float32)


def max_pool_nhwc(x, ksize, strides):
    kh, kw = ksize
    sh, sw = strides
    n, h, w, c = x.shape
    out_h, out_w = (h - kh) // sh + 1, (w - kw) // sw + 1
    out = np.full((n, out_h, out_w, c), -np.inf, np.float32)
    for i in range(kh):
        for j in range(kw):
            out = np.maximum(out, x[:, i : i + sh * (out_h - 1) + 1 : sh, j : j + sw * (out_w - 1) + 1 : sw, :])
    return out


def resize_bilinear_half_pixel(x, size):
    """tf.image.resize_bilinear(half_pixel_centers=True) as TF's kernel computes it."""
    n, h, w, c = x.shape
    out_h, out_w = int(size[0]), int(size[1])

    def weights(in_size, out_size):
        scale = in_size / out_size
        pos = (np.arange(out_size) + 0.5) * scale - 0.5
        low = np.floor(pos)
        frac = pos - low
        lower = np.clip(low, 0, in_size - 1).astype(int)
        upper = np.clip(np.ceil(pos), 0, in_size - 1).astype(int)
        return lower, upper, frac.astype(np.float32)

    y0, y1, fy = weights(h, out_h)
    x0, x1, fx = weights(w, out_w)
    top = x[:, y0][:, :, x0] * (1 - fx)[None, None, :, None] + x[:, y0][:, :, x1] * fx[None, None, :, None]
    bottom = x[:, y1][:, :, x0] * (1 - fx)[None, None, :, None] + x[:, y1][:, :, x1] * fx[None, None, :, None]
    return top * (1 - fy)[None, :, None, None] + bottom * fy[None, :, None, None]


def evaluate(graph: TfjsGraph, feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    values: dict[str, list] = {}
    for name in topological_order(graph):
        node = graph.nodes[name]
        op = node["op"]
        args = [values[n][i] for n, i in (ref(s) for s in node.get("input", [])) if i >= 0]
        if op == "Const":
            out = [graph.weights[name]]
        elif op == "Placeholder":
            out = [feeds[name]]
        elif op == "Identity":
            out = [args[0]]
        elif op in ("Add", "AddV2"):
            out = [args[0] + args[1]]
        elif op == "Cast":
            out = [args[0].astype(np.int64 if attr(node, "DstT") == "DT_INT64" else np.float32)]
        elif op == "SparseToDense":
            indices, shape, vals, default = args
            dense = np.full(np.asarray(shape).reshape(-1), default, dtype=vals.dtype)
            rows = np.asarray(indices)
            rows = rows.reshape(-1, 1) if rows.ndim < 2 else rows
            for k in range(rows.shape[0]):
                dense[tuple(rows[k])] = vals if vals.ndim == 0 else vals[k]
            out = [dense]
        elif op in ("Pad", "PadV2"):
            fill = args[2].item() if op == "PadV2" else 0.0
            out = [np.pad(args[0], [tuple(p) for p in args[1]], constant_values=fill)]
        elif op == "Transpose":
            out = [np.transpose(args[0], args[1])]
        elif op == "Conv2D":
            out = [
                conv2d_nhwc(
                    args[0], args[1], attr(node, "strides")[1:3], attr(node, "dilations")[1:3], attr(node, "padding")
                )
            ]
        elif op == "LeakyRelu":
            alpha = attr(node, "alpha", 0.2)
            out = [np.where(args[0] > 0, args[0], args[0] * alpha).astype(np.float32)]
        elif op == "ConcatV2":
            out = [np.concatenate(args[:-1], axis=int(args[-1]))]
        elif op == "Reshape":
            out = [args[0].reshape(np.asarray(args[1]).astype(np.int64))]
        elif op == "ResizeBilinear":
            assert attr(node, "half_pixel_centers") and not attr(node, "align_corners")
            out = [resize_bilinear_half_pixel(args[0], args[1]).astype(np.float32)]
        elif op == "SplitV":
            sizes, axis = np.asarray(args[1]).reshape(-1), int(args[2])
            out = np.split(args[0], np.cumsum(sizes)[:-1], axis=axis)
        elif op == "Sigmoid":
            out = [(1 / (1 + np.exp(-args[0]))).astype(np.float32)]
        elif op == "MaxPool":
            assert attr(node, "padding") == "VALID"
            out = [max_pool_nhwc(args[0], attr(node, "ksize")[1:3], attr(node, "strides")[1:3])]
        else:
            raise ValueError(f"the reference interpreter has no {op} (the converter must not emit it)")
        values[name] = out
    return {name: values[name][0] for name in graph.outputs}
