module example.com/groupcommit

go 1.26

require github.com/raftsim/raftsim v0.0.0

require github.com/anishathalye/porcupine v1.3.1 // indirect

replace github.com/raftsim/raftsim => ../..
