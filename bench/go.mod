module github.com/raftsim/raftsim/bench

go 1.26.0

require (
	github.com/raftsim/raftsim v0.0.0
	github.com/stretchr/testify v1.12.1
	go.etcd.io/raft/v3 v3.7.0
)

require (
	github.com/anishathalye/porcupine v1.3.1 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
	google.golang.org/protobuf v1.36.11 // indirect
)

replace github.com/raftsim/raftsim => ../
