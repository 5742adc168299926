// A trace backend for the OTLP interop tests: the OpenTelemetry Collector's own OTLP
// receiver (go.opentelemetry.io/collector/receiver/otlpreceiver), serving OTLP/HTTP
// (protobuf and JSON, as the collector does), fed into a consumer that appends every
// batch it receives to a file as one JSON line: {"contentType": the request's
// Content-Type, "traces": the batch as OTLP JSON}. Only the receiver decodes what the
// sidecar sent; this program adds no parsing of its own. The content type comes from the
// receiver's own client metadata (include_metadata), so a test can tell which encoding
// brought each span.
//
//	otlp-collector -listen 127.0.0.1:<port> -out <file>   prints LISTENING <address>, stops on SIGTERM
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"

	"go.opentelemetry.io/collector/client"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configgrpc"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/otlpreceiver"
	"go.uber.org/zap"
)

// jsonLines appends each batch to a file as one JSON line (a batchLine); the receiver may
// call it from several requests at once, so writes are serialised to keep lines whole.
type jsonLines struct {
	mu   sync.Mutex
	file *os.File
}

// batchLine is one line of the output file: the Content-Type of the request that brought
// the batch, and the batch as OTLP JSON.
type batchLine struct {
	ContentType string          `json:"contentType"`
	Traces      json.RawMessage `json:"traces"`
}

func (sink *jsonLines) consume(ctx context.Context, traces ptrace.Traces) error {
	otlp, err := (&ptrace.JSONMarshaler{}).MarshalTraces(traces)
	if err != nil {
		return err
	}
	contentType := strings.Join(client.FromContext(ctx).Metadata.Get("Content-Type"), ",")
	line, err := json.Marshal(batchLine{ContentType: contentType, Traces: otlp})
	if err != nil {
		return err
	}
	sink.mu.Lock()
	defer sink.mu.Unlock()
	_, err = sink.file.Write(append(line, '\n'))
	return err
}

func main() {
	listen := flag.String("listen", "127.0.0.1:4318", "host:port the OTLP/HTTP receiver listens on")
	out := flag.String("out", "", "file each received trace batch is appended to, as one OTLP JSON line")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "usage: otlp-collector -listen 127.0.0.1:<port> -out <file>")
		os.Exit(2)
	}
	if err := run(*listen, *out); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(listen, out string) error {
	file, err := os.OpenFile(out, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer file.Close()
	sink := &jsonLines{file: file}
	next, err := consumer.NewTraces(sink.consume)
	if err != nil {
		return err
	}

	factory := otlpreceiver.NewFactory()
	config := factory.CreateDefaultConfig().(*otlpreceiver.Config)
	// OTLP/HTTP only (the sidecar's exporter speaks nothing else), enabled as an `http:`
	// section in a collector's config would enable it, with the receiver's defaults.
	config.Protocols.GRPC = configoptional.None[configgrpc.ServerConfig]()
	http := config.Protocols.HTTP.GetOrInsertDefault()
	http.ServerConfig.NetAddr.Endpoint = listen
	http.ServerConfig.IncludeMetadata = true

	logger, err := zap.NewProduction()
	if err != nil {
		return err
	}
	telemetry := componenttest.NewNopTelemetrySettings()
	telemetry.Logger = logger
	settings := receiver.Settings{
		ID:                component.NewID(factory.Type()),
		TelemetrySettings: telemetry,
		BuildInfo:         component.NewDefaultBuildInfo(),
	}
	ctx := context.Background()
	traces, err := factory.CreateTraces(ctx, settings, config, next)
	if err != nil {
		return err
	}
	if err := traces.Start(ctx, componenttest.NewNopHost()); err != nil {
		return err
	}
	fmt.Println("LISTENING", listen)

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	<-stop
	return traces.Shutdown(ctx)
}
