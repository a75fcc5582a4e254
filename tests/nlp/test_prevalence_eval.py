"""`vigia eval --prevalence`: each label's share with a 90% interval, per group, learning the
models' errors from a calibration file; and bad input answered with a message or a wide interval."""

from __future__ import annotations

import json

import numpy as np
from click.testing import CliRunner

from cli import main
from tests.nlp.conftest import TINY_SENTIMENT, write_jsonl

LABELS = ["negative", "neutral", "positive"]


def rows(day: str, per_class: dict[int, int]) -> list[dict]:
    out = []
    for label, n in per_class.items():
        texts = TINY_SENTIMENT[label]
        out += [{"text": texts[i % len(texts)] + f" ({day} {i})", "sentiment": LABELS[label], "day": day} for i in range(n)]
    return out


def run(*args: str):
    return CliRunner().invoke(main, ["eval", "--task", "sentiment", "--profile", "offline", "--prevalence", *args])


def last_json(result) -> dict:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_shares_per_group_with_intervals_and_the_labelled_truth(use_tiny_encoder, tiny_heads, tmp_path):
    data = write_jsonl(tmp_path / "days.jsonl", rows("2026-10-01", {0: 30, 1: 10, 2: 10}) + rows("2026-10-02", {0: 5, 1: 10, 2: 35}))
    calibration = write_jsonl(tmp_path / "cal.jsonl", rows("cal", {0: 20, 1: 20, 2: 20}))
    result = last_json(run("--data", str(data), "--heads", str(tiny_heads), "--group-by", "day",
                           "--calibration", str(calibration)))
    assert result["task"] == "sentiment" and result["n"] == 100
    assert set(result["prevalence"]) == {"2026-10-01", "2026-10-02"}
    first = result["prevalence"]["2026-10-01"]
    assert set(first) == set(LABELS) and first["negative"]["true"] == 0.6
    for group in result["prevalence"].values():
        for share in group.values():
            assert 0 <= share["low"] <= share["estimate"] <= share["high"] <= 1
    assert result["calibration"]["labels"] == 60
    # the tiny model separates these words: the day that is mostly negative reads so
    assert first["negative"]["estimate"] > result["prevalence"]["2026-10-02"]["negative"]["estimate"]


def test_without_group_by_the_single_group_is_all(use_tiny_encoder, tiny_heads, tmp_path):
    data = write_jsonl(tmp_path / "d.jsonl", [{"text": r["text"]} for r in rows("x", {0: 5, 1: 5, 2: 5})])
    result = last_json(run("--data", str(data), "--heads", str(tiny_heads)))
    assert list(result["prevalence"]) == ["all"]
    assert result["prevalence"]["all"]["negative"]["true"] is None  # unlabelled lines: estimated, not counted


def test_a_group_of_three_texts_gets_a_wide_interval_and_a_note(use_tiny_encoder, tiny_heads, tmp_path):
    data = write_jsonl(tmp_path / "d.jsonl", rows("tiny", {0: 1, 1: 1, 2: 1}))
    calibration = write_jsonl(tmp_path / "cal.jsonl", rows("cal", {0: 20, 1: 20, 2: 20}))
    result = run("--data", str(data), "--heads", str(tiny_heads), "--group-by", "day", "--calibration", str(calibration))
    shares = last_json(result)["prevalence"]["tiny"]
    assert min(s["high"] - s["low"] for s in shares.values()) >= 0.3
    assert "3 texts" in result.stderr


def test_a_calibration_file_missing_a_class_is_said_and_widens(use_tiny_encoder, tiny_heads, tmp_path):
    data = write_jsonl(tmp_path / "d.jsonl", rows("x", {0: 20, 1: 20, 2: 20}))
    full = write_jsonl(tmp_path / "full.jsonl", rows("cal", {0: 20, 1: 20, 2: 20}))
    lacking = write_jsonl(tmp_path / "lacking.jsonl", rows("cal", {0: 30, 1: 30}))
    with_all = last_json(run("--data", str(data), "--heads", str(tiny_heads), "--calibration", str(full)))
    result = run("--data", str(data), "--heads", str(tiny_heads), "--calibration", str(lacking))
    without = last_json(result)
    assert "no in-domain label of class positive" in result.stderr
    width = lambda r: r["prevalence"]["all"]["positive"]["high"] - r["prevalence"]["all"]["positive"]["low"]  # noqa: E731
    assert width(without) > width(with_all)


def test_labels_outside_the_task_are_refused_naming_the_line(use_tiny_encoder, tiny_heads, tmp_path):
    data = write_jsonl(tmp_path / "d.jsonl", rows("x", {0: 3}))
    bad = write_jsonl(tmp_path / "bad.jsonl", rows("cal", {0: 2}) + [{"text": "hola", "sentiment": "furious"}])
    result = run("--data", str(data), "--heads", str(tiny_heads), "--calibration", str(bad))
    assert result.exit_code != 0
    assert "bad.jsonl:3" in result.output and "furious" in result.output
    assert "Traceback" not in result.output


def test_a_calibration_file_teaches_a_reader_the_scorer_lacks(use_tiny_encoder, tiny_heads, tmp_path):
    """Words the tiny heads never learnt tell the class (four texts in five): a head learnt from
    the calibration lines (cross-fitted) reads them, so the interval on a mostly negative day is
    far narrower than the scorer alone allows, and still holds the truth."""
    code = ["zorblat", "quimfa", "plintor"]
    rng = np.random.default_rng(3)
    numbers = iter(rng.permutation(2000))

    def coded(per_class: dict[int, int]) -> list[dict]:  # calibration and data texts alike, as in a campaign
        out = []
        for label, n in per_class.items():
            for _ in range(n):
                word = code[label] if rng.random() < 0.8 else code[int(rng.integers(3))]
                out.append({"text": f"{word} mensaje {next(numbers)} {word}", "sentiment": LABELS[label]})
        return out

    calibration = write_jsonl(tmp_path / "cal.jsonl", coded({0: 80, 1: 80, 2: 80}))
    data = write_jsonl(tmp_path / "day.jsonl", coded({0: 140, 1: 30, 2: 30}))
    result = run("--data", str(data), "--heads", str(tiny_heads), "--calibration", str(calibration))
    found = last_json(result)
    assert found["calibration"]["reader"] == "learnt"
    assert "read by a head learnt from the calibration lines" in result.stderr
    negative = found["prevalence"]["all"]["negative"]
    assert negative["low"] <= 0.7 <= negative["high"]
    # The scorer alone cannot read these words: its own reading leaves the interval wide.
    unlearnt = last_json(run("--data", str(data), "--heads", str(tiny_heads)))["prevalence"]["all"]["negative"]
    assert negative["high"] - negative["low"] < 0.5 * (unlearnt["high"] - unlearnt["low"])
