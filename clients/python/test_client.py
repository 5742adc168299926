"""Checks run by test/interop/python-client.test.ts against a live sidecar and Java provider.

Prints one line per check, "ok <name>" or "FAIL <name>: <why>", then "DONE"; exits 1 if any failed.
Uses MessagePack when the msgpack package is installed (pmesh.default_format()), JSON otherwise.
"""

import sys

import pmesh

client = pmesh.Client(sys.argv[1])
version = sys.argv[2]
checks = []


def check(name, thunk, expected):
    try:
        got = thunk()
        checks.append(("ok " + name) if got == expected else f"FAIL {name}: got {got!r}, expected {expected!r}")
    except Exception as error:  # noqa: BLE001 - every failure is reported, not raised
        checks.append(f"FAIL {name}: {type(error).__name__}: {error}")


def expect_exception():
    try:
        client.invoke("com.example.EchoService", "fail", "py boom", version=version)
    except pmesh.JavaException as error:
        return error.java_class, "py boom" in error.message
    return None


check("echo", lambda: client.invoke("com.example.EchoService", "echo", "héllo", version=version), "héllo")
check("add", lambda: client.invoke("com.example.EchoService", "add", 2, 40, version=version, types=["int", "int"]), 42)
check("long", lambda: client.invoke("com.example.EchoService", "addLong", pmesh.Long(2**63 - 2), pmesh.Long(1), version=version), 2**63 - 1)
check("exception", expect_exception, ("com.example.EchoException", True))
for line in checks:
    print(line)
print("DONE")
sys.exit(1 if any(line.startswith("FAIL") for line in checks) else 0)
