"""The client: calls through the sidecar's HTTP bridge, and the app publish API."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple

from . import _wire
from ._errors import JavaException, MeshError, RemoteError
from ._hints import decode

DEFAULT_ADDRESS = os.environ.get("PMESH_ADDRESS", "127.0.0.1:15001")
LEASE_HEADER = "x-pmesh-lease"


def _error_of(status: int, data: bytes, mime: Optional[str]) -> RemoteError:
    """The exception for a non-200 answer: the Java exception, or the mesh's reason."""
    try:
        answer = _wire.loads(data, mime)
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        return MeshError(status, "PMESH_HTTP", data.decode("utf-8", "replace"))
    if "exception" in answer:
        return JavaException(str(answer["exception"]), str(answer.get("message", "")), status)
    return MeshError(status, str(answer.get("error", "PMESH_UNKNOWN")), str(answer.get("message", "")))


class Client:
    """A sidecar's HTTP address (host:port). `format` is "json", "msgpack" or None (msgpack when installed)."""

    def __init__(self, address: str = DEFAULT_ADDRESS, timeout: float = 10.0, format: Optional[str] = None) -> None:
        if format not in (None, "json", "msgpack"):
            raise ValueError(f'format must be "json" or "msgpack", not {format!r}')
        self.address = address
        self.timeout = timeout
        self.format = format or _wire.default_format()
        # Lease tokens the sidecar handed back on publish, sent again on unpublish.
        self._leases: Dict[Tuple[str, Optional[str], Optional[str]], str] = {}

    def invoke(self, service: str, method: str, *args: Any, version: Optional[str] = None, group: Optional[str] = None,
               types: Optional[Iterable[str]] = None, timeout_ms: Optional[int] = None,
               attachments: Optional[Mapping[str, Any]] = None, traceparent: Optional[str] = None) -> Any:
        """Calls `service.method(*args)`; returns what Java returned, raises RemoteError otherwise.

        `traceparent` (W3C Trace Context, see `new_traceparent`) makes the call part of that trace.
        """
        mime = _wire.content_type(self.format)
        headers = {"content-type": mime, "accept": mime}
        if version:
            headers["x-pmesh-version"] = version
        if group:
            headers["x-pmesh-group"] = group
        if types is not None:
            headers["x-pmesh-param-types"] = json.dumps(list(types))
        if timeout_ms is not None:
            headers["x-pmesh-timeout-ms"] = str(int(timeout_ms))
        if traceparent:
            headers["traceparent"] = traceparent
        for key, value in (attachments or {}).items():
            headers["x-pmesh-attachment-" + key] = str(value)
        body = _wire.dumps(list(args), self.format)
        status, data, answer_mime = self._request("POST", f"/{service}/{method}", body, headers)
        if status != 200:
            raise _error_of(status, data, answer_mime)
        return decode(_wire.loads(data, answer_mime))

    def publish(self, service: str, protocol: str, port: int, version: Optional[str] = None, group: Optional[str] = None,
                methods: Optional[List[str]] = None, signatures: Optional[List[Dict[str, Any]]] = None,
                app_protocol: Optional[str] = None, application: Optional[str] = None) -> str:
        """Publishes `service`, served by this app on 127.0.0.1:`port`, through the sidecar.

        The sidecar registers its own ingress for `protocol` (dubbo or bolt) and sends the
        calls to `port`. With app_protocol="http" the app speaks HTTP/JSON (no RPC SDK):
        each call arrives as POST /{service}/{method} with the arguments as a JSON array
        (see pmesh.Provider). `signatures` ([{"name": ..., "params": [...], "returns": ...}])
        type the answers. Returns the address published.
        """
        body: Dict[str, Any] = {"service": service, "protocol": protocol, "port": int(port)}
        for key, value in (("version", version), ("group", group), ("methods", methods), ("signatures", signatures),
                           ("appProtocol", app_protocol), ("application", application)):
            if value is not None:
                body[key] = value
        answer = self._json("POST", "/v1/services", body)
        token = answer.get("token")
        if isinstance(token, str):
            self._leases[(service, version, group)] = token
        return str(answer["address"])

    def unpublish(self, service: str, version: Optional[str] = None, group: Optional[str] = None) -> Any:
        """Withdraws what publish registered (with the lease token publish was given, if any)."""
        query = urllib.parse.urlencode({k: v for k, v in (("version", version), ("group", group)) if v})
        token = self._leases.pop((service, version, group), None)
        headers = {LEASE_HEADER: token} if token else {}
        answer = self._json("DELETE", f"/v1/services/{service}" + (f"?{query}" if query else ""), {"token": token} if token else None, headers)
        return answer.get("unpublished")

    def _json(self, method: str, path: str, body: Optional[Dict[str, Any]], headers: Optional[Dict[str, str]] = None) -> Dict[str, Any]:
        data = None if body is None else json.dumps(body).encode("utf-8")
        status, answer, mime = self._request(method, path, data, dict({"content-type": _wire.JSON}, **(headers or {})))
        if status >= 300:
            raise _error_of(status, answer, mime)
        parsed = _wire.loads(answer, mime)
        return parsed if isinstance(parsed, dict) else {}

    def _request(self, method: str, path: str, body: Optional[bytes], headers: Dict[str, str]) -> Tuple[int, bytes, Optional[str]]:
        request = urllib.request.Request(f"http://{self.address}{path}", data=body, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.status, response.read(), response.headers.get("content-type")
        except urllib.error.HTTPError as error:
            return error.code, error.read(), error.headers.get("content-type")
