"""The DuckDB warehouse: schema, migrations, batched writes and the analyst views."""

from warehouse.database import (
    DEFAULT_DB,
    WarehouseError,
    WriterBusy,
    connect,
    default_db_path,
    first_row,
    migrate,
)

__all__ = ["DEFAULT_DB", "WarehouseError", "WriterBusy", "connect", "default_db_path", "first_row", "migrate"]
