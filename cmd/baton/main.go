// Command baton runs Amazon States Language state machines and data
// pipelines. See `baton --help`.
package main

import (
	"os"

	"github.com/batonhq/baton/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
