"""One module per social platform's sample API, found by name: adding ``foo.py`` (its API and
its ``POSTS``) adds the platform ``foo`` to the sample server, the demo and the tests.

What a platform module provides is listed in :mod:`samples.social`.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from types import ModuleType

REQUIRED = ("posts", "register", "DEFAULT_FAULTS", "SAMPLE_CREDENTIALS")


@cache
def modules() -> dict[str, ModuleType]:
    """Platform name -> its sample module, for every module of this package (sorted by name)."""
    found: dict[str, ModuleType] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.ispkg or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        missing = [name for name in REQUIRED if not hasattr(module, name)]
        if missing:
            raise TypeError(f"sample platform {module.__name__} lacks {', '.join(missing)} (see samples.social)")
        found[info.name] = module
    return found
