// Sends the Go net/http client's requests for the HTTP/1 golden capture
// (scripts/golden/http1-requests.mjs): a GET, a POST with a known length and a POST whose
// body has no length (net/http sends it chunked), one connection each.
//
//	go run ./scripts/golden/http1-go <port> <case>
package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
)

type noLength struct{ r io.Reader }

func (n noLength) Read(p []byte) (int, error) { return n.r.Read(p) }

func main() {
	base := "http://127.0.0.1:" + os.Args[1]
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true, DisableCompression: false}}
	var req *http.Request
	var err error
	switch os.Args[2] {
	case "get":
		req, err = http.NewRequest("GET", base+"/items?id=7&q=a%20b", nil)
		if err == nil {
			req.Header.Set("Accept", "application/json")
			req.Header.Add("X-Multi", "one")
			req.Header.Add("X-Multi", "two")
		}
	case "post-length":
		req, err = http.NewRequest("POST", base+"/upload", bytes.NewReader([]byte(strings.Repeat("g", 300))))
		if err == nil {
			req.Header.Set("Content-Type", "application/octet-stream")
		}
	case "post-chunked":
		req, err = http.NewRequest("POST", base+"/stream", noLength{strings.NewReader(strings.Repeat("c", 5000))})
	default:
		err = fmt.Errorf("unknown case %s", os.Args[2])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	res, err := client.Do(req)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
}
