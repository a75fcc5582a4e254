"""The encoder: int8 close to fp32 on the real MiniLM, and each text span embedded once."""

import json
import shutil

import numpy as np
import pytest

from nlp import DocText, load_scorer
from nlp.encoder import (
    WHOLE_TEXT_CHARS,
    Encoder,
    default_encoder_path,
    default_precision,
    get_encoder,
    model_name,
    spans_of,
)
from nlp.passages import TargetRecognizer
from nlp.text import split_sentences

ARTICLE_TITLE = "Canales defiende su plan de seguridad ante el concejo"
ARTICLE = (
    "El alcalde de Miraflores, Carlos Canales, presentó ayer ante el concejo municipal su plan de "
    "seguridad para el próximo año. Según la municipalidad, el serenazgo tendrá cuarenta agentes "
    "más y nuevas cámaras en el malecón. Los regidores de oposición pidieron ver el presupuesto "
    "detallado antes de votar. Canales respondió que el documento se publicará esta semana en el "
    "portal de transparencia. Los vecinos del Parque Kennedy dicen que los robos no han bajado. "
    "Los promotores de la revocatoria anunciaron una nueva jornada de firmas el sábado."
)
TWEETS = [
    "Carlos Canales es el peor alcalde que ha tenido Miraflores, ojalá lo saquen pronto",
    "Gracias alcalde, el malecón está más limpio y seguro que nunca 👏",
    "La revocatoria contra Canales es una maniobra de la oposición",
    "Hoy firmé para revocar al alcalde. #RevocatoriaYa",
]


def test_short_texts_are_embedded_whole_and_long_ones_by_sentence():
    assert spans_of(TWEETS[0]) == [TWEETS[0]]
    assert len(ARTICLE) > WHOLE_TEXT_CHARS
    assert spans_of(ARTICLE) == split_sentences(ARTICLE) and len(spans_of(ARTICLE)) == 6
    assert spans_of("   ") == ["-"]


def test_precision_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("VIGIA_ENCODER_PRECISION", "FP32")
    assert default_precision() == "fp32"
    monkeypatch.setenv("VIGIA_ENCODER_PRECISION", "fp16")
    with pytest.raises(ValueError, match="VIGIA_ENCODER_PRECISION='fp16': use one of int8, fp32"):
        default_precision()


@pytest.fixture
def tiny(tiny_encoder) -> Encoder:
    return Encoder(tiny_encoder, "fp32")


def test_each_span_runs_through_the_model_once_per_call(tiny):
    sentences = split_sentences(ARTICLE)
    joined = " ".join(sentences)  # what the scorer builds from the passages about him
    texts = [f"{ARTICLE_TITLE}. {ARTICLE}", *sentences[:4], joined, TWEETS[0], TWEETS[0]]
    before = tiny.model_calls
    emb = tiny.embed(texts)
    # the title as the document opens, the 6 sentences, the tweet: each once
    distinct = {s for t in texts for s in spans_of(t)}
    assert tiny.model_calls - before == len(distinct) == 8
    assert np.allclose(np.linalg.norm(emb, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(emb[-1], emb[-2])


def test_a_long_text_is_the_token_weighted_mean_of_its_sentences(tiny):
    sentences = split_sentences(ARTICLE)
    vectors, counts = tiny._embed_spans(sentences, 64, 256, None)
    pooled = (vectors * counts[:, None]).sum(0) / counts.sum()
    expected = pooled / np.linalg.norm(pooled)
    assert np.allclose(tiny.embed([ARTICLE])[0], expected, atol=1e-5)
    # Reuse changes nothing: alone or beside its own sentences, the same vector.
    assert np.allclose(tiny.embed([ARTICLE])[0], tiny.embed([*sentences, ARTICLE])[-1], atol=1e-5)
    # A sentence read alone is its own whole-text embedding.
    assert np.allclose(tiny.embed([sentences[0]])[0], vectors[0] / np.linalg.norm(vectors[0]), atol=1e-5)


def test_the_scorer_embeds_an_article_and_its_passages_from_the_same_spans(use_tiny_encoder, tiny_heads, campaign, monkeypatch):
    scorer = load_scorer("offline", campaign, heads_dir=tiny_heads)
    docs = [DocText("a1", ARTICLE_TITLE, ARTICLE), DocText("t1", None, TWEETS[0])]
    passages = TargetRecognizer.for_campaign(campaign).passages(ARTICLE, ARTICLE_TITLE)
    assert len(passages) >= 3  # several passages, so the scorer also reads them joined
    runs: list[list[str]] = []
    embed_spans = scorer.encoder._embed_spans

    def recording(spans, *args, **kwargs):
        runs.append(list(spans))
        return embed_spans(spans, *args, **kwargs)

    monkeypatch.setattr(scorer.encoder, "_embed_spans", recording)
    scores = scorer.score(docs)
    every = [span for run in runs for span in run]
    # No span goes through the model twice in one call; the article's sentences and the tweet
    # (both a document and its only passage) go through it once in the whole scoring. The target
    # window head reads its own masked windows, which are other texts.
    assert all(len(run) == len(set(run)) for run in runs)
    for sentence in split_sentences(ARTICLE):
        assert every.count(sentence) == 1, sentence
    assert every.count(TWEETS[0]) == 1
    assert scores[0].target_passages == len(passages)


@pytest.mark.slow
def test_int8_encoder_stays_close_to_fp32_on_the_real_model(monkeypatch):
    monkeypatch.delenv("VIGIA_ENCODER_PATH", raising=False)
    fp32, int8 = get_encoder(precision="fp32"), get_encoder(precision="int8")
    assert (fp32.name, int8.name) == ("all-MiniLM-L6-v2-fp32", "all-MiniLM-L6-v2-onnx-int8")
    import onnx

    from nlp.int8 import FP32_LAYERS

    graph = onnx.load(int8.onnx_path).graph
    ops = [n.op_type for n in graph.node]
    assert ops.count("MatMulInteger") == 36 - len(FP32_LAYERS)  # the int8 path really runs int8 layers
    assert ops.count("MatMul") >= len(FP32_LAYERS)
    texts = [*TWEETS, ARTICLE]
    cosine = (fp32.embed(texts) * int8.embed(texts)).sum(1)
    assert cosine.min() > 0.98, cosine


def test_a_long_text_counts_only_its_first_max_length_tokens_of_sentences(tiny):
    sentences = split_sentences(ARTICLE)
    lengths = [len(ids) for ids in tiny.tokenizer(sentences)["input_ids"]]
    limit = lengths[0] + lengths[1] + 1  # room for two sentences, not three
    before = tiny.model_calls
    emb = tiny.embed([ARTICLE], max_length=limit)[0]
    assert tiny.model_calls - before == 2
    vectors, counts = tiny._embed_spans(sentences[:2], 64, limit, None)
    pooled = (vectors * counts[:, None]).sum(0) / counts.sum()
    assert np.allclose(emb, pooled / np.linalg.norm(pooled), atol=1e-5)


def test_the_shipped_encoder_is_named_from_its_own_model_card():
    # What every stored model set says today: existing warehouses keep matching.
    assert model_name(default_encoder_path()) == "all-MiniLM-L6-v2"


def test_the_encoder_name_comes_from_the_models_own_files(tmp_path):
    card = tmp_path / "card"
    card.mkdir()
    (card / "modules.json").write_text("[]")  # a sentence-transformers folder that is not MiniLM
    (card / "config.json").write_text(json.dumps({"_name_or_path": "nreimers/base-model"}))
    (card / "README.md").write_text("---\nlicense: mit\n---\n\n# beto-sentence-es\n\n```python\n# Load\n```\n")
    assert model_name(card) == "beto-sentence-es"  # the card names the model; config.json its base
    config = tmp_path / "config"
    config.mkdir()
    (config / "config.json").write_text(json.dumps({"_name_or_path": "acme/tiny-encoder-es"}))
    (config / "README.md").write_text("# A model card whose title is a sentence\n")
    assert model_name(config) == "acme/tiny-encoder-es"
    (config / "config.json").write_text(json.dumps({"_name_or_path": str(tmp_path)}))  # a local path names nothing
    assert model_name(config) == "config"
    assert model_name("intfloat/multilingual-e5-small") == "intfloat/multilingual-e5-small"  # a hub id


def test_a_swapped_encoder_is_recorded_under_its_own_name(tiny_encoder, tiny_heads, campaign, tmp_path, monkeypatch):
    swapped = tmp_path / "models" / "checkout"
    shutil.copytree(tiny_encoder, swapped)
    (swapped / "modules.json").write_text("[]")
    (swapped / "README.md").write_text("# tiny-swapped-encoder-v2\n")
    assert Encoder(swapped, "fp32").name == "tiny-swapped-encoder-v2-fp32"
    monkeypatch.setenv("VIGIA_ENCODER_PATH", str(swapped))
    monkeypatch.setenv("VIGIA_ENCODER_PRECISION", "int8")
    scorer = load_scorer("offline", campaign, heads_dir=tiny_heads)
    assert scorer.model_set.startswith("offline:tiny-swapped-encoder-v2-onnx-int8+heads-")
    (score,) = scorer.score([DocText("s", None, TWEETS[0])])
    assert score.model_set == scorer.model_set


@pytest.mark.parametrize("precision", ["int8", "fp32"])
def test_a_texts_vector_does_not_depend_on_what_it_is_embedded_with(tiny_encoder, precision):
    # int8 quantises activations with one range per model call: batched, a tweet's vector would
    # move with its neighbours and their padding, and a rescore could change its label.
    encoder = Encoder(tiny_encoder, precision)
    alone = encoder.embed([TWEETS[0]])[0]
    crowded = encoder.embed([TWEETS[0], "Miraflores " * 60, *TWEETS[1:]])[0]
    if precision == "int8":
        assert np.array_equal(alone, crowded)
    else:
        assert np.allclose(alone, crowded, atol=1e-5)


def test_the_int8_model_is_built_once_and_rebuilt_when_the_weights_change(tiny_encoder, tmp_path, monkeypatch):
    from nlp.int8 import int8_model

    monkeypatch.setenv("VIGIA_CACHE_DIR", str(tmp_path / "cache"))
    first = int8_model(tiny_encoder)
    assert first.parent == tmp_path / "cache" / "encoders" and first.is_file()
    built_at = first.stat().st_mtime_ns
    assert int8_model(tiny_encoder) == first and first.stat().st_mtime_ns == built_at  # read, not rebuilt
    assert [p.name for p in first.parent.iterdir()] == [first.name]  # no temporary file left behind

    changed = tmp_path / "changed"
    shutil.copytree(tiny_encoder, changed)
    config = json.loads((changed / "config.json").read_text())
    (changed / "config.json").write_text(json.dumps({**config, "layer_norm_eps": 1e-6}))
    assert int8_model(changed) != first  # another model, another file


def test_an_unwritable_cache_falls_back_to_the_temporary_folder(tiny_encoder, tmp_path, monkeypatch, caplog):
    from nlp.int8 import int8_model

    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("VIGIA_CACHE_DIR", str(blocked / "cache"))
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    built = int8_model(tiny_encoder)
    assert built.is_file() and built.is_relative_to(tmp_path / "tmp")
    assert "cannot write the encoder cache" in caplog.text


def test_a_folder_without_weights_is_refused_by_name(tmp_path):
    from nlp.int8 import int8_model

    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(FileNotFoundError, match="no config.json and model weights"):
        int8_model(tmp_path)


def test_a_forked_child_embeds_with_its_own_span_workers(tiny_encoder):
    import os

    encoder = Encoder(tiny_encoder, "int8")
    parent = encoder.embed(TWEETS)  # the pool's threads are running now
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: the parent's worker threads do not exist here
        try:
            os.write(write, encoder.embed(TWEETS).tobytes())
        finally:
            os._exit(0)
    os.close(write)
    import select
    import signal

    answered, _, _ = select.select([read], [], [], 60)
    if not answered:  # without its own workers the child waits forever on the parent's
        os.kill(pid, signal.SIGKILL)
    with os.fdopen(read, "rb") as pipe:
        child = pipe.read() if answered else b""
    os.waitpid(pid, 0)
    assert answered, "the forked child never finished embedding"
    assert np.array_equal(parent, np.frombuffer(child, dtype=np.float32).reshape(parent.shape))
