package campaign

import (
	"encoding/xml"
	"fmt"
	"strings"

	"github.com/raftsim/raftsim/internal/atomicfile"
)

// JUnit XML, the report format CI systems show as test results, in the
// shape of the common Ant/Jenkins schema (testdata/junit.xsd, checked by
// TestJUnitMatchesTheSchema). A campaign is one test suite with a stable
// set of test cases, whatever the seeds found: one case "campaign" for
// the campaign as a whole (a failure when merged shards are missing,
// duplicated or foreign; an error when it was interrupted), and one case
// per scenario it draws from (a failure when any of its seeds failed,
// whose text says how to reproduce each signature; skipped when no seed
// drew it or its only non-passing seeds are undecided). Times are wall
// times: the campaign's, and each scenario's seeds added up.

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr,omitempty"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Skipped   *junitFailure `xml:"skipped,omitempty"`
	Error     *junitFailure `xml:"error,omitempty"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

// JUnit turns a summary into JUnit XML.
func JUnit(s *Summary) ([]byte, error) {
	c := s.Campaign
	suite := junitSuite{Name: fmt.Sprintf("raftsim fuzz %s (campaign seed %v)", c.Scenario, c.Seed), Time: seconds(s.Wall.Seconds)}
	if !s.Wall.Started.IsZero() {
		suite.Timestamp = s.Wall.Started.UTC().Format("2006-01-02T15:04:05")
	}
	suite.Properties = []junitProperty{
		{"campaign.seed", c.Seed.String()}, {"campaign.scenario", c.Scenario},
		{"campaign.short", fmt.Sprint(c.Short)}, {"campaign.bugs", strings.Join(c.Bugs, ",")},
		{"campaign.shards", fmt.Sprint(c.Shards)}, {"raftsim", s.Raftsim}, {"verdict", s.Verdict()},
	}
	suite.Cases = append(suite.Cases, campaignCase(s))
	for _, sc := range s.Scenarios {
		suite.Cases = append(suite.Cases, scenarioCase(s, sc))
	}
	for _, tc := range suite.Cases {
		switch {
		case tc.Failure != nil:
			suite.Failures++
		case tc.Error != nil:
			suite.Errors++
		case tc.Skipped != nil:
			suite.Skipped++
		}
	}
	suite.Tests = len(suite.Cases)
	out := junitSuites{Name: "raftsim fuzz", Tests: suite.Tests, Failures: suite.Failures, Errors: suite.Errors,
		Skipped: suite.Skipped, Time: suite.Time, Suites: []junitSuite{suite}}
	b, err := xml.MarshalIndent(out, "", "  ")
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), append(b, '\n')...), nil
}

func seconds(s float64) string { return fmt.Sprintf("%.3f", max(s, 0)) }

// campaignCase is the campaign as a whole: whether the summary stands for
// the whole campaign.
func campaignCase(s *Summary) junitCase {
	tc := junitCase{Name: "campaign", Classname: "raftsim.fuzz", Time: seconds(s.Wall.Seconds),
		SystemOut: fmt.Sprintf("shards %v of %d: %d seeds run, %d passed, %d failed, %d inconclusive, %d abandoned\nverdict %s\n",
			s.Shards, s.Campaign.Shards, s.Seeds, s.Passed, s.Failed, s.Inconclusive, s.Abandoned, s.VerdictLine())}
	switch {
	case len(s.Problems) > 0:
		tc.Failure = &junitFailure{Message: oneLine(s.Problems[0]), Type: "shards", Text: strings.Join(s.Problems, "\n") + "\n"}
	case s.Interrupted:
		tc.Error = &junitFailure{Message: "interrupted before the budget was spent: " + oneLine(s.VerdictLine()), Type: "interrupted"}
	}
	return tc
}

// scenarioCase is one scenario's seeds.
func scenarioCase(s *Summary, sc ScenarioCount) junitCase {
	tc := junitCase{Name: sc.Name, Classname: "raftsim.fuzz.scenario", Time: seconds(s.Wall.ScenarioSeconds[sc.Name]),
		SystemOut: fmt.Sprintf("%d seeds: %d passed, %d failed, %d inconclusive\n", sc.Seeds, sc.Seeds-sc.Failed-sc.Inconclusive, sc.Failed, sc.Inconclusive)}
	switch {
	case sc.Failed > 0:
		var sigs []string
		var text strings.Builder
		for _, f := range s.Failures {
			if t := failureText(f, sc.Name); t != "" {
				sigs = append(sigs, f.Signature)
				text.WriteString(t)
			}
		}
		msg := fmt.Sprintf("%d of %d seeds failed", sc.Failed, sc.Seeds)
		if len(sigs) > 0 {
			msg += ": " + strings.Join(sigs, ", ")
		}
		tc.Failure = &junitFailure{Message: msg, Type: "failure", Text: text.String()}
	case sc.Seeds == 0:
		tc.Skipped = &junitFailure{Message: "no seed of the campaign drew this scenario"}
	case sc.Inconclusive > 0:
		// Skipped, not failed: an undecided verdict is no bug report.
		tc.Skipped = &junitFailure{Message: fmt.Sprintf("%d of %d seeds with an undecided verdict", sc.Inconclusive, sc.Seeds),
			Text: inconclusiveText(s, sc.Name)}
	}
	return tc
}

// failureText is what a signature's seeds of one scenario say: how to
// replay or rerun them. Empty when none of its listed seeds ran it.
func failureText(f SignatureSummary, scenario string) string {
	var b strings.Builder
	if f.First.Scenario == scenario {
		fmt.Fprintf(&b, "%s: %d failing seeds in the campaign; first: index %d, seed %v, step %d\n",
			f.Signature, f.Count, f.First.Index, f.First.Seed, f.First.Step)
		fmt.Fprintf(&b, "  %s\n", oneLine(f.First.Message))
		if f.First.File != "" {
			fmt.Fprintf(&b, "  replay: raftsim replay %s\n", f.First.File)
		}
		fmt.Fprintf(&b, "  rerun:  %s\n", f.First.Reproduce)
	}
	for _, e := range f.Examples {
		if e.Scenario != scenario {
			continue
		}
		if b.Len() == 0 {
			fmt.Fprintf(&b, "%s: %d failing seeds in the campaign; first in scenario %s\n", f.Signature, f.Count, f.First.Scenario)
		}
		fmt.Fprintf(&b, "  also:   %s\n", e.Reproduce)
	}
	return b.String()
}

// inconclusiveText lists a scenario's inconclusive seeds and how to rerun
// them.
func inconclusiveText(s *Summary, scenario string) string {
	var b strings.Builder
	for _, r := range s.InconclusiveSeeds {
		if r.Scenario == scenario {
			fmt.Fprintf(&b, "index %d, seed %v: %s\nrerun:  %s\n", r.Index, r.Seed, r.Message, r.Reproduce)
		}
	}
	return b.String()
}

// WriteJUnitFile writes the summary as JUnit XML, atomically.
func WriteJUnitFile(path string, s *Summary) error {
	b, err := JUnit(s)
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(path, b)
}
