"""What the Streamlit page (app.py) needs beside its drawing: safe markup, a browser driver, and
how its server is started."""

from __future__ import annotations

import sys


def streamlit_command(script: str, port: int, address: str | None = None) -> list[str]:
    """``streamlit run script`` as ``vigia dashboard`` and the browser driver start it: headless,
    no usage statistics, no file watcher (the page is not edited while served), and the toolbar
    of a viewer (an analyst has no use for Streamlit's "Deploy" and developer options)."""
    command = [sys.executable, "-m", "streamlit", "run", script, "--server.port", str(port),
               "--server.headless", "true", "--browser.gatherUsageStats", "false",
               "--server.fileWatcherType", "none", "--client.toolbarMode", "viewer"]
    return command + (["--server.address", address] if address else [])
