// Command pulumi-resource-calicolab-steps is the Pulumi resource provider of calico-lab's steps
// (components/lab/host-command.ts): bash scripts run on the machine running Pulumi. A Go binary, so the engine
// has it serving within milliseconds of starting it, where Pulumi's Node.js dynamic provider first loads
// Node.js and Pulumi's SDK.
package main

import (
	"fmt"
	"net"
	"os"
	"time"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
)

// version is stamped by the build (-X main.version=...): what `pulumi plugin ls` and the engine see.
var version = "0.0.0-dev"

// engineCheckInterval: how often the provider checks that the engine it serves still answers.
const engineCheckInterval = 5 * time.Second

func main() {
	if err := serve(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// serve: the engine starts a provider with its own address as the one argument (flags before it are
// tracing and logging settings this provider ignores) and reads the provider's port from its stdout.
func serve(args []string) error {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	server := grpc.NewServer(grpc.MaxRecvMsgSize(1 << 30))
	pulumirpc.RegisterResourceProviderServer(server, &stepsProvider{version: version})
	if engine := engineAddress(args); engine != "" {
		go exitWithoutEngine(engine)
	}
	fmt.Printf("%d\n", listener.Addr().(*net.TCPAddr).Port)
	return server.Serve(listener)
}

func engineAddress(args []string) string {
	for i := len(args) - 1; i >= 0; i-- {
		if len(args[i]) > 0 && args[i][0] != '-' {
			return args[i]
		}
	}
	return ""
}

// exitWithoutEngine ends the provider once its engine stops accepting connections (killed, crashed).
func exitWithoutEngine(engine string) {
	for range time.Tick(engineCheckInterval) {
		conn, err := net.DialTimeout("tcp", engine, engineCheckInterval)
		if err != nil {
			os.Exit(0)
		}
		conn.Close()
	}
}
