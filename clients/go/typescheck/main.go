// Every type of issue 6 over gRPC: go run ./typescheck [sidecar-grpc-address] [service-version]
//
// Java builds an Order holding every type (com.example.types.TypesService.sampleOrder);
// this reads it, checks some values, sends it back, and prints Java's verdict:
// "ok <name>" / "FAIL <name>: <why>" lines, "VERDICT <text>", then "DONE".
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"reflect"
	"time"

	pmesh "github.com/polyglot-mesh/polyglot-mesh/clients/go"
)

const service = "com.example.types.TypesService"

func main() {
	address, version := "127.0.0.1:15002", "1.0.0"
	if len(os.Args) > 2 {
		address, version = os.Args[1], os.Args[2]
	}
	client, err := pmesh.Dial(address)
	if err != nil {
		fmt.Println("FAIL dial:", err)
		os.Exit(1)
	}
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	raw, err := client.Invoke(ctx, service, "sampleOrder", []any{}, pmesh.Version(version))
	if err != nil {
		fmt.Println("FAIL sampleOrder:", err)
		os.Exit(1)
	}
	var order struct {
		ID       json.RawMessage `json:"id"`
		Total    string          `json:"total"`
		Color    string          `json:"color"`
		Grade    string          `json:"grade"`
		Customer struct {
			Phones  []*string `json:"phones"`
			Address struct {
				City string `json:"city"`
			} `json:"address"`
		} `json:"customer"`
	}
	failed := 0
	check := func(name string, ok bool, detail any) {
		if ok {
			fmt.Println("ok " + name)
		} else {
			failed++
			fmt.Printf("FAIL %s: %v\n", name, detail)
		}
	}
	if err := json.Unmarshal(raw, &order); err != nil {
		fmt.Println("FAIL decode:", err)
		os.Exit(1)
	}
	id, idErr := pmesh.ParseLong(order.ID)
	check("long 2^63-1", idErr == nil && id == math.MaxInt64, string(order.ID))
	check("BigDecimal, 30 digits", order.Total == "12345678901234567890.1234567890", order.Total)
	phones := []any{}
	for _, p := range order.Customer.Phones {
		if p == nil {
			phones = append(phones, nil)
		} else {
			phones = append(phones, *p)
		}
	}
	check("null inside a list", reflect.DeepEqual(phones, []any{"+44 1", nil, "+44 2"}), phones)
	check("enum", order.Color == "GREEN", order.Color)
	check("char", order.Grade == "Ω", order.Grade)
	check("nested three deep", order.Customer.Address.City == "London", order.Customer.Address.City)

	verdict, err := client.Invoke(ctx, service, "checkOrder", []any{raw}, pmesh.Version(version))
	if err != nil {
		fmt.Println("FAIL checkOrder:", err)
		os.Exit(1)
	}
	var text string
	_ = json.Unmarshal(verdict, &text)
	fmt.Println("VERDICT " + text)
	fmt.Println("DONE")
	if failed > 0 {
		os.Exit(1) // a failed check fails the run, not just its output
	}
}
