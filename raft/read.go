package raft

// Read asks the leader to confirm a linearizable read. When it may be
// served, Events.ReadReady reports it; the host then reads its state
// machine. With ReadIndex the leader records its commit index, confirms it
// is still leader by a heartbeat round answered by a quorum, and waits to
// apply through that index (dissertation §6.4). With ReadLease it skips
// the round while its lease lasts.
func (n *Node[D, R]) Read(id ReadID) (err error) {
	if n.err != nil {
		return n.err
	}
	defer n.guard(&err)
	if n.role != Leader {
		return n.notLeader()
	}
	l := n.lead
	switch {
	case n.zoo != nil && !n.zoo.ReadNeedsConfirm():
		l.readsReady = append(l.readsReady, readRequest{id: id, index: n.commit})
	case n.commit < l.termStart:
		// Until an entry of its term commits, the leader does not know
		// the commit index of the previous term (§6.4 step 1).
		l.readsEarly = append(l.readsEarly, id)
		return nil
	case n.cfg.ReadMode == ReadLease && n.leaseValid():
		n.hit(ProbeReadLease)
		l.readsReady = append(l.readsReady, readRequest{id: id, index: n.commit})
	default:
		if n.cfg.ReadMode == ReadLease {
			n.hit(ProbeReadLeaseExpired)
		}
		n.confirmRead(id)
		return nil
	}
	n.serveReads()
	return nil
}

// confirmRead queues a read for the next heartbeat round that leaves after
// it arrived, starting one unless a read round is already out. Reads that
// arrive meanwhile share the next round, so rounds batch under load.
func (n *Node[D, R]) confirmRead(id ReadID) {
	l := n.lead
	l.readsWaiting = append(l.readsWaiting, readRequest{id: id, round: l.round + 1, index: n.commit})
	if !l.readRoundOpen {
		l.readRoundOpen = true
		n.startRound(n.now())
	}
}

// updateConfirmedRound recomputes the latest round a quorum answered and
// releases the reads it confirms.
func (n *Node[D, R]) updateConfirmedRound() {
	l := n.lead
	r := jointQuorumValue(n.membership, func(id NodeID) uint64 {
		if id == n.id {
			return l.round
		}
		if pr := l.get(id); pr != nil {
			return pr.ackedRound
		}
		return 0
	}, nil)
	if r <= l.confirmedRound {
		return
	}
	l.confirmedRound = r
	if r >= l.round {
		l.readRoundOpen = false
	}
	k := 0
	for k < len(l.readsWaiting) && l.readsWaiting[k].round <= r {
		k++
	}
	l.readsReady = append(l.readsReady, l.readsWaiting[:k]...)
	l.readsWaiting = append(l.readsWaiting[:0], l.readsWaiting[k:]...)
	if len(l.readsWaiting) > 0 && !l.readRoundOpen {
		l.readRoundOpen = true
		n.startRound(n.now())
	}
	n.serveReads()
}

// serveReads reports every confirmed read whose index is applied, and
// starts the reads that waited for the term's first commit.
func (n *Node[D, R]) serveReads() {
	l := n.lead
	if len(l.readsEarly) > 0 && n.commit >= l.termStart {
		early := l.readsEarly
		l.readsEarly = nil
		for _, id := range early {
			n.hit(ProbeReadWaitsForTerm)
			if n.cfg.ReadMode == ReadLease && n.leaseValid() {
				l.readsReady = append(l.readsReady, readRequest{id: id, index: n.commit})
			} else {
				n.confirmRead(id)
			}
		}
	}
	k := 0
	for k < len(l.readsReady) && l.readsReady[k].index <= n.applied {
		n.env.Events.ReadReady(l.readsReady[k].id, n.applied)
		k++
	}
	if k > 0 {
		l.readsReady = append(l.readsReady[:0], l.readsReady[k:]...)
	}
}

// leaseValid reports whether the leader may serve reads without a round:
// a quorum answered a round that left less than ElectionTimeoutMin -
// MaxClockDrift ago, so no other leader can have been elected since,
// provided clocks drift apart by less than MaxClockDrift meanwhile.
//
// A leader that sent TimeoutNow holds no lease for the rest of its term:
// the target campaigns at once and voters grant a transfer's vote however
// recently they heard from this leader, so a new leader can be elected
// and commit while the lease would still run (found by the
// lease-reads-under-partitions scenario: the transfer's vote never
// reached the old leader, which kept serving stale reads). The lease
// stays void after the transfer ends too, since a delayed or duplicated
// TimeoutNow can still start that election; reads take ReadIndex rounds.
func (n *Node[D, R]) leaseValid() bool {
	l := n.lead
	if l.timeoutNowSent {
		return false
	}
	for i := len(l.roundsSent) - 1; i >= 0; i-- {
		if l.roundsSent[i].round <= l.confirmedRound {
			return n.now() < l.roundsSent[i].at+n.cfg.ElectionTimeoutMin-n.cfg.MaxClockDrift
		}
	}
	return false
}
