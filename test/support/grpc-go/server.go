package main

// The test server: helloworld.Greeter and examples.streaming.Streamer
// (proto/examples), on real grpc-go with hand-written service descriptors over
// wire-identical well-known types (see streaming.proto).
//
// SayHello's name steers it: "fail" answers FAILED_PRECONDITION with a message and
// binary trailers, "sleep:<ms>" waits (or until cancelled), "deadline" answers the
// milliseconds left of the deadline it received, anything else says hello.
// SIGTERM stops it gracefully (GOAWAY, calls in flight finish).
// Every request's x-echo and x-echo-bin metadata is sent back in both the header and
// the trailer, and its trace context (traceparent, tracestate, b3, x-b3-*) as
// x-got-<name>, so a test sees what arrived. A call that ends because its caller cancelled prints "CANCELLED <method>".

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

const chunkSize = 64 * 1024

var traceKeys = []string{"traceparent", "tracestate", "b3", "x-b3-traceid", "x-b3-spanid", "x-b3-parentspanid", "x-b3-sampled"}

func echoMetadata(ctx context.Context) metadata.MD {
	in, _ := metadata.FromIncomingContext(ctx)
	out := metadata.MD{}
	for _, key := range []string{"x-echo", "x-echo-bin"} {
		if values := in.Get(key); len(values) > 0 {
			out.Set(key, values...)
		}
	}
	for _, key := range traceKeys {
		if values := in.Get(key); len(values) > 0 {
			out.Set("x-got-"+key, values...)
		}
	}
	return out
}

func reportCancel(ctx context.Context, method string) {
	if ctx.Err() == context.Canceled {
		fmt.Printf("CANCELLED %s\n", method)
	}
}

func sayHello(_ any, ctx context.Context, dec func(any) error, _ grpc.UnaryServerInterceptor) (any, error) {
	in := &wrapperspb.StringValue{}
	if err := dec(in); err != nil {
		return nil, err
	}
	md := echoMetadata(ctx)
	grpc.SetHeader(ctx, md)
	grpc.SetTrailer(ctx, md)
	name := in.GetValue()
	if name == "fail" {
		grpc.SetTrailer(ctx, metadata.Pairs("x-detail-bin", string([]byte{0, 1, 2, 0xfe, 0xff})))
		return nil, status.Error(codes.FailedPrecondition, "not today: ünïcode, 100% sure\nsecond line")
	}
	if name == "deadline" {
		deadline, ok := ctx.Deadline()
		if !ok {
			return &wrapperspb.StringValue{Value: "deadline none"}, nil
		}
		return &wrapperspb.StringValue{Value: fmt.Sprintf("deadline %d", time.Until(deadline).Milliseconds())}, nil
	}
	if rest, ok := strings.CutPrefix(name, "sleep:"); ok {
		ms, _ := strconv.Atoi(rest)
		select {
		case <-time.After(time.Duration(ms) * time.Millisecond):
		case <-ctx.Done():
			reportCancel(ctx, "SayHello")
			return nil, ctx.Err()
		}
	}
	return &wrapperspb.StringValue{Value: "Hello " + name}, nil
}

func serveDownload(_ any, stream grpc.ServerStream) error {
	in := &wrapperspb.UInt64Value{}
	if err := stream.RecvMsg(in); err != nil {
		return err
	}
	stream.SetTrailer(metadata.Pairs("x-sent", strconv.FormatUint(in.GetValue(), 10)))
	chunk := make([]byte, chunkSize)
	for left := in.GetValue(); left > 0; {
		n := min(left, chunkSize)
		if err := stream.SendMsg(&wrapperspb.BytesValue{Value: chunk[:n]}); err != nil {
			reportCancel(stream.Context(), "Download")
			return err
		}
		left -= n
	}
	return nil
}

func serveUpload(_ any, stream grpc.ServerStream) error {
	var total uint64
	for {
		in := &wrapperspb.BytesValue{}
		err := stream.RecvMsg(in)
		if err == io.EOF {
			return stream.SendMsg(&wrapperspb.UInt64Value{Value: total})
		}
		if err != nil {
			reportCancel(stream.Context(), "Upload")
			return err
		}
		total += uint64(len(in.GetValue()))
	}
}

func serveEcho(_ any, stream grpc.ServerStream) error {
	stream.SetHeader(echoMetadata(stream.Context()))
	for {
		in := &wrapperspb.BytesValue{}
		err := stream.RecvMsg(in)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			reportCancel(stream.Context(), "Echo")
			return err
		}
		if err := stream.SendMsg(in); err != nil {
			return err
		}
	}
}

type anyService interface{}

// serve takes options after the address: max-streams=<n> sets the server's
// SETTINGS_MAX_CONCURRENT_STREAMS (grpc.MaxConcurrentStreams).
func serve(address string, options []string) error {
	listener, err := net.Listen("tcp", address)
	if err != nil {
		return err
	}
	var serverOptions []grpc.ServerOption
	for _, option := range options {
		value, ok := strings.CutPrefix(option, "max-streams=")
		streams, err := strconv.ParseUint(value, 10, 32)
		if !ok || err != nil {
			return fmt.Errorf("unknown server option %q", option)
		}
		serverOptions = append(serverOptions, grpc.MaxConcurrentStreams(uint32(streams)))
	}
	server := grpc.NewServer(serverOptions...)
	server.RegisterService(&grpc.ServiceDesc{
		ServiceName: "helloworld.Greeter",
		HandlerType: (*anyService)(nil),
		Methods:     []grpc.MethodDesc{{MethodName: "SayHello", Handler: sayHello}},
	}, struct{}{})
	server.RegisterService(&grpc.ServiceDesc{
		ServiceName: "examples.streaming.Streamer",
		HandlerType: (*anyService)(nil),
		Streams: []grpc.StreamDesc{
			{StreamName: "Download", Handler: serveDownload, ServerStreams: true},
			{StreamName: "Upload", Handler: serveUpload, ClientStreams: true},
			{StreamName: "Echo", Handler: serveEcho, ServerStreams: true, ClientStreams: true},
		},
	}, struct{}{})
	// SIGTERM stops gracefully: GOAWAY, then calls in flight finish.
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM)
	go func() {
		<-stop
		fmt.Println("STOPPING")
		server.GracefulStop()
	}()
	fmt.Printf("LISTENING %d\n", listener.Addr().(*net.TCPAddr).Port)
	return server.Serve(listener)
}
