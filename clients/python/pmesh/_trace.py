"""W3C Trace Context for calls the app starts: the sidecar continues the trace it names."""

from __future__ import annotations

import secrets


def new_traceparent(sampled: bool = True) -> str:
    """A `traceparent` header value for a new trace: version 00, random trace and span ids."""
    return f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-{'01' if sampled else '00'}"


def trace_id_of(traceparent: str) -> str:
    """The 32-hex-digit trace id a `traceparent` value names."""
    return traceparent.split("-")[1]
