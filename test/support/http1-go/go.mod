module github.com/polyglot-mesh/polyglot-mesh/test/support/http1-go

go 1.23.0
