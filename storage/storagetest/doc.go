// Package storagetest tests any implementation of raft.Storage against the
// storage contract: named conformance cases, a model-based random test
// against the reference store, and crash consistency for stores on a
// simulated device.
//
// # What it checks
//
//   - Cases: one named, documented case per rule of the contract in
//     raft/storage.go (membership, initial and hard state, half-open log
//     ranges, deletion, leader append, follower replication, apply,
//     compaction, streamed snapshot installation, the current snapshot),
//     restarts included. Cases lists them; Check runs them outside a test.
//   - ModelCheck: random calls, valid and refused, on the store and on
//     memstore, compared after every call; rapid shrinks a failure and
//     saves it as a fail file.
//   - CrashCheck: for stores that implement Crashable, a crash at every
//     persistence point under each crash policy of simdisk, then a reopen that must hold
//     every acknowledged effect, no hole, no entry never written, and a
//     hard state saved whole.
//   - Guard: a wrapper that checks the rules a correct caller and store
//     keep on every call, in O(1), for a store used by anything (a test,
//     a simulated cluster).
//
// The stores apply the kit's command Cmd to its state machine SM, whose
// responses and digest show any entry applied twice, skipped or out of
// order; Codec encodes Cmd for stores that write commands to a device.
//
// # Usage
//
//	func TestMyStore(t *testing.T) {
//		storagetest.Run(t, storagetest.Memory(func(id raft.NodeID, sm raft.StateMachine[storagetest.Cmd, storagetest.Resp]) storagetest.Store {
//			return mystore.New(id, sm)
//		}))
//	}
//
// A store on a medium that survives a restart implements Factory itself,
// so that Reopen opens a new store on the old one's medium; a store on a
// simulated device also implements Crashable, and Run adds the crash
// checks.
//
// # Determinism
//
// The kit reads no clock, starts no goroutine and draws no random number of
// its own: the property tests draw everything from rapid, so a seed or a
// fail file replays a failure exactly. Cases and Guard are deterministic.
package storagetest
