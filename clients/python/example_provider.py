"""A Python app that provides com.example.EchoService to Java callers, with no RPC SDK.

Run: python3 clients/python/example_provider.py PORT [SIDECAR_HTTP_ADDRESS [VERSION]]

With a sidecar address it publishes itself there (pmesh.publish, app_protocol="http"),
so Java callers find it through the sidecar's Dubbo ingress (as VERSION, default 1.0.0).

The sidecar turns each Dubbo or SOFARPC call into POST /{service}/{method} with the
arguments as a JSON array (Java type hints such as {"$type": "long", "$value": "..."}
where JSON is not enough) and turns the JSON answer back into the Java reply. A non-200
answer reaches the Java caller as a RuntimeException with the "message" given here.
"""

import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pmesh


def echo(text):
    return text


def add(a, b):
    return a + b


def add_long(a, b):
    return pmesh.Long(pmesh._decode(a) + pmesh._decode(b))


def fail(reason):
    raise ValueError("python provider refused: " + reason)


METHODS = {
    "com.example.EchoService": {"echo": echo, "add": add, "addLong": add_long, "fail": fail, "nonce": lambda token: "nonce:" + token},
}


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        _, service, method = self.path.split("/", 2)
        args = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))) or b"[]")
        try:
            result = METHODS[service][method](*args)
            self._answer(200, result)
        except KeyError:
            self._answer(404, {"message": f"no method {service}.{method} here"})
        except Exception as error:  # noqa: BLE001 - every failure goes back to the caller
            self._answer(500, {"message": str(error)})

    def _answer(self, status, body):
        data = json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8000
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    if len(sys.argv) > 2:
        address = pmesh.Client(sys.argv[2]).publish(
            "com.example.EchoService", "dubbo", port, version=sys.argv[3] if len(sys.argv) > 3 else "1.0.0", app_protocol="http",
            signatures=[
                {"name": "echo", "params": ["java.lang.String"], "returns": "java.lang.String"},
                {"name": "add", "params": ["int", "int"], "returns": "int"},
                {"name": "addLong", "params": ["long", "long"], "returns": "long"},
                {"name": "fail", "params": ["java.lang.String"], "returns": "java.lang.String"},
            ],
        )
        print(f"PUBLISHED at {address}", flush=True)
    print(f"PYTHON PROVIDER READY port={port}", flush=True)
    server.serve_forever()
