// Package pmesh calls Dubbo and SOFARPC services through the polyglot-mesh sidecar's
// gRPC Invoke API (proto/pmesh/v1/invoke.proto), with nothing but gRPC stubs.
//
//	client, _ := pmesh.Dial("127.0.0.1:15002")
//	out, err := client.Invoke(ctx, "com.example.EchoService", "add", []any{2, 40},
//		pmesh.Version("1.0.0"), pmesh.ParamTypes("int", "int"))
//
// Java types JSON cannot say travel as hints: Long(...), BigDecimal(...), or any
// map with "$type"/"$value" or "$class". A Java exception comes back as *JavaException.
package pmesh

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/polyglot-mesh/polyglot-mesh/clients/go/pmeshv1"
)

// Client is a connection to the local sidecar.
type Client struct {
	conn *grpc.ClientConn
	stub pmeshv1.InvokerClient
}

// Dial connects to the sidecar's gRPC Invoke listener (plaintext: it is on loopback).
func Dial(address string) (*Client, error) {
	conn, err := grpc.NewClient(address, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, err
	}
	return &Client{conn: conn, stub: pmeshv1.NewInvokerClient(conn)}, nil
}

// Close closes the connection.
func (c *Client) Close() error { return c.conn.Close() }

// JavaException is returned when the Java service threw.
type JavaException struct {
	Class   string
	Message string
}

func (e *JavaException) Error() string { return e.Class + ": " + e.Message }

// Option sets a field of the call.
type Option func(*pmeshv1.InvokeRequest)

// Version selects the service version.
func Version(v string) Option { return func(r *pmeshv1.InvokeRequest) { r.Version = v } }

// Group selects the service group (SOFARPC uniqueId).
func Group(g string) Option { return func(r *pmeshv1.InvokeRequest) { r.Group = g } }

// ParamTypes declares the Java parameter types ("int", "java.lang.String", ...).
func ParamTypes(types ...string) Option {
	return func(r *pmeshv1.InvokeRequest) { r.ParamTypes = types }
}

// Attachment passes a key/value to the service (Dubbo attachment, SOFARPC request prop).
func Attachment(key, value string) Option {
	return func(r *pmeshv1.InvokeRequest) {
		if r.Attachments == nil {
			r.Attachments = map[string]string{}
		}
		r.Attachments[key] = value
	}
}

// Long is a Java long, exact over the whole int64 range.
func Long(v int64) map[string]any {
	return map[string]any{"$type": "long", "$value": strconv.FormatInt(v, 10)}
}

// BigDecimal is a java.math.BigDecimal written as its decimal digits.
func BigDecimal(digits string) map[string]any {
	return map[string]any{"$type": "java.math.BigDecimal", "$value": digits}
}

// Invoke calls service.method(args...) and returns the result as JSON. The context's
// deadline is the call's deadline.
func (c *Client) Invoke(ctx context.Context, service, method string, args []any, options ...Option) (json.RawMessage, error) {
	encoded, err := json.Marshal(args)
	if err != nil {
		return nil, fmt.Errorf("pmesh: arguments are not JSON: %w", err)
	}
	request := &pmeshv1.InvokeRequest{Service: service, Method: method, ArgumentsJson: string(encoded)}
	for _, option := range options {
		option(request)
	}
	response, err := c.stub.Invoke(ctx, request)
	if err != nil {
		return nil, err
	}
	if response.Exception != nil {
		return nil, &JavaException{Class: response.Exception.ClassName, Message: response.Exception.Message}
	}
	return json.RawMessage(response.ResultJson), nil
}

// ParseLong reads a Java long from a result: a JSON number, or the {"$type":"long"}
// wrapper the sidecar uses beyond 2^53.
func ParseLong(raw json.RawMessage) (int64, error) {
	var wrapper struct {
		Value string `json:"$value"`
	}
	if json.Unmarshal(raw, &wrapper) == nil && wrapper.Value != "" {
		return strconv.ParseInt(wrapper.Value, 10, 64)
	}
	return strconv.ParseInt(string(raw), 10, 64)
}
