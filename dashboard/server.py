"""The dashboard's server: ``app.py`` under Streamlit's app server, with its imports done at start.

``vigia dashboard`` (and the end-to-end test, ``make screenshot`` and ``make bench-dashboard``)
run ``streamlit run dashboard/server.py``. Streamlit then serves :data:`app`, which runs
``app.py`` for each visitor as ``streamlit run app.py`` would; the only difference is the
lifespan hook below, run once before the server accepts connections. It imports what the page
imports (pandas, DuckDB, the warehouse, the campaign models, the charts) and Streamlit's own
Arrow serialisation, so the first visitor no longer waits for them (about 0.3 s of the first
render on the development machine: ``benchmarks/README.md``).
"""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import streamlit as st

PAGE = Path(__file__).resolve().parents[1] / "app.py"
# What app.py imports, and the Streamlit modules its first tables and charts load lazily.
WARM_MODULES = (
    "pandas",
    "pyarrow",
    "duckdb",
    "alerts.spikes",
    "campaigns.figures",
    "campaigns.model",
    "dashboard.access",
    "dashboard.charts",
    "dashboard.frames",
    "render",
    "warehouse",
    "warehouse.console",
    "warehouse.corrections",
    "warehouse.events",
    "warehouse.explorer",
    "warehouse.trends",
    "streamlit.dataframe_util",
    "streamlit.elements.arrow",
    "streamlit.elements.vega_charts",
)


@asynccontextmanager
async def import_first(_app: st.App) -> AsyncIterator[None]:
    for name in WARM_MODULES:
        importlib.import_module(name)
    yield


app = st.App(PAGE, lifespan=import_first)
