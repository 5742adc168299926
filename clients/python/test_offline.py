"""Checks of the Python client that need no sidecar (run by test/unit/clients/python-offline.test.ts).

A stub sidecar (http.server in a thread) answers as the real one does; the script checks
what the client sends and raises. Prints "ok <name>" / "FAIL <name>: <why>", then "DONE";
exits 1 if any failed.
"""

import json
import sys
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pmesh

seen = []


class StubSidecar(BaseHTTPRequestHandler):
    def _reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self):
        length = int(self.headers.get("content-length", 0))
        return self.rfile.read(length) if length else b""

    def do_POST(self):  # noqa: N802
        body = self._body()
        seen.append(("POST", self.path, self.headers, body))
        if self.path == "/v1/services":
            return self._reply(201, {"address": "127.0.0.1:20880", "token": "lease-1"})
        if self.path.endswith("/fail"):
            return self._reply(500, {"exception": "com.example.EchoException", "message": "boom"})
        return self._reply(404, {"error": "PMESH_NO_ROUTE", "message": "no route for com.example.Nowhere"})

    def do_DELETE(self):  # noqa: N802
        seen.append(("DELETE", self.path, self.headers, self._body()))
        return self._reply(200, {"unpublished": 1})

    def log_message(self, *args):
        pass


lines = []


def check(name, ok, detail=""):
    lines.append(("ok " + name) if ok else f"FAIL {name}: {detail!r}")


stub = ThreadingHTTPServer(("127.0.0.1", 0), StubSidecar)
threading.Thread(target=stub.serve_forever, daemon=True).start()
client = pmesh.Client(f"127.0.0.1:{stub.server_address[1]}", format="json")

address = client.publish("com.example.EchoService", "dubbo", 8000, version="1.0.0")
client.unpublish("com.example.EchoService", version="1.0.0")
method, path, headers, body = seen[-1]
check("publish returns the address", address == "127.0.0.1:20880", address)
check("unpublish sends the lease token from publish",
      path == "/v1/services/com.example.EchoService?version=1.0.0" and headers.get("x-pmesh-lease") == "lease-1"
      and json.loads(body) == {"token": "lease-1"}, (path, headers.get("x-pmesh-lease"), body))

try:
    client.invoke("com.example.EchoService", "fail", "x")
    check("a Java exception raises RemoteError", False, "no exception")
except pmesh.RemoteError as error:
    check("a Java exception raises RemoteError",
          isinstance(error, pmesh.JavaException) and (error.java_class, error.message, error.status, error.reason) == ("com.example.EchoException", "boom", 500, None),
          (error.java_class, error.message, error.status, error.reason))

try:
    client.invoke("com.example.Nowhere", "x")
    check("a mesh error raises RemoteError", False, "no exception")
except pmesh.RemoteError as error:
    check("a mesh error raises RemoteError",
          isinstance(error, pmesh.MeshError) and (error.java_class, error.reason, error.status) == (None, "PMESH_NO_ROUTE", 404) and "no route" in error.message,
          (error.java_class, error.reason, error.status, error.message))

# The provider helper serves POST /{service}/{method} as the reverse bridge sends it.
provider = pmesh.Provider()
provider.add_service("com.example.EchoService", {"addLong": lambda a, b: a + b, "fail": lambda reason: 1 / 0})
provider.start()
url = f"http://127.0.0.1:{provider.port}/com.example.EchoService/"
request = urllib.request.Request(url + "addLong", data=b'[{"$type":"long","$value":"9223372036854775806"}, 1]', method="POST")
with urllib.request.urlopen(request) as answer:
    check("provider: hints decoded, exact long answer", answer.read() == b"9223372036854775807")
try:
    urllib.request.urlopen(urllib.request.Request(url + "fail", data=b'["x"]', method="POST"))
    check("provider: an exception is a 500 with its message", False, "answered 200")
except urllib.error.HTTPError as error:
    check("provider: an exception is a 500 with its message",
          error.code == 500 and json.loads(error.read()) == {"message": "ZeroDivisionError: division by zero"}, error.code)
try:
    urllib.request.urlopen(urllib.request.Request(url + "nothing", data=b"[]", method="POST"))
    check("provider: an unknown method is a 404", False, "answered 200")
except urllib.error.HTTPError as error:
    check("provider: an unknown method is a 404", error.code == 404, error.code)
provider.close()
stub.shutdown()

for line in lines:
    print(line)
print("DONE")
sys.exit(1 if any(line.startswith("FAIL") for line in lines) else 0)
