"""The demo's local stand-in for the real sources, serving their recorded formats on 127.0.0.1.

``vigia demo`` and the tests point the real spiders at it; nothing in ``crawler/`` imports it.
Families: ``news`` (:mod:`samples.news`) and one module per social platform
(:mod:`samples.platforms`, shared parts in :mod:`samples.social`).
"""

from samples.server import Request, Response, SampleServer

__all__ = ["Request", "Response", "SampleServer"]
