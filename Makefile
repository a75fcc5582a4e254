# Vigia: `make demo` runs the offline end-to-end demo, `make test` runs the test suite.
# Both create .venv with Python 3.11 and install what they need on first use.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install demo test test-fast lint train bench bench-dashboard bench-dashboard-crawled bench-analyst bench-search bench-shares bench-query-shares bench-share-sampler bench-crawl bench-learning bench-recognition screenshot eval-extract dashboard clean

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

# Every test; prints the 15 slowest (README, "Tests": how long it takes).
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q --durations=15

# Everything but the tests marked slow (the real MiniLM, a whole crawl or demo, a browser).
test-fast: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q -m "not slow" --durations=10

lint: $(STAMP)
	$(BIN)/ruff check .

# Rebuild the bundled scoring heads from the seeds alone (the sentiment head needs
# ../shared/data/umsab-es, and learns from intertass-pe beside it when present; without UMSAB the
# bundled one is kept). Trained on fp32 embeddings, as the bundled heads always were; scoring
# defaults to int8 under ONNX Runtime, which moves the real-data figures by under a point
# (nlp/EVALUATION.md).
train: $(STAMP)
	VIGIA_ENCODER_PRECISION=fp32 $(BIN)/vigia train --out nlp/heads --with-sentiment --no-corrections
	$(BIN)/vigia calibrate --heads nlp/heads

bench: $(STAMP) bench-dashboard
	$(BIN)/python benchmarks/run.py

# How fast the crawler is: the grown sample site (10,000 article pages, 10,000 posts) crawled
# end to end beside a plain Scrapy + trafilatura.extract + DuckDB baseline, and a CPU profile.
bench-crawl: $(STAMP)
	nice -n 5 $(BIN)/python benchmarks/crawl.py --articles 10000 --posts 10000 --rounds 3 --profile 1000

# Learning curves (what an analyst's labels teach the models), on ../shared/data/stompol.
bench-learning: $(STAMP)
	nice -n 5 $(BIN)/python benchmarks/learning.py

# Recognition recall and false alarms by kind of mention (name, office, implicit).
bench-recognition: $(STAMP)
	$(BIN)/python benchmarks/recognition.py

# "How good is collection": our extractor beside plain trafilatura on ../shared/real/news/pages.
eval-extract: $(STAMP)
	$(BIN)/python benchmarks/extraction.py

# The dashboard at 1,000,000 documents (warehouse built once, cached under data/bench/), measured
# in headless Chromium (Debian's chromium package: apt-get install -y chromium).
bench-dashboard: $(STAMP)
	nice -n 10 $(BIN)/python benchmarks/dashboard_scale.py --docs 1000000

# The same page on the second warehouse: a million documents written through the crawler's and
# the scorer's own write calls, news as article-length texts (built once, about 85 minutes and
# 5 GB on a loaded 2-core machine, cached under data/bench/).
bench-dashboard-crawled: $(STAMP)
	test -f data/bench/crawled-1000000.duckdb || nice -n 10 $(BIN)/python benchmarks/crawled_warehouse.py --docs 1000000
	nice -n 10 $(BIN)/python benchmarks/dashboard_scale.py --warehouse data/bench/crawled-1000000.duckdb

# The analyst's queries, comparisons, explained spikes and briefing at 1,000,000 documents (same
# cached warehouse); and the query language on today's scan against DuckDB 1.5's fts index
# (a venv with duckdb 1.5.5 + duckdb-extension-fts is made under data/bench/fts-venv).
bench-analyst: $(STAMP)
	nice -n 10 $(BIN)/python benchmarks/analyst_scale.py --docs 1000000

bench-search: $(STAMP)
	nice -n 10 $(BIN)/python benchmarks/search_scale.py --docs 1000000

# How far share estimates can be trusted: real labelled sets (../shared/data), sizes 50/200/1000,
# calibration 0/100/300 labels, two protocols; table printed and written into benchmarks/README.md.
bench-shares: $(STAMP)
	nice -n 10 $(BIN)/python benchmarks/quantification.py --write-readme

# A query's share estimates at 1,000,000 documents (what the page runs after the query's scan), on
# the warehouse bench-dashboard builds and caches.
bench-query-shares: $(STAMP)
	test -f data/bench/dashboard-1000000.duckdb || nice -n 10 $(BIN)/python benchmarks/dashboard_scale.py --docs 1000000
	nice -n 10 $(BIN)/python benchmarks/query_shares.py

bench-share-sampler: $(STAMP)
	test -f data/bench/dashboard-1000000.duckdb || nice -n 10 $(BIN)/python benchmarks/dashboard_scale.py --docs 1000000
	$(BIN)/python benchmarks/share_sampler.py

# A full-page PNG of the dashboard on the demo warehouse (made first if missing), and one per
# section for the README (docs/sections/), in English with three queries compared; it fails when
# anything is drawn wider than its column at 1440 px.
screenshot: $(STAMP)
	test -f data/vigia.duckdb || $(BIN)/vigia demo --no-dashboard
	$(BIN)/python -m dashboard.screenshot --db data/vigia.duckdb --out docs/dashboard.png --sections docs/sections \
		--lang en --compare "cámaras OR drones" --compare presupuesto --compare serenazgo

dashboard: $(STAMP)
	$(BIN)/vigia dashboard

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
