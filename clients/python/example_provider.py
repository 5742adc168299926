"""A Python app that provides com.example.EchoService to Java callers, with no RPC SDK.

Run: python3 clients/python/example_provider.py PORT [SIDECAR_HTTP_ADDRESS [VERSION]] [--bolt]

With a sidecar address it publishes itself there (pmesh.Provider.publish), so Java
callers find it through the sidecar's Dubbo ingress (VERSION, default 1.0.0), and with
--bolt through its Bolt ingress too (version 1.0). A Python exception reaches the Java caller
as a RuntimeException carrying its message.
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

    def greet(self, person):
        """A com.example.Person in, a new one out: the "$class" names the Java class the caller gets."""
        return pmesh.JavaObject("com.example.Person", name="Hello " + person["name"], age=person["age"] + 1,
                                id=person["id"], tags=list(person.get("tags") or []) + ["greeted"])

    def older(self, person, years):
        return pmesh.JavaObject("com.example.Person", name=person["name"], age=person["age"] + years,
                                id=person["id"], tags=list(person.get("tags") or []))

    def forget(self, key):
        """A void method: the answer is JSON null."""
        return None


# What a Java caller declares for each method: the sidecar types the answers from these, and
# the classes they name (com.example.Person) may cross the bridge for this service.
SIGNATURES = [
    {"name": "echo", "params": ["java.lang.String"], "returns": "java.lang.String"},
    {"name": "add", "params": ["int", "int"], "returns": "int"},
    {"name": "addLong", "params": ["long", "long"], "returns": "long"},
    {"name": "fail", "params": ["java.lang.String"], "returns": "java.lang.String"},
    {"name": "nonce", "params": ["java.lang.String"], "returns": "java.lang.String"},
    {"name": "greet", "params": ["com.example.Person"], "returns": "com.example.Person"},
    {"name": "older", "params": ["com.example.Person", "int"], "returns": "com.example.Person"},
    {"name": "forget", "params": ["java.lang.String"], "returns": "void"},
]

if __name__ == "__main__":
    args = [arg for arg in sys.argv[1:] if arg != "--bolt"]
    provider = pmesh.Provider(int(args[0]) if args else 8000)
    provider.add_service("com.example.EchoService", EchoService())
    if len(args) > 1:
        signatures = {"com.example.EchoService": SIGNATURES}
        addresses = provider.publish(args[1], "dubbo", version=args[2] if len(args) > 2 else "1.0.0", signatures=signatures)
        if "--bolt" in sys.argv:
            provider.publish(args[1], "bolt", version="1.0", signatures=signatures)
        print(f"PUBLISHED at {addresses['com.example.EchoService']}", flush=True)
    print(f"PYTHON PROVIDER READY port={provider.port}", flush=True)
    try:
        provider.serve_forever()
    finally:
        provider.close()
