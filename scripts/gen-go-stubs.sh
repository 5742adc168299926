#!/usr/bin/env bash
# Regenerates the Go stubs in clients/go/pmeshv1 from proto/pmesh/v1/invoke.proto.
# Needs protoc (Debian: apt-get install -y protobuf-compiler) and the Go plugins:
#   go install google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.6
#   go install google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.5.1
set -euo pipefail
cd "$(dirname "$0")/.."
PATH="$(go env GOPATH)/bin:$PATH" protoc -I proto \
  --go_out=clients/go/pmeshv1 --go_opt=paths=source_relative \
  --go-grpc_out=clients/go/pmeshv1 --go-grpc_opt=paths=source_relative \
  pmesh/v1/invoke.proto
mv clients/go/pmeshv1/pmesh/v1/*.go clients/go/pmeshv1/
rm -rf clients/go/pmeshv1/pmesh
