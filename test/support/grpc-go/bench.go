package main

// Unary load for `npm run bench -- grpc`: `concurrency` callers on one connection send
// SayHello with a name of `bytes` bytes for `seconds`, closed loop. Prints one JSON
// line: calls, errors, seconds, the first error, and latencies as the sparse
// log-bucket histogram of test/bench/load/histogram.ts (buckets 1% wide from 1 µs),
// so windows from several runs merge into exact-to-1% percentiles.

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
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
	// Connect before timing.
	if _, err := hello(context.Background(), conn, name); err != nil {
		return err
	}
	var mu sync.Mutex
	histogram := map[string]int{}
	calls, failures := 0, 0
	firstError := ""
	start := time.Now()
	until := start.Add(time.Duration(seconds * float64(time.Second)))
	var wg sync.WaitGroup
	for i := 0; i < concurrency; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := map[int]int{}
			n, failed, first := 0, 0, ""
			for time.Now().Before(until) {
				t := time.Now()
				if _, err := hello(context.Background(), conn, name); err != nil {
					failed++
					if first == "" {
						first = err.Error()
					}
					continue
				}
				local[bucketOf(float64(time.Since(t).Nanoseconds())/1e6)]++
				n++
			}
			mu.Lock()
			for bucket, count := range local {
				histogram[strconv.Itoa(bucket)] += count
			}
			calls += n
			failures += failed
			if firstError == "" {
				firstError = first
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	return json.NewEncoder(os.Stdout).Encode(map[string]any{
		"calls": calls, "errors": failures, "seconds": time.Since(start).Seconds(), "firstError": firstError, "histogram": histogram,
	})
}
