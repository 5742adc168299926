package main

// Unary load for `npm run bench -- grpc`: `concurrency` callers send SayHello with a
// name of `bytes` bytes for `seconds`; prints {"calls":..,"seconds":..,"p50Ms":..,"p99Ms":..,"errors":..}.

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

func runBench(address string, args []string) error {
	if len(args) != 3 {
		return fmt.Errorf("bench: want <seconds> <concurrency> <bytes>")
	}
	seconds, _ := strconv.ParseFloat(args[0], 64)
	concurrency, _ := strconv.Atoi(args[1])
	size, _ := strconv.Atoi(args[2])
	conn, err := dial(address)
	if err != nil {
		return err
	}
	defer conn.Close()
	name := strings.Repeat("x", size)
	// Warm up the connection before timing.
	if _, err := hello(context.Background(), conn, name); err != nil {
		return err
	}
	var mu sync.Mutex
	var latencies []time.Duration
	errorCount := 0
	start := time.Now()
	until := start.Add(time.Duration(seconds * float64(time.Second)))
	var wg sync.WaitGroup
	for i := 0; i < concurrency; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([]time.Duration, 0, 4096)
			failed := 0
			for time.Now().Before(until) {
				t := time.Now()
				if _, err := hello(context.Background(), conn, name); err != nil {
					failed++
				}
				local = append(local, time.Since(t))
			}
			mu.Lock()
			latencies = append(latencies, local...)
			errorCount += failed
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start).Seconds()
	sort.Slice(latencies, func(a, b int) bool { return latencies[a] < latencies[b] })
	pick := func(q float64) float64 {
		if len(latencies) == 0 {
			return 0
		}
		return float64(latencies[int(q*float64(len(latencies)-1))].Microseconds()) / 1000
	}
	return json.NewEncoder(os.Stdout).Encode(map[string]any{
		"calls": len(latencies), "seconds": elapsed, "p50Ms": pick(0.5), "p99Ms": pick(0.99), "errors": errorCount,
	})
}
