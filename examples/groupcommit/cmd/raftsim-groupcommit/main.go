// Command raftsim-groupcommit is raftsim with the group-commit store built
// in: `raftsim-groupcommit fuzz --store groupcommit-buggy --scenario
// crash-persistence-points --seeds 100 --short` finds its bug, and its
// failure files replay with `raftsim-groupcommit replay FILE`.
package main

import (
	"example.com/groupcommit"
	"github.com/raftsim/raftsim/cli"
)

func main() {
	cli.Main(cli.WithStore(groupcommit.Correct), cli.WithStore(groupcommit.Buggy))
}
