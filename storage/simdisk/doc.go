// Package simdisk is a simulated disk with a written-down fault model, and a
// raft.Storage engine (a checksummed, segmented write-ahead log with hard
// state and snapshot files) that runs on it or on real files.
//
// # Fault model
//
// This section is the specification; the code implements it. disk_test.go
// checks each paragraph on the disk alone; faults_test.go checks, per
// fault, what the store does about it; crash_test.go checks that no crash
// and no in-model fault loses an acknowledged write or returns wrong data.
//
// The medium. A Disk holds files in one flat namespace. A file is a run of
// sectors (4096 bytes unless configured); a sector is the unit of atomicity:
// after any crash each sector holds either its old or its new contents,
// never a mix. Writes go to a write-back cache, which every read sees at
// once. Sync(file) makes the file's cached data and size durable;
// SyncDir makes creates, renames and removes durable. Nothing else is
// promised: a file whose data was synced but whose creation was not can
// vanish with its data, exactly as on a POSIX file system.
//
// Time. The disk has no clock of its own; it reads the caller's Clock (or,
// with none, runs on its own timeline, as if the caller waited for every
// operation). It serves one operation at a time: each starts when both the
// caller issued it and the previous one finished, and takes a latency drawn
// from the configured distribution. A write covered by a sync is durable
// when that sync completes. DurableAt is the completion time of the last
// sync issued: the durability horizon. The store syncs everything before
// a method returns, so once the clock passes DurableAt, everything every
// store method returned so far is durable. Because operations are served in
// order, an operation that had started by the crash instant implies that
// every sync issued before it had completed: at most one store method is
// ever caught part-way by a crash.
//
// Crashes. Crash(policy) is a power failure at the clock's current time.
// Every operation durable by then survives. Every operation not yet
// started is dropped (it was still queued). The others (started, not yet
// durable: unsynced writes, and writes whose sync was still running) meet
// the crash policy:
//
//   - CrashLoseAll: none of them survives; the disk holds exactly what was
//     durable.
//   - CrashKeepSubset: each survives independently, with chance 1/2; the
//     cache may have written back any of them, in any order.
//   - CrashKeepPrefix: a random prefix of them survives, in issue order,
//     as with a cache that writes back in order.
//   - CrashTear: a random prefix survives, and the write right after it is
//     torn at a sector boundary: a random number of its first sectors
//     (possibly none, never all) reach the medium. The crash struck during
//     that write; with the prefix being everything before the last write,
//     this is "the last write is torn".
//
// CutPowerAfter(n) lets the disk serve n more operations and fails every
// later one with ErrPowerCut, until Crash: a crash in the middle of a
// store method, at a chosen persistence point.
//
// A surviving operation applies whole (a write with all its sectors, a
// rename or remove as one step); a file's size becomes the end of its last
// surviving write or truncation, and bytes never written read as zeros.
// After a crash, the cache is the durable state, the disk is idle, and the
// fault overlay (below) is kept: it describes the medium, not the cache.
//
// Injected faults. Each has its own ratio in Faults, decided by draws from
// the disk's own random stream (given at construction), with a fixed
// number of draws per operation so that changing one ratio never shifts
// other draws. Faults can be switched at any time (SetFaults). In transit
// (decided per write or sync):
//
//   - Write error: the write fails with ErrIO and changes nothing.
//   - Lost write: the write reports success and changes nothing; the
//     sectors it covered go on reading their old contents.
//   - Misdirected write: the write reports success, the intended sectors
//     are not written, and the whole sectors it would have produced land
//     at another sector-aligned place in the same file, clobbering what
//     was there.
//   - Sync error: the sync fails with ErrIO, and, as on Linux since
//     "fsyncgate", the writes it covered are dropped from the way to the
//     medium: the cache still shows them, a later sync reports success
//     without making them durable, and the next crash loses them. The only
//     safe answer is to stop and recover from what is durable, through a
//     crash: reopening a store without Crash after a failed sync would
//     trust the cache.
//   - Full disk: a write that would take the disk's files beyond
//     Faults.Capacity bytes (counted in whole sectors) fails with
//     ErrNoSpace and changes nothing.
//
// At rest (decided per read, on one sector of the range read, and
// persistent until the sector is rewritten or the disk healed):
//
//   - Read error: the read fails with ErrIO; transient, nothing persists.
//   - Latent sector error: the sector becomes unreadable; every read that
//     covers it fails with ErrIO.
//   - Bit corruption: one bit of the sector flips, silently: reads succeed
//     and return the flipped bit.
//
// Pristine data and faults are kept apart. The cache and the durable image
// hold exactly what the writes that happened put there (a lost or
// misdirected write did not happen at its intended place). Every injected
// effect that hides data (a misdirected write's sectors at its target, a
// flipped bit, an unreadable sector) lives in an overlay keyed by file and
// sector, applied on every read. A write over a sector clears its overlay
// entry, as a rewrite repairs a real sector. Heal drops the whole overlay
// and switches all faults off in one call, leaving exactly the data the
// writes produced: the liveness phase's healthy disk. Healing never brings
// back a write the store saw fail: the overlay only ever hides data that
// reads reported as corrupt or unreadable.
//
// In model, and what the store does about each:
//
//   - Any crash policy: survived. Recovery truncates the torn or ragged
//     tail of the log (everything from the first sector that is unwritten,
//     short or beyond the end of the file, and a partial last record), and
//     loses nothing a store method returned before DurableAt.
//   - Read error, latent sector error, write error, sync error, full disk:
//     detected, as an error from the method (the node stops, fail-stop).
//     A write-path error poisons the store: every later call returns it.
//   - Lost write, misdirected write (at the intended place): survived.
//     Every write the store makes is synced, then read back and compared;
//     a mismatch is written again (up to 4 times, then an error wrapping
//     raft.ErrCorrupt). Without the read-back, a lost write of the last
//     log record would look like a torn tail after a crash, and the node
//     would forget an entry it had acknowledged. (On an OSDevice the
//     read-back is served by the page cache and checks only the store's
//     own path.)
//   - Bit corruption, and a misdirected write's clobbered target: detected.
//     Every log sector carries a CRC-32C and its own file and position (a
//     sector from elsewhere is caught), every record a CRC-32C, the hard
//     state, node and snapshot files their own CRC-32C. A mismatch is an
//     error wrapping raft.ErrCorrupt; the store never returns wrong data.
//     A sector that is not all zeros and fails its checks is always
//     corruption, never a torn write: sectors are atomic.
//
// Beyond the model: corrupting synced data on a majority of the cluster
// (each node stops, and Raft cannot recover what no healthy node holds),
// and sectors that tear inside themselves. Keeping the cluster repairable
// is the fault budget's business, in the harness, not the disk's.
//
// # The store
//
// Store implements raft.Storage on a Device: a Disk, or an OSDevice over a
// real directory, with real fsync of files and of the directory. Its files:
//
//	node                  the node ID, written once, atomically
//	hardstate             term and vote, replaced atomically: written to
//	                      hardstate.tmp, synced, read back, renamed, and
//	                      the directory synced; a crash leaves the old or
//	                      the new file, never a new term with an old vote
//	wal-<16 hex digits>   log segments, in order; sector.go and record.go
//	                      give the formats, replay.go how they are read
//	snapshot-<16 hex>     snapshots, in raft.EncodeSnapshot's format
//
// The log is append-only: a record per entry (each entry's index decides
// where it lands, as in ReplicateToLog), a truncation record for
// DeleteLogsFrom, a pointer record for compaction and snapshot
// installation, an applied record. The in-memory index (term, kind and
// location of every entry; memberships kept in memory) is rebuilt on Open
// by replaying the segments. Normal entries are read back from the device,
// with their checksums, when asked for. After a compaction or an
// installation, the segments the log no longer needs are deleted; a crash
// that brings one back is harmless, since every record says what it
// changes and the last pointer record anchors the log.
//
// Last applied. The state machine lives in memory and is lost in a crash.
// Apply writes nothing; the store remembers the last applied index and
// writes an applied record at the front of the next batch of log records
// it writes anyway, so the marker is durable at no extra cost and never
// runs ahead of the durable log (an entry is applied only once it is in
// the log, and the device serves writes in order). Open restores the
// state machine from the live snapshot, then re-applies the entries after
// it up to the marker (or to the snapshot alone, when the marker is older).
// The recovered last applied index is therefore at most the one before the
// crash, never more: the state machine holds every effect the store
// reports, each applied once to a fresh machine; the core applies the rest
// again as they are committed. The state machine given to Open must be
// fresh (empty), as after a process restart.
//
// # Determinism
//
// The Disk starts no goroutine and reads no wall clock; its randomness
// comes only from the *sim.Rand stream given to NewDisk; no map iteration
// reaches behaviour or output (listings and overlays are walked in sorted
// order); no floats decide anything. The Store draws nothing and reads no
// clock. The OSDevice does real I/O and is the one exception.
//
// # Usage
//
//	disk, err := simdisk.NewDisk(simdisk.DefaultConfig(), seed.Stream("disk/1"), clock)
//	s, err := simdisk.Open[Cmd, Res](disk, 1, kv.New(), codec, simdisk.Options{})
//	err = s.AppendEntryToLog(&e)   // durable at disk.DurableAt()
//	disk.Crash(simdisk.CrashTear)  // power failure
//	s, err = simdisk.Open[Cmd, Res](disk, 1, kv.New(), codec, simdisk.Options{})
//	disk.Heal()                    // the liveness phase
package simdisk
