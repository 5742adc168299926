// A grpc-go peer for the sidecar's gRPC pass-through tests and benchmark:
//
//	grpc-peer server 127.0.0.1:0 [max-streams=N]  serves proto/examples, prints LISTENING <port>
//	grpc-peer client 127.0.0.1:<port> <case>...  runs each case, prints "ok <case>" or "FAIL <case>: why", then DONE
//	grpc-peer bench 127.0.0.1:<port> <seconds> <connections> <in-flight> <bytes>   unary load, prints one JSON line
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: grpc-peer server|client|bench <address> ...")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "server":
		err = serve(os.Args[2], os.Args[3:])
	case "client":
		err = runClient(os.Args[2], os.Args[3:])
	case "bench":
		err = runBench(os.Args[2], os.Args[3:])
	default:
		err = fmt.Errorf("unknown mode %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
