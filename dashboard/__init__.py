"""What the Streamlit page (app.py) needs beside its drawing: who may see it (access.py), tables
fit to show (frames.py), its server and how it is started, a browser driver."""

from __future__ import annotations

import sys


def streamlit_command(script: str, port: int, address: str = "127.0.0.1") -> list[str]:
    """``streamlit run script`` as ``vigia dashboard`` and the browser driver start it: on
    ``address`` only (this machine by default: see ``dashboard.access`` before exposing it),
    headless, no usage statistics, no file watcher (the page is not edited while served), and the
    toolbar of a viewer (an analyst has no use for Streamlit's "Deploy" and developer options)."""
    return [sys.executable, "-m", "streamlit", "run", script, "--server.port", str(port),
            "--server.address", address, "--server.headless", "true", "--browser.gatherUsageStats", "false",
            "--server.fileWatcherType", "none", "--client.toolbarMode", "viewer"]
