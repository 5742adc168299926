package main

// The test client's cases; each prints "ok <case>" or "FAIL <case>: why".

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

const (
	sayHelloPath = "/helloworld.Greeter/SayHello"
	streamer     = "/examples.streaming.Streamer/"
)

var binValue = string([]byte{0, 1, 2, 0xfe, 0xff})

func dial(address string) (*grpc.ClientConn, error) {
	return grpc.NewClient(address, grpc.WithTransportCredentials(insecure.NewCredentials()))
}

func hello(ctx context.Context, conn *grpc.ClientConn, name string, opts ...grpc.CallOption) (string, error) {
	reply := &wrapperspb.StringValue{}
	err := conn.Invoke(ctx, sayHelloPath, &wrapperspb.StringValue{Value: name}, reply, opts...)
	return reply.GetValue(), err
}

func download(ctx context.Context, conn *grpc.ClientConn, size uint64) (grpc.ClientStream, error) {
	stream, err := conn.NewStream(ctx, &grpc.StreamDesc{ServerStreams: true}, streamer+"Download")
	if err != nil {
		return nil, err
	}
	if err := stream.SendMsg(&wrapperspb.UInt64Value{Value: size}); err != nil {
		return nil, err
	}
	return stream, stream.CloseSend()
}

// drain reads a Download to its end, pausing `pause` after every `every` bytes.
func drain(stream grpc.ClientStream, every uint64, pause time.Duration) (uint64, error) {
	var total, mark uint64
	for {
		chunk := &wrapperspb.BytesValue{}
		if err := stream.RecvMsg(chunk); err != nil {
			if err == io.EOF {
				return total, nil
			}
			return total, err
		}
		total += uint64(len(chunk.GetValue()))
		if every > 0 && total-mark >= every {
			mark = total
			time.Sleep(pause)
		}
	}
}

func expectCode(err error, code codes.Code, contains string) error {
	got := status.Convert(err)
	if got.Code() != code || !strings.Contains(got.Message(), contains) {
		return fmt.Errorf("want %v containing %q, got %v %q", code, contains, got.Code(), got.Message())
	}
	return nil
}

func checkEcho(where string, md metadata.MD) error {
	if got := md.Get("x-echo"); len(got) != 1 || got[0] != "v1" {
		return fmt.Errorf("%s x-echo = %q", where, got)
	}
	if got := md.Get("x-echo-bin"); len(got) != 1 || got[0] != binValue {
		return fmt.Errorf("%s x-echo-bin = %q", where, got)
	}
	return nil
}

var cases = map[string]func(context.Context, *grpc.ClientConn) error{
	"unary": func(ctx context.Context, conn *grpc.ClientConn) error {
		var header, trailer metadata.MD
		ctx = metadata.AppendToOutgoingContext(ctx, "x-echo", "v1", "x-echo-bin", binValue)
		reply, err := hello(ctx, conn, "go", grpc.Header(&header), grpc.Trailer(&trailer))
		if err != nil || reply != "Hello go" {
			return fmt.Errorf("reply %q, %v", reply, err)
		}
		if err := checkEcho("header", header); err != nil {
			return err
		}
		return checkEcho("trailer", trailer)
	},
	"status": func(ctx context.Context, conn *grpc.ClientConn) error {
		var trailer metadata.MD
		ctx = metadata.AppendToOutgoingContext(ctx, "x-echo", "v1", "x-echo-bin", binValue)
		_, err := hello(ctx, conn, "fail", grpc.Trailer(&trailer))
		got := status.Convert(err)
		if got.Code() != codes.FailedPrecondition || got.Message() != "not today: ünïcode, 100% sure\nsecond line" {
			return fmt.Errorf("got %v %q", got.Code(), got.Message())
		}
		if detail := trailer.Get("x-detail-bin"); len(detail) != 1 || detail[0] != string([]byte{0, 1, 2, 0xfe, 0xff}) {
			return fmt.Errorf("trailer x-detail-bin = %q", detail)
		}
		return checkEcho("trailer", trailer)
	},
	"server-stream": func(ctx context.Context, conn *grpc.ClientConn) error {
		stream, err := download(ctx, conn, 8<<20)
		if err != nil {
			return err
		}
		total, err := drain(stream, 0, 0)
		if err != nil || total != 8<<20 {
			return fmt.Errorf("received %d bytes, %v", total, err)
		}
		if sent := stream.Trailer().Get("x-sent"); len(sent) != 1 || sent[0] != "8388608" {
			return fmt.Errorf("trailer x-sent = %q", sent)
		}
		return nil
	},
	"client-stream": func(ctx context.Context, conn *grpc.ClientConn) error {
		stream, err := conn.NewStream(ctx, &grpc.StreamDesc{ClientStreams: true}, streamer+"Upload")
		if err != nil {
			return err
		}
		chunk := bytes.Repeat([]byte{7}, 64*1024)
		for i := 0; i < 128; i++ {
			if err := stream.SendMsg(&wrapperspb.BytesValue{Value: chunk}); err != nil {
				return err
			}
		}
		if err := stream.CloseSend(); err != nil {
			return err
		}
		summary := &wrapperspb.UInt64Value{}
		if err := stream.RecvMsg(summary); err != nil || summary.GetValue() != 128*64*1024 {
			return fmt.Errorf("summary %d, %v", summary.GetValue(), err)
		}
		return nil
	},
	"bidi": func(ctx context.Context, conn *grpc.ClientConn) error {
		ctx = metadata.AppendToOutgoingContext(ctx, "x-echo", "v1", "x-echo-bin", binValue)
		stream, err := conn.NewStream(ctx, &grpc.StreamDesc{ServerStreams: true, ClientStreams: true}, streamer+"Echo")
		if err != nil {
			return err
		}
		for i := 0; i < 200; i++ {
			sent := bytes.Repeat([]byte{byte(i)}, 1+i*97)
			if err := stream.SendMsg(&wrapperspb.BytesValue{Value: sent}); err != nil {
				return err
			}
			got := &wrapperspb.BytesValue{}
			if err := stream.RecvMsg(got); err != nil || !bytes.Equal(got.GetValue(), sent) {
				return fmt.Errorf("message %d: %d bytes back, %v", i, len(got.GetValue()), err)
			}
		}
		header, _ := stream.Header()
		if err := checkEcho("header", header); err != nil {
			return err
		}
		stream.CloseSend()
		if err := stream.RecvMsg(&wrapperspb.BytesValue{}); err != io.EOF {
			return fmt.Errorf("end: %v", err)
		}
		return nil
	},
	"deadline": func(ctx context.Context, conn *grpc.ClientConn) error {
		ctx, cancel := context.WithTimeout(ctx, 700*time.Millisecond)
		defer cancel()
		_, err := hello(ctx, conn, "sleep:10000")
		return expectCode(err, codes.DeadlineExceeded, "")
	},
	"cancel": func(ctx context.Context, conn *grpc.ClientConn) error {
		ctx, cancel := context.WithCancel(ctx)
		stream, err := download(ctx, conn, 1<<40)
		if err != nil {
			cancel()
			return err
		}
		if err := stream.RecvMsg(&wrapperspb.BytesValue{}); err != nil {
			cancel()
			return err
		}
		cancel()
		_, err = drain(stream, 0, 0)
		return expectCode(err, codes.Canceled, "")
	},
	"concurrent": func(ctx context.Context, conn *grpc.ClientConn) error {
		var wg sync.WaitGroup
		errs := make(chan error, 1000)
		for i := 0; i < 1000; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				stream, err := download(ctx, conn, 256*1024)
				if err == nil {
					var total uint64
					total, err = drain(stream, 0, 0)
					if err == nil && total != 256*1024 {
						err = fmt.Errorf("%d bytes", total)
					}
				}
				if err != nil {
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		failed := 0
		var first error
		for err := range errs {
			failed++
			if first == nil {
				first = err
			}
		}
		if failed > 0 {
			return fmt.Errorf("%d of 1000 streams failed, first: %v", failed, first)
		}
		return nil
	},
	"no-route": func(ctx context.Context, conn *grpc.ClientConn) error {
		err := conn.Invoke(ctx, "/unknown.Service/Nope", &wrapperspb.StringValue{}, &wrapperspb.StringValue{})
		return expectCode(err, codes.Unimplemented, "PMESH_NO_ROUTE")
	},
	"too-large": func(ctx context.Context, conn *grpc.ClientConn) error {
		_, err := hello(ctx, conn, strings.Repeat("x", 5<<20))
		return expectCode(err, codes.ResourceExhausted, "exceeds the limit of 4194304 bytes")
	},
	"unavailable": func(ctx context.Context, conn *grpc.ClientConn) error {
		const n = 5
		var wg sync.WaitGroup
		var started sync.WaitGroup
		errs := make([]error, n)
		started.Add(n)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				stream, err := download(ctx, conn, 1<<40)
				if err == nil {
					err = stream.RecvMsg(&wrapperspb.BytesValue{})
				}
				started.Done()
				if err == nil {
					_, err = drain(stream, 1<<20, 20*time.Millisecond)
				}
				errs[i] = err
			}()
		}
		started.Wait()
		fmt.Println("STREAMING")
		wg.Wait()
		for i, err := range errs {
			if err := expectCode(err, codes.Unavailable, ""); err != nil {
				return fmt.Errorf("stream %d: %v", i, err)
			}
		}
		return nil
	},
}

func runClient(address string, names []string) error {
	conn, err := dial(address)
	if err != nil {
		return err
	}
	defer conn.Close()
	for _, name := range names {
		run, found := cases[name]
		size, isSlow := strings.CutPrefix(name, "slow:")
		burstSpec, isBurst := strings.CutPrefix(name, "burst:")
		steadySpec, isSteady := strings.CutPrefix(name, "steady:")
		traceSpec, isTrace := strings.CutPrefix(name, "trace:")
		if isTrace {
			run = traced(traceSpec)
		} else if isSlow {
			run = slowDownload(size)
		} else if isBurst {
			run = burst(burstSpec)
		} else if isSteady {
			run = steady(steadySpec)
		} else if !found {
			return fmt.Errorf("unknown case %q", name)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
		if err := run(ctx, conn); err != nil {
			fmt.Printf("FAIL %s: %v\n", name, strings.ReplaceAll(err.Error(), "\n", "\\n"))
		} else {
			fmt.Printf("ok %s\n", name)
		}
		cancel()
	}
	fmt.Println("DONE")
	return nil
}

// traced calls SayHello with the metadata in spec ("name=value,name=value", or empty for
// none) and prints "GOT <name> <value>" for each trace header the server says arrived.
func traced(spec string) func(context.Context, *grpc.ClientConn) error {
	return func(ctx context.Context, conn *grpc.ClientConn) error {
		for _, pair := range strings.Split(spec, ",") {
			if name, value, ok := strings.Cut(pair, "="); ok {
				ctx = metadata.AppendToOutgoingContext(ctx, name, value)
			}
		}
		var header metadata.MD
		if reply, err := hello(ctx, conn, "traced", grpc.Header(&header)); err != nil || reply != "Hello traced" {
			return fmt.Errorf("reply %q, %v", reply, err)
		}
		for _, key := range traceKeys {
			for _, value := range header.Get("x-got-" + key) {
				fmt.Printf("GOT %s %s\n", key, value)
			}
		}
		return nil
	}
}

// slowDownload reads `size` bytes, pausing 50 ms after every 16 MiB (a reader slower than the server).
func slowDownload(size string) func(context.Context, *grpc.ClientConn) error {
	return func(ctx context.Context, conn *grpc.ClientConn) error {
		var want uint64
		if _, err := fmt.Sscan(size, &want); err != nil {
			return err
		}
		stream, err := download(ctx, conn, want)
		if err != nil {
			return err
		}
		total, err := drain(stream, 16<<20, 50*time.Millisecond)
		if err != nil || total != want {
			return fmt.Errorf("received %d of %d bytes, %v", total, want, err)
		}
		return nil
	}
}

// burst makes `n` SayHello(name) calls at once and prints "CODES <code>=<count> ..." and,
// for each code other than OK, the first message with it ("MESSAGE <code>: ..."); it fails
// unless every call is OK.
func burst(spec string) func(context.Context, *grpc.ClientConn) error {
	return func(ctx context.Context, conn *grpc.ClientConn) error {
		var n int
		count, name, _ := strings.Cut(spec, ":")
		if _, err := fmt.Sscan(count, &n); err != nil {
			return err
		}
		codesSeen := make([]error, n)
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				reply, err := hello(ctx, conn, name)
				if err == nil && reply != "Hello "+name {
					err = fmt.Errorf("reply %q", reply)
				}
				codesSeen[i] = err
			}()
		}
		wg.Wait()
		return reportCodes(codesSeen)
	}
}

// steady makes `calls` SayHello("sleep:10") calls from `workers` goroutines, one after
// another on each, printing STARTED once a tenth of them are done (a test stops a server
// then, while calls keep starting); the codes are reported as burst reports them.
func steady(spec string) func(context.Context, *grpc.ClientConn) error {
	return func(ctx context.Context, conn *grpc.ClientConn) error {
		var calls, workers int
		if _, err := fmt.Sscanf(spec, "%d:%d", &calls, &workers); err != nil {
			return err
		}
		results := make([]error, calls)
		var next, done atomic.Int64
		var started sync.Once
		var wg sync.WaitGroup
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := int(next.Add(1)) - 1
					if i >= calls {
						return
					}
					_, results[i] = hello(ctx, conn, "sleep:10")
					if done.Add(1) >= int64(calls/10) {
						started.Do(func() { fmt.Println("STARTED") })
					}
				}
			}()
		}
		wg.Wait()
		return reportCodes(results)
	}
}

func reportCodes(results []error) error {
	counts := map[codes.Code]int{}
	first := map[codes.Code]string{}
	for _, err := range results {
		got := status.Convert(err)
		counts[got.Code()]++
		if _, seen := first[got.Code()]; !seen {
			first[got.Code()] = got.Message()
		}
	}
	line := "CODES"
	for code := codes.OK; code <= codes.Unauthenticated; code++ {
		if counts[code] > 0 {
			line += fmt.Sprintf(" %v=%d", code, counts[code])
		}
	}
	fmt.Println(line)
	for code, message := range first {
		if code != codes.OK {
			fmt.Printf("MESSAGE %v: %s\n", code, strings.ReplaceAll(message, "\n", "\\n"))
		}
	}
	if counts[codes.OK] != len(results) {
		return fmt.Errorf("%d of %d calls failed", len(results)-counts[codes.OK], len(results))
	}
	return nil
}
