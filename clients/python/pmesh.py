"""Call Dubbo and SOFARPC services through the polyglot-mesh sidecar, with the standard library only.

    import pmesh
    pmesh.invoke("com.example.EchoService", "echo", "hello", version="1.0.0")
    pmesh.invoke("com.example.EchoService", "add", 2, 40, types=["int", "int"])
    pmesh.invoke("com.example.EchoService", "addLong", pmesh.Long(2**63 - 2), pmesh.Long(1))

Java types that JSON cannot say travel as hints: Long, BigDecimal, Date, Char, Bytes and
JavaObject below, or any {"$type": ..., "$value": ...} / {"$class": ..., ...} dict.
Longs beyond 2**53 come back as Python ints (never through a float).
"""

import base64
import datetime
import decimal
import json
import os
import urllib.error
import urllib.request

__all__ = ["invoke", "publish", "unpublish", "Client", "JavaException", "MeshError", "Long", "BigDecimal", "Date", "Char", "Bytes", "JavaObject"]

DEFAULT_ADDRESS = os.environ.get("PMESH_ADDRESS", "127.0.0.1:15001")


class JavaException(Exception):
    """The Java service threw: `java_class` is the exception's class."""

    def __init__(self, java_class, message):
        super().__init__(f"{java_class}: {message}")
        self.java_class = java_class
        self.message = message


class MeshError(Exception):
    """The mesh could not make the call: `reason` is the stable id (PMESH_NO_ROUTE...), `status` the HTTP status."""

    def __init__(self, status, reason, message):
        super().__init__(f"{reason} ({status}): {message}")
        self.status = status
        self.reason = reason
        self.message = message


def Long(value):
    return {"$type": "long", "$value": str(int(value))}


def BigDecimal(value):
    return {"$type": "java.math.BigDecimal", "$value": str(decimal.Decimal(value))}


def Date(value):
    """A datetime (aware or UTC-naive) or epoch milliseconds."""
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.timezone.utc)
        value = int(value.timestamp() * 1000)
    return {"$type": "java.util.Date", "$value": int(value)}


def Char(value):
    return {"$type": "char", "$value": value}


def Bytes(value):
    return {"$type": "byte[]", "$value": base64.b64encode(bytes(value)).decode("ascii")}


def JavaObject(java_class, **fields):
    return dict({"$class": java_class}, **fields)


def _encode(value):
    """Python values JSON cannot carry, written as the Java type hints the sidecar reads."""
    if isinstance(value, decimal.Decimal):
        return BigDecimal(value)
    if isinstance(value, datetime.datetime):
        return Date(value)
    if isinstance(value, (bytes, bytearray)):
        return Bytes(value)
    raise TypeError(f"cannot send {type(value).__name__} to Java: use a pmesh hint")


def _decode(value):
    """Typed wrappers the sidecar sends back (longs beyond 2**53...) become Python values."""
    if isinstance(value, list):
        return [_decode(item) for item in value]
    if isinstance(value, dict):
        kind = value.get("$type")
        if kind in ("long", "java.lang.Long", "java.math.BigInteger") and "$value" in value:
            return int(value["$value"])
        if kind == "java.math.BigDecimal" and "$value" in value:
            return decimal.Decimal(value["$value"])
        return {key: _decode(item) for key, item in value.items()}
    return value


class Client:
    def __init__(self, address=DEFAULT_ADDRESS, timeout=10.0):
        self.address = address
        self.timeout = timeout
        self.token = None  # the lease token of what this client published: needed to publish again or unpublish

    def invoke(self, service, method, *args, version=None, group=None, types=None, timeout_ms=None, attachments=None):
        headers = {"content-type": "application/json"}
        if version:
            headers["x-pmesh-version"] = version
        if group:
            headers["x-pmesh-group"] = group
        if types is not None:
            headers["x-pmesh-param-types"] = json.dumps(list(types))
        if timeout_ms is not None:
            headers["x-pmesh-timeout-ms"] = str(int(timeout_ms))
        for key, value in (attachments or {}).items():
            headers["x-pmesh-attachment-" + key] = str(value)
        body = json.dumps(list(args), default=_encode).encode("utf-8")
        request = urllib.request.Request(f"http://{self.address}/{service}/{method}", data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return _decode(json.loads(response.read().decode("utf-8")))
        except urllib.error.HTTPError as error:
            payload = error.read().decode("utf-8", "replace")
            try:
                answer = json.loads(payload)
            except ValueError:
                raise MeshError(error.code, "PMESH_HTTP", payload) from None
            if "exception" in answer:
                raise JavaException(answer["exception"], answer.get("message", "")) from None
            raise MeshError(error.code, answer.get("error", "PMESH_UNKNOWN"), answer.get("message", payload)) from None


    def _send(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(f"http://{self.address}{path}", data=data, method=method, headers={"content-type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as error:
            answer = json.loads(error.read().decode("utf-8", "replace") or "{}")
            raise MeshError(error.code, answer.get("error", "PMESH_UNKNOWN"), answer.get("message", "")) from None

    def publish(self, service, protocol, port, version=None, group=None, methods=None, signatures=None, app_protocol=None, application=None):
        """Publishes `service`, served by this app on 127.0.0.1:`port`, through the sidecar.

        The sidecar registers its own ingress for `protocol` (dubbo or bolt) and sends the
        calls to `port`. With app_protocol="http" the app speaks HTTP/JSON (no RPC SDK):
        each call arrives as POST /{service}/{method} with the arguments as a JSON array.
        `signatures` ([{"name": ..., "params": [...], "returns": ...}]) type the answers.
        Returns the address published; the lease token is kept in `self.token`.
        """
        body = {"service": service, "protocol": protocol, "port": int(port), "token": self.token}
        for key, value in (("version", version), ("group", group), ("methods", methods), ("signatures", signatures),
                           ("appProtocol", app_protocol), ("application", application)):
            if value is not None:
                body[key] = value
        answer = self._send("POST", "/v1/services", body)
        self.token = answer["token"]
        return answer["address"]

    def unpublish(self, service, version=None):
        query = f"?token={self.token or ''}" + (f"&version={version}" if version else "")
        return self._send("DELETE", f"/v1/services/{service}{query}")["unpublished"]


_default = Client()


def publish(service, protocol, port, **options):
    return _default.publish(service, protocol, port, **options)


def unpublish(service, **options):
    return _default.unpublish(service, **options)


def invoke(service, method, *args, **options):
    """Calls `service.method(*args)` through the sidecar at PMESH_ADDRESS (default 127.0.0.1:15001)."""
    return _default.invoke(service, method, *args, **options)
