"""A local stand-in for the real sources, serving their recorded formats on 127.0.0.1."""

from samples.server import Request, Response, SampleServer

__all__ = ["Request", "Response", "SampleServer"]
