package storagetest

import (
	"github.com/stretchr/testify/require"

	"github.com/raftsim/raftsim/raft"
)

func membershipCases() []Case {
	return []Case{
		{"membership-pristine", "A pristine store's membership is NewInitialMembership(id): the node alone, from GetMembershipConfig and GetInitialState alike.", membershipPristine},
		{"membership-no-config", "A log of normal and blank entries only holds no membership: the node's initial one is in force.", membershipNoConfig},
		{"membership-latest-entry", "The membership is the newest config-change entry (a reverse scan), not an older one.", membershipLatestEntry},
		{"membership-joint", "A joint configuration comes back joint, with both halves.", membershipJoint},
		{"membership-snapshot-pointer", "A snapshot pointer's embedded membership counts when the reverse scan reaches it first.", membershipSnapshotPointer},
		{"membership-config-after-pointer", "A config-change entry after the pointer wins; truncating it makes the pointer's membership current again.", membershipConfigAfterPointer},
		{"membership-after-truncation", "Deleting the newest config-change entry makes the previous one current; deleting all of them, the initial one.", membershipAfterTruncation},
		{"membership-installed-snapshot", "After a snapshot installation the membership is the one in the snapshot's header.", membershipInstalledSnapshot},
		{"membership-node-id-persisted", "The node ID is persisted: after a restart, a store with no config in its log still reports the node's own initial membership.", membershipNodeIDPersisted},
	}
}

func requireMembership(n *node, want raft.Membership) {
	n.t.Helper()
	got := n.membership()
	require.True(n.t, want.Equal(got), "GetMembershipConfig = %v, want %v", got, want)
	got = n.initial().Membership
	require.True(n.t, want.Equal(got), "GetInitialState().Membership = %v, want %v", got, want)
}

func membershipPristine(t TB, f Factory) {
	n := open(t, f, 3)
	requireMembership(n, raft.NewInitialMembership(3))
}

func membershipNoConfig(t TB, f Factory) {
	n := open(t, f, 4)
	n.append(blank(1, 1))
	n.append(run(2, 1, 1)...)
	requireMembership(n, raft.NewInitialMembership(4))
	n.check()
}

func membershipLatestEntry(t TB, f Factory) {
	n := open(t, f, 1)
	n.append(config(1, 1, 1, 2, 3), normal(1, 2, "k", "a"), config(2, 3, 1, 2), normal(2, 4, "k", "b"))
	requireMembership(n, raft.NewMembership(1, 2))
	n.check()
}

func membershipJoint(t TB, f Factory) {
	n := open(t, f, 1)
	n.append(config(1, 1, 1, 2, 3), joint(1, 2, []raft.NodeID{1, 2, 3}, []raft.NodeID{3, 4, 5}))
	want := *joint(1, 2, []raft.NodeID{1, 2, 3}, []raft.NodeID{3, 4, 5}).Membership
	requireMembership(n, want)
	require.True(t, n.membership().IsJoint(), "a joint configuration must come back joint")
}

func membershipSnapshotPointer(t TB, f Factory) {
	n := open(t, f, 1)
	n.append(config(1, 1, 1, 2))
	n.append(run(2, 1, 1, 1)...)
	n.applyThrough(4)
	n.compact(4)
	n.requireLog("1/4p")
	requireMembership(n, raft.NewMembership(1, 2))
	n.check()
}

func membershipConfigAfterPointer(t TB, f Factory) {
	n := open(t, f, 1)
	n.append(config(1, 1, 1, 2))
	n.append(run(2, 1, 1)...)
	n.applyThrough(3)
	n.compact(3)
	n.append(config(2, 4, 1, 2, 3), normal(2, 5, "k", "x"))
	requireMembership(n, raft.NewMembership(1, 2, 3))
	require.NoError(t, n.s.DeleteLogsFrom(4, nil), "DeleteLogsFrom(4, nil)")
	requireMembership(n, raft.NewMembership(1, 2))
	n.check()
}

func membershipAfterTruncation(t TB, f Factory) {
	n := open(t, f, 5)
	n.append(config(1, 1, 1, 5), normal(1, 2, "k", "a"), config(1, 3, 1, 2, 5), normal(1, 4, "k", "b"))
	n.applyThrough(2)
	require.NoError(t, n.s.DeleteLogsFrom(3, nil), "DeleteLogsFrom(3, nil)")
	requireMembership(n, raft.NewMembership(1, 5))

	n = open(t, f, 5)
	n.append(config(1, 1, 1, 5), normal(1, 2, "k", "a"))
	require.NoError(t, n.s.DeleteLogsFrom(1, nil), "DeleteLogsFrom(1, nil)")
	requireMembership(n, raft.NewInitialMembership(5))
	n.check()
}

func membershipInstalledSnapshot(t TB, f Factory) {
	n := open(t, f, 2)
	n.append(config(1, 1, 1, 2))
	snap, _ := snapshotOf(5, 2, raft.NewMembership(2, 4, 6), "s")
	_, err := n.install(snap, nil)
	require.NoError(t, err, "FinalizeSnapshotInstallation")
	requireMembership(n, raft.NewMembership(2, 4, 6))
	n.check()
}

func membershipNodeIDPersisted(t TB, f Factory) {
	n := open(t, f, 7)
	n.reopen()
	requireMembership(n, raft.NewInitialMembership(7))
	n.save(1, 7)
	n.append(run(1, 1)...)
	n.reopen()
	requireMembership(n, raft.NewInitialMembership(7))
	n.check()
}
