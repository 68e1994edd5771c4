package mutate

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// ParseEquivalents reads a list of equivalent mutants: one per line, the
// mutant's Key, a colon and the reason it cannot be told from the
// original, e.g.
//
//	raft/log.go (*raftLog).term boundary#0 "i < l.snapIndex" -> "i <= l.snapIndex": i == snapIndex returns early above
//
// Blank lines and lines starting with # are comments. Every malformed
// line, unknown operator or repeated key is an error naming its line.
func ParseEquivalents(r io.Reader, name string) (map[string]string, error) {
	eq := map[string]string{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, reason, err := parseEquivalent(line)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %v", name, n, err)
		}
		if _, dup := eq[key]; dup {
			return nil, fmt.Errorf("%s:%d: mutant listed twice: %s", name, n, key)
		}
		eq[key] = reason
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return eq, nil
}

// parseEquivalent splits one line into a canonical key and a reason.
func parseEquivalent(line string) (key, reason string, err error) {
	f := strings.SplitN(line, " ", 4)
	if len(f) < 4 {
		return "", "", fmt.Errorf("want: file function operator#occurrence \"original\" -> \"mutated\": reason")
	}
	file, fn, opOcc, rest := f[0], f[1], f[2], f[3]
	op, occ, ok := strings.Cut(opOcc, "#")
	if !ok || !slices.Contains(Operators, op) {
		return "", "", fmt.Errorf("%q: want operator#occurrence, operator one of %s", opOcc, strings.Join(Operators, ", "))
	}
	k, err := strconv.Atoi(occ)
	if err != nil || k < 0 {
		return "", "", fmt.Errorf("%q: the occurrence must be a non-negative number", opOcc)
	}
	orig, rest, err := quoted(rest, "original")
	if err != nil {
		return "", "", err
	}
	rest, ok = strings.CutPrefix(rest, " -> ")
	if !ok {
		return "", "", fmt.Errorf("want \" -> \" after the original text")
	}
	mutated, rest, err := quoted(rest, "mutated")
	if err != nil {
		return "", "", err
	}
	reason, ok = strings.CutPrefix(rest, ": ")
	if !ok || strings.TrimSpace(reason) == "" {
		return "", "", fmt.Errorf("want \": reason\" after the mutated text: every equivalent mutant says why")
	}
	m := Mutant{File: file, Func: fn, Operator: op, Occurrence: k, Orig: orig, Mutated: mutated}
	return m.Key(), strings.TrimSpace(reason), nil
}

func quoted(s, what string) (string, string, error) {
	q, err := strconv.QuotedPrefix(s)
	if err != nil {
		return "", "", fmt.Errorf("want the %s text as a Go string literal at %q", what, cut(s, 40))
	}
	v, _ := strconv.Unquote(q)
	return v, s[len(q):], nil
}

func cut(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}
