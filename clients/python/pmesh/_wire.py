"""Request and answer bodies: MessagePack when the `msgpack` package is installed, JSON otherwise.

MessagePack carries 64-bit ints, bytes (bin) and datetimes (the timestamp extension)
natively; JSON carries them as hints. Both carry the same `$type`/`$class` dicts.
"""

from __future__ import annotations

import datetime
import decimal
import json
from typing import Any, Optional

from ._hints import BigDecimal, encode_json

try:  # optional: pip install msgpack
    import msgpack as _msgpack  # type: ignore[import-untyped]
except ImportError:  # pragma: no cover - depends on the environment
    _msgpack = None

JSON = "application/json"
MSGPACK = "application/msgpack"


def default_format() -> str:
    """"msgpack" when the msgpack package is importable, else "json"."""
    return "msgpack" if _msgpack is not None else "json"


def content_type(fmt: str) -> str:
    return MSGPACK if fmt == "msgpack" else JSON


def _msgpack_default(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return BigDecimal(value)
    if isinstance(value, datetime.datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=datetime.timezone.utc)
        return _msgpack.Timestamp.from_datetime(aware)
    raise TypeError(f"cannot send {type(value).__name__} to Java: use a pmesh hint")


def dumps(value: Any, fmt: str) -> bytes:
    if fmt == "msgpack":
        if _msgpack is None:
            raise RuntimeError("format='msgpack' needs the msgpack package: pip install msgpack")
        packed: bytes = _msgpack.packb(value, use_bin_type=True, datetime=False, default=_msgpack_default)
        return packed
    return json.dumps(value, default=encode_json).encode("utf-8")


def loads(data: bytes, mime: Optional[str]) -> Any:
    """Reads a body by its Content-Type (the sidecar's own errors are always JSON)."""
    if mime is not None and mime.split(";")[0].strip().lower() == MSGPACK:
        if _msgpack is None:
            raise RuntimeError("the sidecar answered MessagePack, but the msgpack package is not installed")
        return _msgpack.unpackb(data, raw=False, timestamp=3, strict_map_key=False)
    text = data.decode("utf-8", "replace")
    return json.loads(text) if text.strip() else None
