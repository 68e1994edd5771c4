package harness

import (
	"fmt"
	"os"
	"testing"
)

type tmpTracer struct{ lines []string }

func (tr *tmpTracer) Trace(e *TraceEvent) { tr.lines = append(tr.lines, e.Line()) }

var tmpTr *tmpTracer

func init() {
	if os.Getenv("LAB_TRACE_TMP") != "" {
		tmpTr = &tmpTracer{}
	}
}

func tmpAttach(l *Lab) {
	if tmpTr != nil {
		l.w.tracer = tmpTr
	}
}

func TestZZDump(t *testing.T) {
	if tmpTr == nil {
		return
	}
	f, _ := os.Create("/tmp/labtrace.txt")
	for _, s := range tmpTr.lines {
		fmt.Fprintln(f, s)
	}
	f.Close()
}
