module example.com/groupcommit

go 1.26.0

require github.com/raftsim/raftsim v0.0.0

require (
	github.com/anishathalye/porcupine v1.3.1 // indirect
	golang.org/x/sys v0.50.0 // indirect
	golang.org/x/term v0.48.0 // indirect
)

replace github.com/raftsim/raftsim => ../..
