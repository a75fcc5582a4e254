"""Fixtures for the scoring tests: a tiny random-weight BERT standing in for MiniLM, heads trained
on it in a temporary folder, and tiny random classifiers standing in for the hub models."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from campaigns import load_campaign
from tests.conftest import sample_seeds

REPO = Path(__file__).resolve().parents[2]
SHARED_DATA = REPO.parent / "shared" / "data"
DOMAIN_EVAL = REPO / "tests" / "data" / "domain_eval.jsonl"

CORPUS = [
    "El alcalde Carlos Canales habló de seguridad y robos en Miraflores.",
    "La revocatoria necesita firmas ante la ONPE y el JNE.",
    "Qué buen trabajo del serenazgo, gracias alcalde.",
    "Horrible, nos asaltaron otra vez, qué asco de gestión.",
    "The mayor talked about crime, police cameras and drones.",
    "Los buses y el tránsito en la avenida Larco colapsan cada día.",
]

# Tiny umsab-style splits: obvious polarity words so even a random encoder's head can learn.
TINY_SENTIMENT = {
    0: ["qué asco de día", "odio esto, horrible", "fatal, todo mal", "me robaron, qué rabia", "triste y harto"],
    1: ["mañana hay reunión a las 5", "el bus llega a las ocho", "hoy es martes", "leí el informe", "hay una feria"],
    2: ["me encanta, genial", "qué feliz estoy", "gracias, excelente", "buenísimo, lo amo", "qué bonito día"],
}


def build_tiny_tokenizer(folder: Path) -> None:
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.WordLevel(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True, strip_accents=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    words = CORPUS + [t for ts in TINY_SENTIMENT.values() for t in ts]
    trainer = trainers.WordLevelTrainer(special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"])
    tok.train_from_iterator(words, trainer)
    cls_id, sep_id = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1", special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)]
    )
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, pad_token="[PAD]", unk_token="[UNK]", cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]"
    )
    fast.save_pretrained(str(folder))


def build_tiny_bert(folder: Path) -> Path:
    """A 2-layer, 32-wide random BertModel with its own word-level tokenizer, saved to ``folder``."""
    import torch
    from transformers import BertConfig, BertModel

    torch.manual_seed(0)
    build_tiny_tokenizer(folder)
    from transformers import AutoTokenizer

    vocab = len(AutoTokenizer.from_pretrained(str(folder)))
    config = BertConfig(vocab_size=vocab, hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64, max_position_embeddings=512)
    BertModel(config).save_pretrained(str(folder))
    return folder


def build_tiny_classifier(folder: Path, labels: list[str]) -> Path:
    """A tiny random sequence classifier whose config names ``labels`` (hub stand-in)."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    torch.manual_seed(1)
    build_tiny_tokenizer(folder)
    from transformers import AutoTokenizer

    vocab = len(AutoTokenizer.from_pretrained(str(folder)))
    config = BertConfig(
        vocab_size=vocab, hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64,
        num_labels=len(labels), id2label=dict(enumerate(labels)), label2id={n: i for i, n in enumerate(labels)},
    )
    BertForSequenceClassification(config).save_pretrained(str(folder))
    return folder


def write_umsab(folder: Path, splits=("train", "val", "test")) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for split in splits:
        texts, labels = [], []
        for label, items in TINY_SENTIMENT.items():
            for t in items:
                texts.append(t if split == "train" else f"{t}!")
                labels.append(str(label))
        (folder / f"{split}_text.txt").write_text("\n".join(texts), encoding="utf-8")
        (folder / f"{split}_labels.txt").write_text("\n".join(labels), encoding="utf-8")
    return folder


# The regularisation strengths that each head's full grid chooses for these heads (the tiny
# encoder, every sixth seed): training with them alone gives byte-identical heads (model set
# heads-aafa46c0 with torch 2.13 / scikit-learn here) at half the fits. Politics picks 10, the
# other topics 0.3, hence two. If the seeds or the features change, rerun the full grids and
# update these; tests that read these heads check behaviour, not model selection.
QUICK_GRIDS = {"TARGET_CS": (0.3,), "DOC_CS": (0.1,), "WINDOW_CS": (1.0,), "TOPIC_CS": (0.3, 10.0), "STANCE_CS": (0.3,)}


def quick_training(mp: pytest.MonkeyPatch) -> None:
    """Train with :data:`QUICK_GRIDS` while ``mp`` is active."""
    for name, grid in QUICK_GRIDS.items():
        mp.setattr(f"nlp.training.{name}", grid)


@pytest.fixture(scope="session")
def campaign():
    return load_campaign()


@pytest.fixture(scope="session")
def tiny_encoder(tmp_path_factory) -> Path:
    return build_tiny_bert(tmp_path_factory.mktemp("tiny-bert"))


@pytest.fixture(scope="session")
def tiny_shared(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("shared-data")
    write_umsab(root / "umsab-es")
    return root


@pytest.fixture(scope="session")
def tiny_heads(tmp_path_factory, tiny_encoder, tiny_shared, few_seeds, campaign) -> Path:
    """Heads trained with the tiny encoder on the tiny tweets and a sample of the real domain seeds
    (one C per head: :data:`QUICK_GRIDS`)."""
    from nlp.training import train_heads

    out = tmp_path_factory.mktemp("heads")
    mp = pytest.MonkeyPatch()
    mp.setenv("VIGIA_ENCODER_PATH", str(tiny_encoder))
    quick_training(mp)
    try:
        train_heads(campaign, out, shared_data=tiny_shared, seeds_dir=few_seeds)
    finally:
        mp.undo()
    return out


@pytest.fixture(scope="session")
def few_seeds(tmp_path_factory) -> Path:
    """Every sixth seed text."""
    return sample_seeds(tmp_path_factory.mktemp("few-seeds"), 6)


@pytest.fixture
def use_tiny_encoder(monkeypatch, tiny_encoder):
    """Every encoder lookup in the test gets the tiny random BERT instead of MiniLM."""
    monkeypatch.setenv("VIGIA_ENCODER_PATH", str(tiny_encoder))
    return tiny_encoder


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    return path

