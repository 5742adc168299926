"""Checks run by test/interop/python-client.test.ts: every type of issue 6, through the sidecar.

Java builds an Order holding every type (com.example.types.TypesService.sampleOrder); this
script reads it as Python values, checks some of them, sends the order back as Python gave
it, and prints Java's verdict. Prints "ok <name>" or "FAIL <name>: <why>", then "DONE".
"""

import datetime
import decimal
import sys

import pmesh

client = pmesh.Client(sys.argv[1])
version = sys.argv[2]
SERVICE = "com.example.types.TypesService"
lines = []


def check(name, ok, detail):
    lines.append(("ok " + name) if ok else f"FAIL {name}: {detail!r}")


order = client.invoke(SERVICE, "sampleOrder", version=version)
check("long 2^63-1", order["id"] == 2**63 - 1, order["id"])
check("BigDecimal, 30 digits", decimal.Decimal(order["total"]) == decimal.Decimal("12345678901234567890.1234567890"), order["total"])
check("null inside a list", order["customer"]["phones"] == ["+44 1", None, "+44 2"], order["customer"]["phones"])
created = order["created"]
created_ms = pmesh.epoch_ms(created) if isinstance(created, datetime.datetime) else created  # a datetime over MessagePack
check("Date to the ms", created_ms in ("2023-11-14T22:13:20.123Z", 1700000000123), created)
check("enum", order["color"] == "GREEN", order["color"])
check("char", order["grade"] == "Ω", order["grade"])
check("nested three deep", order["customer"]["address"]["city"] == "London", order["customer"])
check("map with int keys", order["tags"].get("$entries") == [[1, "one"], [-7, "minus seven"]], order["tags"])
verdict = client.invoke(SERVICE, "checkOrder", order, version=version)
print("VERDICT " + verdict)
for line in lines:
    print(line)
print("DONE")
sys.exit(1 if any(line.startswith("FAIL") for line in lines) else 0)
