package faults

import (
	"errors"
	"fmt"
	"strings"
)

// Kind says what a step does. The package comment's table gives each kind's
// meaning and parameters; the comments here are the short form.
//
// The zero Kind is invalid, so that a step whose kind was left out is caught
// by Validate rather than silently meaning something.
type Kind uint8

const (
	kindUnset Kind = iota

	// Partition cuts, both ways, every link between nodes in different
	// Groups. Nodes named in no group keep their links.
	Partition
	// PartitionOneWay cuts every link from a node in From to a node in To,
	// one way: To can still reach From.
	PartitionOneWay
	// Isolate cuts Node (an ID or Leader) off from every other node.
	Isolate
	// Split cuts the minority Nodes off from the rest; with no Nodes the
	// executor draws a minority with DrawMinority.
	Split
	// Bridge cuts the two Groups from each other; Node, in neither group,
	// keeps its links to both sides.
	Bridge
	// Flap cuts the links between Groups, heals them Interval later, cuts
	// them again, and so on until a Heal.
	Flap
	// Heal removes every cut and clog and stops every flap. Link
	// configurations stay (see ResetLinks).
	Heal
	// Link changes the latency, loss or duplication of the links From ->
	// To (empty: every node); unset parameters stay as they are.
	Link
	// Capacity limits the links From -> To to BytesPerSecond (0:
	// unlimited).
	Capacity
	// Clog stalls the links From -> To until At+For: messages leave late,
	// none is lost.
	Clog
	// ResetLinks sets every link back to the scenario's default
	// configuration. Cuts and clogs stay (see Heal).
	ResetLinks
	// Crash crashes Node (an ID or Leader); with For > 0 the executor
	// restarts it For later.
	Crash
	// Restart restarts Node (an ID or AllNodes) if it is down; otherwise it
	// does nothing.
	Restart
	// Pause stalls Node (an ID or Leader), like a long GC pause; with For
	// > 0 the executor resumes it For later.
	Pause
	// Resume ends the pause of Node (an ID or AllNodes), if it is paused.
	Resume
	// ClockSkew sets the offset of Node's clock from true time to Offset.
	ClockSkew
	// ClockDrift sets the rate error of Node's clock to PPM parts per
	// million (positive: fast).
	ClockDrift
	// ClockJump moves Node's clock forward by Offset, once.
	ClockJump
	// DiskFaults sets Node's disk fault rates and crash policy to Disk.
	DiskFaults
	// DiskSlow sets Node's disk operation latency to Latency.
	DiskSlow
	// DiskHeal switches off Node's disk faults and slowness; the crash
	// policy and any damage already done stay.
	DiskHeal
	// AddMember makes Node a voter again: added as a non-voter, caught up,
	// then a joint configuration change.
	AddMember
	// RemoveMember removes Node (an ID or Leader) from the voters by a
	// joint configuration change.
	RemoveMember
	// TransferLeader moves leadership to Node (an ID or AnyVoter).
	TransferLeader

	kindEnd // one past the last kind
)

// kindNames are the names used by String and JSON, indexed by kind.
var kindNames = [...]string{
	kindUnset:       "unset",
	Partition:       "partition",
	PartitionOneWay: "partition-oneway",
	Isolate:         "isolate",
	Split:           "split",
	Bridge:          "bridge",
	Flap:            "flap",
	Heal:            "heal",
	Link:            "link",
	Capacity:        "capacity",
	Clog:            "clog",
	ResetLinks:      "reset-links",
	Crash:           "crash",
	Restart:         "restart",
	Pause:           "pause",
	Resume:          "resume",
	ClockSkew:       "clock-skew",
	ClockDrift:      "clock-drift",
	ClockJump:       "clock-jump",
	DiskFaults:      "disk-faults",
	DiskSlow:        "disk-slow",
	DiskHeal:        "disk-heal",
	AddMember:       "add-member",
	RemoveMember:    "remove-member",
	TransferLeader:  "transfer-leader",
}

// leaderAliases are kind names JSON accepts on input as shorthand for a
// kind aimed at the leader: {"kind":"crash-leader"} is {"kind":"crash",
// "node":"leader"}. Output always uses the general form.
var leaderAliases = [...]struct {
	name string
	kind Kind
}{
	{"isolate-leader", Isolate},
	{"crash-leader", Crash},
	{"pause-leader", Pause},
}

// Kinds returns every valid kind, in declaration order.
func Kinds() []Kind {
	out := make([]Kind, 0, kindEnd-1)
	for k := kindUnset + 1; k < kindEnd; k++ {
		out = append(out, k)
	}
	return out
}

// String returns the kind's JSON name ("partition-oneway").
func (k Kind) String() string {
	if k < kindEnd {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// ErrKind is wrapped by kind parsing errors.
var ErrKind = errors.New("unknown fault kind")

// ParseKind parses a kind's name. It does not accept the leader aliases
// ("crash-leader"), which are a step's shorthand, not kinds.
func ParseKind(name string) (Kind, error) {
	for k := kindUnset + 1; k < kindEnd; k++ {
		if kindNames[k] == name {
			return k, nil
		}
	}
	return kindUnset, fmt.Errorf("faults: kind %q: want one of %s: %w", name, strings.Join(kindNames[1:], ", "), ErrKind)
}

// MarshalText writes the kind's name; it never fails, so that saving a
// failure file cannot fail.
func (k Kind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText reads what ParseKind reads.
func (k *Kind) UnmarshalText(b []byte) error {
	v, err := ParseKind(string(b))
	if err != nil {
		return err
	}
	*k = v
	return nil
}

// field names one optional parameter of a Step.
type field uint16

const (
	fNode field = 1 << iota
	fGroups
	fNodes
	fFrom
	fTo
	fInterval
	fFor
	fLatency
	fLoss
	fDuplicate
	fBytesPerSecond
	fOffset
	fPPM
	fDisk
	fClients
	fieldEnd
)

// fieldNames are the JSON names of the fields, in bit order; they are also
// the names error messages use.
var fieldNames = [...]string{
	"node", "groups", "nodes", "from", "to", "interval", "for", "latency",
	"loss", "duplicate", "bytesPerSecond", "offset", "ppm", "disk", "clients",
}

// name returns the JSON name of a single field bit.
func (f field) name() string {
	for i := range fieldNames {
		if f == 1<<i {
			return fieldNames[i]
		}
	}
	return fmt.Sprintf("field(%#x)", uint16(f))
}

// names lists the JSON names of the fields in the set f, in bit order.
func (f field) names() []string {
	var out []string
	for i := range fieldNames {
		if f&(1<<i) != 0 {
			out = append(out, fieldNames[i])
		}
	}
	return out
}

// refs is a set of the forms a step's Node may take.
type refs uint8

const (
	refID     refs = 1 << iota // a node ID, 1..nodes
	refLeader                  // Leader
	refAny                     // AnyVoter
	refAll                     // AllNodes
)

// kindSpec is what a kind reads. Validate, JSON and String all work from
// this one table, so a kind's parameters are declared once.
type kindSpec struct {
	// uses are the fields the kind reads; every other field must be
	// zero.
	uses field
	// needs are the fields a JSON step of this kind must carry, either
	// because nothing sensible can stand in for them or because their
	// zero value means something (capacity 0 is "unlimited"), so that
	// leaving them out is more likely a slip than a choice. Marshal
	// always writes them.
	needs field
	// refs are the forms Node may take, when uses has fNode.
	refs refs
}

var specs = [...]kindSpec{
	kindUnset:       {},
	Partition:       {uses: fGroups, needs: fGroups},
	PartitionOneWay: {uses: fFrom | fTo, needs: fFrom | fTo},
	Isolate:         {uses: fNode, needs: fNode, refs: refID | refLeader},
	Split:           {uses: fNodes},
	Bridge:          {uses: fGroups | fNode, needs: fGroups | fNode, refs: refID},
	Flap:            {uses: fGroups | fInterval, needs: fGroups | fInterval},
	Heal:            {},
	Link:            {uses: fFrom | fTo | fNode | fClients | fLatency | fLoss | fDuplicate, refs: refID | refLeader},
	Capacity:        {uses: fFrom | fTo | fNode | fClients | fBytesPerSecond, needs: fBytesPerSecond, refs: refID | refLeader},
	Clog:            {uses: fFrom | fTo | fNode | fClients | fFor, needs: fFor, refs: refID | refLeader},
	ResetLinks:      {},
	Crash:           {uses: fNode | fFor, needs: fNode, refs: refID | refLeader},
	Restart:         {uses: fNode, needs: fNode, refs: refID | refAll},
	Pause:           {uses: fNode | fFor, needs: fNode, refs: refID | refLeader},
	Resume:          {uses: fNode, needs: fNode, refs: refID | refAll},
	ClockSkew:       {uses: fNode | fOffset, needs: fNode | fOffset, refs: refID | refLeader},
	ClockDrift:      {uses: fNode | fPPM, needs: fNode | fPPM, refs: refID | refLeader},
	ClockJump:       {uses: fNode | fOffset, needs: fNode | fOffset, refs: refID | refLeader},
	DiskFaults:      {uses: fNode | fDisk, needs: fNode | fDisk, refs: refID | refLeader | refAll},
	DiskSlow:        {uses: fNode | fLatency, needs: fNode | fLatency, refs: refID | refLeader | refAll},
	DiskHeal:        {uses: fNode, needs: fNode, refs: refID | refLeader | refAll},
	AddMember:       {uses: fNode, needs: fNode, refs: refID},
	RemoveMember:    {uses: fNode, needs: fNode, refs: refID | refLeader},
	TransferLeader:  {uses: fNode, needs: fNode, refs: refID | refAny},
}

// spec returns the kind's parameters; an unknown kind uses nothing.
func (k Kind) spec() kindSpec {
	if k < kindEnd {
		return specs[k]
	}
	return kindSpec{}
}

// valid reports whether k is a kind (not unset, not out of range).
func (k Kind) valid() bool { return k > kindUnset && k < kindEnd }
