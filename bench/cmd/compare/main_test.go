package main

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestRunSmall(t *testing.T) {
	var out, errb bytes.Buffer
	code := run([]string{"--rounds", "1", "--commands", "500", "--client-events=false"}, &out, &errb)
	assert.Equal(t, 0, code, errb.String())
	assert.Contains(t, out.String(), "raftsim / etcd-raft ")
	assert.NotContains(t, out.String(), "client-events")
	assert.Contains(t, out.String(), "load average before")
}

func TestUsage(t *testing.T) {
	var out, errb bytes.Buffer
	assert.Equal(t, 2, run([]string{"--rounds", "0"}, &out, &errb))
	assert.Equal(t, 2, run([]string{"extra"}, &out, &errb))
	assert.Equal(t, 2, run([]string{"--bogus"}, &out, &errb))
	errb.Reset()
	assert.Equal(t, 0, run([]string{"--help"}, &out, &errb))
	assert.Contains(t, errb.String(), "Examples:")
}
