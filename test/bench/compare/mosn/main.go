// A MOSN v0.27.0 for the side-by-side bench (npm run bench -- compare): MOSN's own start-up
// stages (params, init, pre-start, start), with only the Bolt and Dubbo xprotocol codecs
// and the proxy network filter registered. No xDS, tracing, wasm or other filters: what it
// costs per call is what the compared path needs.
package main

import (
	"os"

	"github.com/urfave/cli"
	"mosn.io/api"
	v2 "mosn.io/mosn/pkg/config/v2"
	"mosn.io/mosn/pkg/configmanager"
	"mosn.io/mosn/pkg/log"
	"mosn.io/mosn/pkg/mosn"
	"mosn.io/mosn/pkg/protocol/xprotocol"
	"mosn.io/mosn/pkg/protocol/xprotocol/bolt"
	"mosn.io/mosn/pkg/protocol/xprotocol/dubbo"
	"mosn.io/mosn/pkg/stagemanager"
	xstream "mosn.io/mosn/pkg/stream/xprotocol"

	_ "mosn.io/mosn/pkg/filter/network/proxy"
	_ "mosn.io/mosn/pkg/network"
	_ "mosn.io/mosn/pkg/router"
	_ "mosn.io/mosn/pkg/stream/xprotocol"
)

func registerCodecs(_ *cli.Context) {
	xprotocol.ResgisterXProtocolAction(xstream.NewConnPool, xstream.NewStreamFactory, func(api.XProtocolCodec) {})
	_ = xprotocol.RegisterXProtocolCodec(&bolt.XCodec{})
	_ = xprotocol.RegisterXProtocolCodec(&dubbo.XCodec{})
}

func quietLogs(_ *cli.Context) {
	log.GetErrorLoggerManagerInstance().SetLogLevelControl(configmanager.ParseLogLevel("ERROR"))
}

func main() {
	app := cli.NewApp()
	app.Name = "mosn-bench"
	app.Flags = []cli.Flag{cli.StringFlag{Name: "config, c", Usage: "MOSN config `FILE`"}}
	app.Action = func(c *cli.Context) error {
		m := mosn.NewMosn()
		stm := stagemanager.InitStageManager(c, c.String("config"), m)
		stm.AppendParamsParsedStage(registerCodecs)
		stm.AppendParamsParsedStage(quietLogs)
		stm.AppendInitStage(mosn.DefaultInitStage)
		stm.AppendInitStage(func(*v2.MOSNConfig) {})
		stm.AppendPreStartStage(mosn.DefaultPreStartStage)
		stm.AppendStartStage(mosn.DefaultStartStage)
		stm.RunAll()
		return nil
	}
	_ = app.Run(os.Args)
}
