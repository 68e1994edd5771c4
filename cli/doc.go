// Package cli is the raftsim command line: flags, signals, progress and
// printing over the harness, the scenarios and the campaign engine. It is
// a package, not only a main, so that a user can build a raftsim binary
// that knows their own store (a Go binary cannot load code at run time):
//
//	package main
//
//	import "github.com/raftsim/raftsim/cli"
//
//	func main() { cli.Main(cli.WithStore(mystore.Store)) }
//
// Scenario files and failure files of that binary may then name the store
// ("storage": "mystore"). Each command is a file (run.go, fuzz.go,
// replay.go, check.go, merge.go, scenarios.go) that parses its flags into
// an options struct, separately from running it, so that the parsing can
// be fuzzed on its own.
package cli
