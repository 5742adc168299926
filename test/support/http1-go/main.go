// An HTTP/1.1 upstream on Go's net/http, for the sidecar's HTTP/1 proxy tests: its framing
// (Content-Length, chunked, HEAD, 204, 304) and keep-alive are net/http's, not ours.
// Usage: http1-peer <port>. Prints "listening" once it accepts connections.
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync/atomic"
)

// written counts the body bytes /big has handed to the connection, to show backpressure.
var written atomic.Int64

func main() {
	mux := http.NewServeMux()
	// The request as seen: method, path, headers, body length and SHA-256, transfer coding.
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		hash := sha256.New()
		n, err := io.Copy(hash, r.Body)
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		headers := map[string]string{}
		for name, values := range r.Header {
			headers[name] = values[0]
		}
		out, _ := json.Marshal(map[string]any{
			"method": r.Method, "uri": r.RequestURI, "host": r.Host, "headers": headers,
			"length": n, "sha256": hex.EncodeToString(hash.Sum(nil)), "te": r.TransferEncoding, "declared": r.ContentLength,
		})
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(out)))
		w.Write(out)
	})
	// n chunks of size bytes each, flushed one by one: a chunked reply.
	mux.HandleFunc("/chunked", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		size, _ := strconv.Atoi(r.URL.Query().Get("size"))
		chunk := make([]byte, size)
		for i := range chunk {
			chunk[i] = byte('a' + i%26)
		}
		for i := 0; i < n; i++ {
			w.Write(chunk)
			w.(http.Flusher).Flush()
		}
	})
	// mb MiB with a Content-Length, counting what was written.
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		mb, _ := strconv.Atoi(r.URL.Query().Get("mb"))
		written.Store(0)
		w.Header().Set("Content-Length", strconv.Itoa(mb<<20))
		block := make([]byte, 64<<10)
		for i := range block {
			block[i] = byte(i % 251)
		}
		for i := 0; i < mb*16; i++ {
			if _, err := w.Write(block); err != nil {
				return
			}
			written.Add(int64(len(block)))
		}
	})
	mux.HandleFunc("/written", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, written.Load())
	})
	// The status asked for; 204 and 304 carry no body whatever the handler writes.
	mux.HandleFunc("/status", func(w http.ResponseWriter, r *http.Request) {
		code, _ := strconv.Atoi(r.URL.Query().Get("code"))
		w.Header().Set("ETag", `"v1"`)
		w.WriteHeader(code)
		w.Write([]byte("body that must not be sent"))
	})
	// A fixed body with its length, also for HEAD (net/http sends the length, no body).
	mux.HandleFunc("/fixed", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "11")
		w.Header().Set("Set-Cookie", "a=1")
		w.Header().Add("Set-Cookie", "b=2")
		if r.Method != http.MethodHead {
			w.Write([]byte("hello world"))
		}
	})
	listener, err := net.Listen("tcp", "127.0.0.1:"+os.Args[1])
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	fmt.Println("listening")
	http.Serve(listener, mux)
}
