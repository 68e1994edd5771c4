package campaign

import (
	"encoding/xml"
	"fmt"
	"strings"

	"github.com/raftsim/raftsim/harness"
)

// JUnit XML, the report format CI systems show as test results. A campaign
// is one test suite: one passing test case for the campaign as a whole,
// and one failing test case per failure signature, whose text says how to
// reproduce it.

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name      string      `xml:"name,attr"`
	Tests     int         `xml:"tests,attr"`
	Failures  int         `xml:"failures,attr"`
	Skipped   int         `xml:"skipped,attr"`
	Time      string      `xml:"time,attr"`
	Timestamp string      `xml:"timestamp,attr,omitempty"`
	Cases     []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	Skipped   *junitFailure `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

// JUnit turns a summary into JUnit XML.
func JUnit(s *Summary) ([]byte, error) {
	name := fmt.Sprintf("raftsim fuzz %s (campaign seed %v)", s.Campaign.Scenario, s.Campaign.Seed)
	secs := fmt.Sprintf("%.3f", s.Wall.Seconds)
	suite := junitSuite{Name: name, Time: secs}
	if !s.Wall.Started.IsZero() {
		suite.Timestamp = s.Wall.Started.Format("2006-01-02T15:04:05")
	}
	campaign := junitCase{Name: "campaign", Classname: "raftsim.fuzz", Time: secs,
		SystemOut: fmt.Sprintf("shards %v of %d: %d seeds run, %d passed, %d failed, %d abandoned",
			s.Shards, s.Campaign.Shards, s.Seeds, s.Passed, s.Failed, s.Abandoned)}
	if s.Inconclusive > 0 {
		campaign.SystemOut += fmt.Sprintf(", %d inconclusive", s.Inconclusive)
	}
	if s.Interrupted {
		campaign.Skipped = &junitFailure{Message: "interrupted before the budget was spent"}
		suite.Skipped++
	}
	suite.Cases = append(suite.Cases, campaign)
	for _, f := range s.Failures {
		suite.Cases = append(suite.Cases, junitCase{
			Name: f.Signature, Classname: "raftsim.fuzz." + f.Class, Time: "0",
			Failure: &junitFailure{Message: oneLine(f.First.Message), Type: f.Class, Text: failureText(f)},
		})
		suite.Failures++
	}
	if s.Inconclusive > 0 {
		// Skipped, not failed: an undecided verdict is no bug report.
		suite.Cases = append(suite.Cases, junitCase{Name: "inconclusive", Classname: "raftsim.fuzz.inconclusive", Time: "0",
			Skipped: &junitFailure{Message: fmt.Sprintf("%d seeds with an undecided verdict", s.Inconclusive), Text: inconclusiveText(s)}})
		suite.Skipped++
	}
	suite.Tests = len(suite.Cases)
	out := junitSuites{Tests: suite.Tests, Failures: suite.Failures, Time: secs, Suites: []junitSuite{suite}}
	b, err := xml.MarshalIndent(out, "", "  ")
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), append(b, '\n')...), nil
}

// failureText is the body of a signature's failure: how to reproduce it
// and which other seeds failed the same way.
func failureText(f SignatureSummary) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d failing seeds; first: index %d, seed %v, scenario %s, step %d\n",
		f.Count, f.First.Index, f.First.Seed, f.First.Scenario, f.First.Step)
	fmt.Fprintf(&b, "%s\n", f.First.Message)
	if f.First.File != "" {
		fmt.Fprintf(&b, "replay: raftsim replay %s\n", f.First.File)
	}
	fmt.Fprintf(&b, "rerun:  %s\n", f.First.Reproduce)
	for _, e := range f.Examples {
		fmt.Fprintf(&b, "also:   %s\n", e.Reproduce)
	}
	return b.String()
}

// inconclusiveText lists the inconclusive seeds and how to rerun them.
func inconclusiveText(s *Summary) string {
	var b strings.Builder
	for _, r := range s.InconclusiveSeeds {
		fmt.Fprintf(&b, "index %d, seed %v, scenario %s: %s\nrerun:  %s\n", r.Index, r.Seed, r.Scenario, r.Message, r.Reproduce)
	}
	return b.String()
}

// WriteJUnitFile writes the summary as JUnit XML, atomically.
func WriteJUnitFile(path string, s *Summary) error {
	b, err := JUnit(s)
	if err != nil {
		return err
	}
	return harness.WriteFileAtomic(path, b)
}
