"""Call and provide Dubbo and SOFARPC services through the polyglot-mesh sidecar, from plain Python.

    import pmesh
    pmesh.invoke("com.example.EchoService", "echo", "hello", version="1.0.0")
    pmesh.invoke("com.example.EchoService", "add", 2, 40, types=["int", "int"])
    pmesh.invoke("com.example.EchoService", "addLong", 2**63 - 2, 1, types=["long", "long"])

Java types JSON cannot say travel as hints: Long, BigDecimal, Date, Char, Bytes and
JavaObject, or any {"$type": ..., "$value": ...} / {"$class": ..., ...} dict. Longs beyond
2**53 come back as Python ints (never through a float). With the `msgpack` package
installed the client speaks MessagePack to the sidecar (ints, bytes, datetimes natively).
"""

from typing import Any

from ._client import DEFAULT_ADDRESS, LEASE_HEADER, Client
from ._errors import JavaException, MeshError, RemoteError
from ._hints import BigDecimal, Bytes, Char, Date, JavaObject, Long, decode, epoch_ms
from ._provider import Provider
from ._trace import new_traceparent, trace_id_of
from ._wire import default_format

__version__ = "0.1.0"

__all__ = [
    "invoke", "publish", "unpublish", "Client", "Provider", "RemoteError", "JavaException", "MeshError",
    "Long", "BigDecimal", "Date", "Char", "Bytes", "JavaObject", "decode", "epoch_ms", "default_format", "DEFAULT_ADDRESS", "LEASE_HEADER",
    "new_traceparent", "trace_id_of",
]

_default = Client()


def invoke(service: str, method: str, *args: Any, **options: Any) -> Any:
    """Calls `service.method(*args)` through the sidecar at PMESH_ADDRESS (default 127.0.0.1:15001)."""
    return _default.invoke(service, method, *args, **options)


def publish(service: str, protocol: str, port: int, **options: Any) -> str:
    return _default.publish(service, protocol, port, **options)


def unpublish(service: str, **options: Any) -> Any:
    return _default.unpublish(service, **options)
