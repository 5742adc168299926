module polyglot-mesh/bench/mosn

go 1.21

require (
	github.com/urfave/cli v1.22.1
	mosn.io/api v0.0.0-20220308091133-b233c56e98c7
	mosn.io/mosn v0.27.0
)

// 1.0.1 crashes on current Go (reflect2 reads runtime internals that moved).
require github.com/modern-go/reflect2 v1.0.2

// As in MOSN's own go.mod (a dependency's replace lines do not apply to the main module).
replace github.com/envoyproxy/go-control-plane => github.com/envoyproxy/go-control-plane v0.10.0

replace istio.io/api => istio.io/api v0.0.0-20211103171850-665ed2b92d52

// Used only by MOSN's seata filter, which this main does not import, and refused by the Go
// module proxy here: empty local modules (written by compare/mosn.ts) stand in for them.
replace vimagination.zapto.org/byteio => ./stubs/byteio

replace vimagination.zapto.org/memio => ./stubs/memio
