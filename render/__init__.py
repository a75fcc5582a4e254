"""Showing what others wrote: crawled fields (and typed labels) on a screen, in a PDF, an alert
or a spreadsheet, through one function (:func:`render.crawled.crawled`)."""

from render.crawled import (
    AUTHOR,
    CELL,
    TEXT,
    TITLE,
    crawled,
    csv_bytes,
    csv_cell,
    link,
    safe_url,
    text_table,
    write_csv,
)

__all__ = ["AUTHOR", "CELL", "TEXT", "TITLE", "crawled", "csv_bytes", "csv_cell", "link", "safe_url", "text_table", "write_csv"]
