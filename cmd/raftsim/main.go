// Command raftsim runs deterministic simulations of a Raft cluster under
// faults and checks what clients saw. See `raftsim help`. Everything but
// this line of wiring is package cli, so a user can build the same command
// with their own store (cli.WithStore).
package main

import "github.com/raftsim/raftsim/cli"

func main() { cli.Main() }
