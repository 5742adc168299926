// Runnable example: go run ./example [sidecar-grpc-address] [service-version]
//
// Calls com.example.EchoService through the sidecar and prints one line per check,
// "ok <name>" or "FAIL <name>: <why>", then "DONE" (the interop test reads them);
// it exits 1 when any check failed.
package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"strings"
	"time"

	pmesh "github.com/polyglot-mesh/polyglot-mesh/clients/go"
)

func main() {
	address, version := "127.0.0.1:15002", "1.0.0"
	if len(os.Args) > 1 {
		address = os.Args[1]
	}
	if len(os.Args) > 2 {
		version = os.Args[2]
	}
	client, err := pmesh.Dial(address)
	if err != nil {
		fmt.Println("FAIL dial:", err)
		os.Exit(1)
	}
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	const service = "com.example.EchoService"

	failed := 0
	check := func(name string, ok bool, detail any) {
		if ok {
			fmt.Println("ok " + name)
		} else {
			failed++
			fmt.Printf("FAIL %s: %v\n", name, detail)
		}
	}

	out, err := client.Invoke(ctx, service, "echo", []any{"héllo from Go"}, pmesh.Version(version))
	check("echo", err == nil && string(out) == `"héllo from Go"`, fmt.Sprint(string(out), err))

	out, err = client.Invoke(ctx, service, "add", []any{2, 40}, pmesh.Version(version), pmesh.ParamTypes("int", "int"))
	check("add", err == nil && string(out) == "42", fmt.Sprint(string(out), err))

	out, err = client.Invoke(ctx, service, "addLong", []any{pmesh.Long(math.MaxInt64 - 1), pmesh.Long(1)}, pmesh.Version(version))
	sum, parseErr := pmesh.ParseLong(out)
	check("long", err == nil && parseErr == nil && sum == math.MaxInt64, fmt.Sprint(string(out), err, parseErr))

	_, err = client.Invoke(ctx, service, "fail", []any{"go boom"}, pmesh.Version(version))
	var thrown *pmesh.JavaException
	check("exception", errors.As(err, &thrown) && thrown.Class == "com.example.EchoException" && strings.Contains(thrown.Message, "go boom"), err)

	_, err = client.Invoke(ctx, "com.example.Nowhere", "x", []any{}, pmesh.Version(version))
	check("no route", err != nil && strings.Contains(err.Error(), "NotFound"), err)

	fmt.Println("DONE")
	if failed > 0 {
		os.Exit(1) // a failed check fails the run, not just its output
	}
}
