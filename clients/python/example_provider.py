"""A Python app that provides com.example.EchoService to Java callers, with no RPC SDK.

Run: python3 clients/python/example_provider.py PORT [SIDECAR_HTTP_ADDRESS]

With a sidecar address it publishes itself there (pmesh.Provider.publish), so Java
callers find it through the sidecar's Dubbo ingress. A Python exception reaches the
Java caller as a RuntimeException carrying its message.
"""

import sys

import pmesh


class EchoService:
    def echo(self, text):
        return text

    def add(self, a, b):
        return a + b

    def addLong(self, a, b):  # noqa: N802 - the Java method's name
        return a + b  # exact: ints beyond 2**53 travel as exact JSON numbers

    def fail(self, reason):
        raise ValueError("python provider refused: " + reason)

    def nonce(self, token):
        return "nonce:" + token


SIGNATURES = [
    {"name": "echo", "params": ["java.lang.String"], "returns": "java.lang.String"},
    {"name": "add", "params": ["int", "int"], "returns": "int"},
    {"name": "addLong", "params": ["long", "long"], "returns": "long"},
    {"name": "fail", "params": ["java.lang.String"], "returns": "java.lang.String"},
]

if __name__ == "__main__":
    provider = pmesh.Provider(int(sys.argv[1]) if len(sys.argv) > 1 else 8000)
    provider.add_service("com.example.EchoService", EchoService())
    if len(sys.argv) > 2:
        addresses = provider.publish(sys.argv[2], "dubbo", version="1.0.0", signatures={"com.example.EchoService": SIGNATURES})
        print(f"PUBLISHED at {addresses['com.example.EchoService']}", flush=True)
    print(f"PYTHON PROVIDER READY port={provider.port}", flush=True)
    try:
        provider.serve_forever()
    finally:
        provider.close()
