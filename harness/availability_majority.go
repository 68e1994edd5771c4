package harness

type majorityWatch struct{}

func newMajorityWatch(nodes int) majorityWatch { return majorityWatch{} }
