"""Java types a plain Python value cannot say, written as the hints the sidecar reads.

`{"$type": ..., "$value": ...}` names a type, `{"$class": ..., **fields}` a POJO; the same
dicts work in JSON and MessagePack bodies.
"""

from __future__ import annotations

import base64
import datetime
import decimal
from typing import Any, Dict, Union

Hint = Dict[str, Any]


def Long(value: int) -> Hint:
    return {"$type": "long", "$value": str(int(value))}


def BigDecimal(value: Union[str, int, decimal.Decimal]) -> Hint:
    return {"$type": "java.math.BigDecimal", "$value": str(decimal.Decimal(value))}


def Date(value: Union[datetime.datetime, int]) -> Hint:
    """A datetime (aware or UTC-naive) or epoch milliseconds."""
    return {"$type": "java.util.Date", "$value": epoch_ms(value) if isinstance(value, datetime.datetime) else int(value)}


def Char(value: str) -> Hint:
    return {"$type": "char", "$value": value}


def Bytes(value: Union[bytes, bytearray]) -> Hint:
    return {"$type": "byte[]", "$value": base64.b64encode(bytes(value)).decode("ascii")}


def JavaObject(java_class: str, **fields: Any) -> Hint:
    return dict({"$class": java_class}, **fields)


def epoch_ms(value: datetime.datetime) -> int:
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.timezone.utc)
    return int(value.timestamp() * 1000)


def encode_json(value: Any) -> Any:
    """json.dumps default: Python values JSON cannot carry, as hints."""
    if isinstance(value, decimal.Decimal):
        return BigDecimal(value)
    if isinstance(value, datetime.datetime):
        return Date(value)
    if isinstance(value, (bytes, bytearray)):
        return Bytes(value)
    raise TypeError(f"cannot send {type(value).__name__} to Java: use a pmesh hint")


def decode(value: Any) -> Any:
    """Typed wrappers the sidecar sends (longs beyond 2**53, BigDecimal...) become Python values."""
    if isinstance(value, list):
        return [decode(item) for item in value]
    if isinstance(value, dict):
        kind = value.get("$type")
        if kind in ("long", "java.lang.Long", "java.math.BigInteger") and "$value" in value:
            return int(value["$value"])
        if kind == "java.math.BigDecimal" and "$value" in value:
            return decimal.Decimal(value["$value"])
        return {key: decode(item) for key, item in value.items()}
    return value
