"""A Python app that provides a Java service with no RPC SDK (the sidecar's reverse bridge).

The sidecar turns each Dubbo or SOFARPC call into `POST /{service}/{method}` with the
arguments as a JSON array (Java type hints where JSON is not enough); a 200 answer with
a JSON value is the return value, any other status an exception the Java caller sees
with the "message" given.

    provider = pmesh.Provider()
    provider.add_service("com.example.EchoService", {"echo": lambda text: text})
    provider.start()
    provider.publish("127.0.0.1:15001", "dubbo", version="1.0.0")
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple, Union

from ._client import Client
from ._hints import decode, encode_json

Methods = Mapping[str, Callable[..., Any]]


class Provider:
    """Serves the services added to it on host:port (port 0: any free port)."""

    def __init__(self, port: int = 0, host: str = "127.0.0.1") -> None:
        self._services: Dict[str, Methods] = {}
        self._published: List[Tuple[Client, str, Optional[str], Optional[str]]] = []
        self._server = ThreadingHTTPServer((host, port), _handler_for(self._services))
        self._thread: Optional[threading.Thread] = None

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def add_service(self, service: str, methods: Union[Methods, object]) -> None:
        """`methods`: a dict of name -> function, or an object whose public methods are the service's."""
        if not isinstance(methods, Mapping):
            target = methods
            methods = {name: getattr(target, name) for name in dir(target) if not name.startswith("_") and callable(getattr(target, name))}
        self._services[service] = methods

    def publish(self, sidecar: str, protocol: str = "dubbo", version: Optional[str] = None, group: Optional[str] = None,
                signatures: Optional[Mapping[str, List[Dict[str, Any]]]] = None) -> Dict[str, str]:
        """Publishes every added service through the sidecar at `sidecar` (its HTTP address); returns service -> address.

        `signatures` (service -> [{"name", "params", "returns"}]) lets the sidecar type the answers for Java.
        """
        client = Client(sidecar)
        addresses = {}
        for service in self._services:
            addresses[service] = client.publish(service, protocol, self.port, version=version, group=group, app_protocol="http",
                                                signatures=(signatures or {}).get(service))
            self._published.append((client, service, version, group))
        return addresses

    def start(self) -> "Provider":
        """Serves in a background thread."""
        self._thread = threading.Thread(target=self._server.serve_forever, name="pmesh-provider", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def close(self) -> None:
        """Unpublishes what publish registered, then stops serving."""
        for client, service, version, group in self._published:
            try:
                client.unpublish(service, version=version, group=group)
            except Exception:  # noqa: BLE001 - the sidecar may be gone already; stopping goes on
                pass
        self._published.clear()
        if self._thread is not None:
            self._server.shutdown()
        self._server.server_close()


def _handler_for(services: Dict[str, Methods]) -> type:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            parts = self.path.split("?")[0].split("/")
            if len(parts) != 3:
                return self._answer(404, {"message": f"expected POST /{{service}}/{{method}}, got {self.path}"})
            _, service, method = parts
            function = services.get(service, {}).get(method)
            if function is None:
                return self._answer(404, {"message": f"no method {service}.{method} here"})
            try:
                args = decode(json.loads(self.rfile.read(int(self.headers.get("content-length", 0))) or b"[]"))
                self._answer(200, function(*args))
            except Exception as error:  # noqa: BLE001 - every failure goes back to the Java caller
                self._answer(500, {"message": f"{type(error).__name__}: {error}"})

        def _answer(self, status: int, body: Any) -> None:
            data = json.dumps(body, default=encode_json).encode("utf-8")
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's signature
            pass

    return Handler
