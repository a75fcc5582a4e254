# Vigia: `make demo` runs the offline end-to-end demo, `make test` runs the test suite.
# Both create .venv with Python 3.11 and install what they need on first use.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install demo test lint train bench eval-extract dashboard clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Vigia needs Python 3.11 or newer: make PYTHON=python3.11 ...")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# torch is pinned to 2.13.0 in pyproject.toml: pip takes the CPU build, not GBs of CUDA
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/vigia demo

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q --durations=15

lint: $(STAMP)
	$(BIN)/ruff check .

# Rebuild the bundled scoring heads (needs ../shared/data/umsab-es for the sentiment head).
train: $(STAMP)
	$(BIN)/python -m nlp.training --out nlp/heads

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

# "How good is collection": our extractor beside plain trafilatura on ../shared/real/news/pages.
eval-extract: $(STAMP)
	$(BIN)/python benchmarks/extraction.py

dashboard: $(STAMP)
	$(BIN)/vigia dashboard

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
