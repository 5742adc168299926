"""A Python grpcio peer for the sidecar's gRPC pass-through tests, the twin of
test/support/grpc-go (same services, same cases, same output):

  peer.py server 127.0.0.1:0                  serves proto/examples, prints LISTENING <port>
  peer.py client 127.0.0.1:<port> <case>...   prints "ok <case>" or "FAIL <case>: why", then DONE
                                              (over TLS when PMESH_GRPC_TLS_CA names a CA bundle)

Stubs are generated from proto/examples with grpcio-tools into a folder given by
PMESH_GRPC_STUBS (made by test/support/grpc-peers.ts).
"""
import os
import sys
import threading
import time
from concurrent import futures

sys.path.insert(0, os.environ["PMESH_GRPC_STUBS"])

import grpc  # noqa: E402
import helloworld_pb2 as hw  # noqa: E402
import helloworld_pb2_grpc as hw_grpc  # noqa: E402
import streaming_pb2 as st  # noqa: E402
import streaming_pb2_grpc as st_grpc  # noqa: E402

CHUNK = 64 * 1024
BIN = bytes([0, 1, 2, 0xFE, 0xFF])
FAIL_MESSAGE = "not today: ünïcode, 100% sure\nsecond line"


def echo_metadata(context):
    return tuple((k, v) for k, v in context.invocation_metadata() if k in ("x-echo", "x-echo-bin"))


def report_cancel(method):
    print(f"CANCELLED {method}", flush=True)


class Greeter(hw_grpc.GreeterServicer):
    def SayHello(self, request, context):
        md = echo_metadata(context)
        context.send_initial_metadata(md)
        name = request.name
        if name == "fail":
            context.set_trailing_metadata(md + (("x-detail-bin", BIN),))
            context.abort(grpc.StatusCode.FAILED_PRECONDITION, FAIL_MESSAGE)
        context.set_trailing_metadata(md)
        if name.startswith("sleep:"):
            ended = threading.Event()
            context.add_callback(ended.set)
            if ended.wait(int(name[6:]) / 1000):
                report_cancel("SayHello")
                return hw.HelloReply()
        return hw.HelloReply(message="Hello " + name)


class Streamer(st_grpc.StreamerServicer):
    def Download(self, request, context):
        context.set_trailing_metadata((("x-sent", str(request.bytes)),))
        finished = threading.Event()
        # Runs when the call ends however it ends; only a call cut short reports.
        context.add_callback(lambda: None if finished.is_set() else report_cancel("Download"))
        chunk = bytes(CHUNK)
        left = request.bytes
        while left > 0 and context.is_active():
            n = min(left, CHUNK)
            yield st.Chunk(data=chunk[:n])
            left -= n
        finished.set()

    def Upload(self, request_iterator, context):
        total = 0
        for chunk in request_iterator:
            total += len(chunk.data)
        return st.Size(bytes=total)

    def Echo(self, request_iterator, context):
        context.send_initial_metadata(echo_metadata(context))
        for chunk in request_iterator:
            yield chunk


def serve(address):
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=64))
    hw_grpc.add_GreeterServicer_to_server(Greeter(), server)
    st_grpc.add_StreamerServicer_to_server(Streamer(), server)
    port = server.add_insecure_port(address)
    server.start()
    print(f"LISTENING {port}", flush=True)
    server.wait_for_termination()


def expect_code(error, code, contains=""):
    if error.code() != code or contains not in (error.details() or ""):
        raise AssertionError(f"want {code} containing {contains!r}, got {error.code()} {error.details()!r}")


def check_echo(where, metadata):
    got = dict(metadata)
    if got.get("x-echo") != "v1" or got.get("x-echo-bin") != BIN:
        raise AssertionError(f"{where} metadata {got!r}")


ECHO_MD = (("x-echo", "v1"), ("x-echo-bin", BIN))


def case_unary(channel):
    reply, call = hw_grpc.GreeterStub(channel).SayHello.with_call(hw.HelloRequest(name="python"), metadata=ECHO_MD)
    if reply.message != "Hello python":
        raise AssertionError(f"reply {reply.message!r}")
    check_echo("header", call.initial_metadata())
    check_echo("trailer", call.trailing_metadata())


def case_status(channel):
    try:
        hw_grpc.GreeterStub(channel).SayHello(hw.HelloRequest(name="fail"), metadata=ECHO_MD)
    except grpc.RpcError as error:
        if error.code() != grpc.StatusCode.FAILED_PRECONDITION or error.details() != FAIL_MESSAGE:
            raise AssertionError(f"got {error.code()} {error.details()!r}")
        trailers = dict(error.trailing_metadata())
        if trailers.get("x-detail-bin") != BIN:
            raise AssertionError(f"trailers {trailers!r}")
        check_echo("trailer", error.trailing_metadata())
        return
    raise AssertionError("no error")


def case_server_stream(channel):
    call = st_grpc.StreamerStub(channel).Download(st.Size(bytes=8 << 20))
    total = sum(len(chunk.data) for chunk in call)
    if total != 8 << 20 or dict(call.trailing_metadata()).get("x-sent") != str(8 << 20):
        raise AssertionError(f"{total} bytes, trailers {call.trailing_metadata()!r}")


def case_client_stream(channel):
    chunk = bytes([7]) * CHUNK
    summary = st_grpc.StreamerStub(channel).Upload(st.Chunk(data=chunk) for _ in range(128))
    if summary.bytes != 128 * CHUNK:
        raise AssertionError(f"summary {summary.bytes}")


def case_bidi(channel):
    sent = [bytes([i % 256]) * (1 + i * 97) for i in range(200)]
    call = st_grpc.StreamerStub(channel).Echo((st.Chunk(data=d) for d in sent), metadata=ECHO_MD)
    got = [chunk.data for chunk in call]
    if got != sent:
        raise AssertionError(f"{len(got)} messages back")
    check_echo("header", call.initial_metadata())


def case_deadline(channel):
    try:
        hw_grpc.GreeterStub(channel).SayHello(hw.HelloRequest(name="sleep:10000"), timeout=0.7)
    except grpc.RpcError as error:
        expect_code(error, grpc.StatusCode.DEADLINE_EXCEEDED)
        return
    raise AssertionError("no error")


def case_cancel(channel):
    call = st_grpc.StreamerStub(channel).Download(st.Size(bytes=1 << 40))
    next(call)
    call.cancel()
    try:
        for _ in call:
            pass
    except grpc.RpcError as error:
        expect_code(error, grpc.StatusCode.CANCELLED)
        return
    raise AssertionError("no error")


def case_too_large(channel):
    try:
        hw_grpc.GreeterStub(channel).SayHello(hw.HelloRequest(name="x" * (5 << 20)))
    except grpc.RpcError as error:
        expect_code(error, grpc.StatusCode.RESOURCE_EXHAUSTED, "exceeds the limit of 4194304 bytes")
        return
    raise AssertionError("no error")


def case_no_route(channel):
    try:
        channel.unary_unary("/unknown.Service/Nope")(b"")
    except grpc.RpcError as error:
        expect_code(error, grpc.StatusCode.UNIMPLEMENTED, "PMESH_NO_ROUTE")
        return
    raise AssertionError("no error")


CASES = {
    "unary": case_unary,
    "status": case_status,
    "server-stream": case_server_stream,
    "client-stream": case_client_stream,
    "bidi": case_bidi,
    "deadline": case_deadline,
    "cancel": case_cancel,
    "too-large": case_too_large,
    "no-route": case_no_route,
}


def run_client(address, names):
    # grpcio refuses to send more than its own default; the limit under test is the sidecar's.
    options = [("grpc.max_send_message_length", -1), ("grpc.max_receive_message_length", -1)]
    ca_file = os.environ.get("PMESH_GRPC_TLS_CA")
    if ca_file:
        # grpcio's own TLS, verifying the server against this CA bundle (and its name against the target).
        with open(ca_file, "rb") as f:
            credentials = grpc.ssl_channel_credentials(root_certificates=f.read())
        channel = grpc.secure_channel(address, credentials, options=options)
    else:
        channel = grpc.insecure_channel(address, options=options)
    with channel:
        for name in names:
            try:
                CASES[name](channel)
                print(f"ok {name}", flush=True)
            except Exception as error:  # noqa: BLE001 - every failure is reported, the next case still runs
                print(f"FAIL {name}: {error!r}".replace("\n", "\\n"), flush=True)
    print("DONE", flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "server":
        serve(sys.argv[2])
    else:
        run_client(sys.argv[2], sys.argv[3:])
