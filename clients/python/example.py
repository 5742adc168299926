"""Runnable example: python3 clients/python/example.py [sidecar host:port]

Calls com.example.EchoService (the Dubbo provider in clients/java/dubbo, routed by the
sidecar's config) and prints what Java returned. Any failure raises, so the exit code is non-zero.
"""

import sys

import pmesh

client = pmesh.Client(sys.argv[1] if len(sys.argv) > 1 else pmesh.DEFAULT_ADDRESS)
print("echo    ->", client.invoke("com.example.EchoService", "echo", "hello from Python", version="1.0.0"))
print("add     ->", client.invoke("com.example.EchoService", "add", 2, 40, version="1.0.0", types=["int", "int"]))
print("addLong ->", client.invoke("com.example.EchoService", "addLong", pmesh.Long(2**63 - 2), pmesh.Long(1), version="1.0.0"))
try:
    client.invoke("com.example.EchoService", "fail", "on purpose", version="1.0.0")
    sys.exit("fail    -> Java did not throw")  # exits 1: the example checks what it shows
except pmesh.JavaException as error:
    print("fail    -> Java threw", error.java_class, "-", error.message)
