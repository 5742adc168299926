package main

// Unary load for `npm run bench -- grpc`: `connections` connections with `inFlight`
// callers each send SayHello with a name of `bytes` bytes for `seconds`, closed loop;
// every reply is checked ("Hello " + the name). Prints one JSON line: calls, errors,
// seconds, the first error, the generator's own CPU seconds in the window (so a run
// shows whether the generator, not the path measured, was the limit), and latencies
// as the sparse log-bucket histogram of test/bench/load/histogram.ts (buckets 1% wide
// from 1 µs), so windows from several runs merge into exact-to-1% percentiles.

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"google.golang.org/grpc"
)

const (
	floorMs   = 0.001
	logGrowth = 0.009950330853168083 // math.Log(1.01)
)

func bucketOf(ms float64) int {
	if ms <= floorMs {
		return 0
	}
	return int(math.Ceil(math.Log(ms/floorMs) / logGrowth))
}

func cpuSeconds() float64 {
	var usage syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &usage)
	return time.Duration(usage.Utime.Nano() + usage.Stime.Nano()).Seconds()
}

type benchTotals struct {
	mu         sync.Mutex
	histogram  map[string]int
	calls      int
	failures   int
	firstError string
}

// caller runs one closed loop on conn until `until` and adds what it saw to totals.
func (totals *benchTotals) caller(conn *grpc.ClientConn, name, want string, until time.Time) {
	local := map[int]int{}
	n, failed, first := 0, 0, ""
	for time.Now().Before(until) {
		t := time.Now()
		reply, err := hello(context.Background(), conn, name)
		if err == nil && reply != want {
			err = fmt.Errorf("reply of %d bytes is not the expected greeting", len(reply))
		}
		if err != nil {
			failed++
			if first == "" {
				first = err.Error()
			}
			continue
		}
		local[bucketOf(float64(time.Since(t).Nanoseconds())/1e6)]++
		n++
	}
	totals.mu.Lock()
	defer totals.mu.Unlock()
	for bucket, count := range local {
		totals.histogram[strconv.Itoa(bucket)] += count
	}
	totals.calls += n
	totals.failures += failed
	if totals.firstError == "" {
		totals.firstError = first
	}
}

func runBench(address string, args []string) error {
	if len(args) != 4 {
		return fmt.Errorf("bench: want <seconds> <connections> <in-flight per connection> <bytes>")
	}
	seconds, _ := strconv.ParseFloat(args[0], 64)
	connections, _ := strconv.Atoi(args[1])
	inFlight, _ := strconv.Atoi(args[2])
	size, _ := strconv.Atoi(args[3])
	name := strings.Repeat("x", size)
	want := "Hello " + name
	conns := make([]*grpc.ClientConn, connections)
	for i := range conns {
		conn, err := dial(address)
		if err != nil {
			return err
		}
		defer conn.Close()
		// Connect before timing.
		if _, err := hello(context.Background(), conn, name); err != nil {
			return err
		}
		conns[i] = conn
	}
	totals := &benchTotals{histogram: map[string]int{}}
	cpuBefore := cpuSeconds()
	start := time.Now()
	until := start.Add(time.Duration(seconds * float64(time.Second)))
	var wg sync.WaitGroup
	for _, conn := range conns {
		for i := 0; i < inFlight; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				totals.caller(conn, name, want, until)
			}()
		}
	}
	wg.Wait()
	return json.NewEncoder(os.Stdout).Encode(map[string]any{
		"calls": totals.calls, "errors": totals.failures, "seconds": time.Since(start).Seconds(), "firstError": totals.firstError,
		"cpuSeconds": cpuSeconds() - cpuBefore, "histogram": totals.histogram,
	})
}
