package storagetest

import (
	"flag"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftsim/raftsim/raft"
	"github.com/raftsim/raftsim/storage/simdisk"
	"github.com/raftsim/raftsim/storage/vfs"
)

// The store mutants: the project's disk store with one realistic bug
// each, planted in the file system under it (a wrapper of vfs.FS) or in
// the open function, aimed at what the kit used to miss: sync ordering,
// directory syncs, torn tails, silent truncation, segment handling,
// snapshot installation, re-application after a restart, fault handling.
// scripts/store-mutants.sh runs each through the whole kit and counts the
// ones caught; a mutant subtest that passes is a miss.

var runMutants = flag.Bool("storagetest.mutants", false, "run TestStoreMutants: every store mutant through the whole kit (each subtest must FAIL)")

// bugFS is a vfs.FS with hooks where a mutant changes behaviour; a nil
// hook is the real call.
type bugFS struct {
	vfs.FS
	sync    func(f *bugFile) error
	syncDir func() error
	rename  func(from, to string) error
	list    func() ([]string, error)
	open    func(name string) (vfs.File, error)
	read    func(f *bugFile, p []byte, off int64) (int, error)
	write   func(f *bugFile, p []byte, off int64) (int, error)
	sector  int
}

type bugFile struct {
	vfs.File
	fs   *bugFS
	name string
	// held is a write the file has not passed on yet (the write-back
	// buffer of the sync-before-flush mutant).
	held []func() error
}

func (b *bugFS) wrap(name string, f vfs.File, err error) (vfs.File, error) {
	if err != nil {
		return nil, err
	}
	return &bugFile{File: f, fs: b, name: name}, nil
}

func (b *bugFS) Create(name string) (vfs.File, error) {
	f, err := b.FS.Create(name)
	return b.wrap(name, f, err)
}

func (b *bugFS) Open(name string) (vfs.File, error) {
	if b.open != nil {
		f, err := b.open(name)
		return b.wrap(name, f, err)
	}
	f, err := b.FS.Open(name)
	return b.wrap(name, f, err)
}

func (b *bugFS) SectorSize() int {
	if b.sector != 0 {
		return b.sector
	}
	return b.FS.SectorSize()
}

func (b *bugFS) SyncDir() error {
	if b.syncDir != nil {
		return b.syncDir()
	}
	return b.FS.SyncDir()
}

func (b *bugFS) Rename(from, to string) error {
	if b.rename != nil {
		return b.rename(from, to)
	}
	return b.FS.Rename(from, to)
}

func (b *bugFS) List() ([]string, error) {
	if b.list != nil {
		return b.list()
	}
	return b.FS.List()
}

func (f *bugFile) Sync() error {
	if f.fs.sync != nil {
		return f.fs.sync(f)
	}
	return f.File.Sync()
}

func (f *bugFile) ReadAt(p []byte, off int64) (int, error) {
	if f.fs.read != nil {
		return f.fs.read(f, p, off)
	}
	return f.File.ReadAt(p, off)
}

func (f *bugFile) WriteAt(p []byte, off int64) (int, error) {
	if f.fs.write != nil {
		return f.fs.write(f, p, off)
	}
	return f.File.WriteAt(p, off)
}

// storeMutant is the disk store with one bug.
type storeMutant struct {
	name, bug string
	// fs plants the bug in the file system, given the real one.
	fs func(real vfs.FS) vfs.FS
	// open plants it in the open function instead (fs nil).
	open OpenFS[Cmd, Resp]
	// sector is the disk's sector size (4096 when 0).
	sector int
}

func (m storeMutant) factory() Factory {
	open := m.open
	if open == nil {
		open = func(fsys vfs.FS, id raft.NodeID, sm raft.StateMachine[Cmd, Resp]) (raft.Storage[Cmd, Resp], error) {
			return openDiskStore(2048)(m.fs(fsys), id, sm)
		}
	}
	return OnDisk(open, DiskOptions{SectorSize: m.sector})
}

func named(prefix string, f *bugFile) bool { return strings.HasPrefix(f.name, prefix) }

func storeMutants() []storeMutant {
	noop := func() error { return nil }
	return []storeMutant{
		{name: "never-fsync", bug: "Sync does nothing: the store never calls fsync",
			fs: func(r vfs.FS) vfs.FS { return &bugFS{FS: r, sync: func(*bugFile) error { return nil }} }},
		{name: "no-directory-sync", bug: "SyncDir does nothing: created and renamed files are not durable",
			fs: func(r vfs.FS) vfs.FS { return &bugFS{FS: r, syncDir: noop} }},
		{name: "wal-not-synced", bug: "log segments are never synced (the other files are)",
			fs: func(r vfs.FS) vfs.FS {
				return &bugFS{FS: r, sync: func(f *bugFile) error {
					if named("wal-", f) {
						return nil
					}
					return f.File.Sync()
				}}
			}},
		{name: "hardstate-not-synced", bug: "the hard state's temporary file is renamed without a sync",
			fs: func(r vfs.FS) vfs.FS {
				return &bugFS{FS: r, sync: func(f *bugFile) error {
					if named("hardstate", f) {
						return nil
					}
					return f.File.Sync()
				}}
			}},
		{name: "snapshot-not-synced", bug: "snapshot files are never synced before the pointer to them is",
			fs: func(r vfs.FS) vfs.FS {
				return &bugFS{FS: r, sync: func(f *bugFile) error {
					if named("snapshot-", f) {
						return nil
					}
					return f.File.Sync()
				}}
			}},
		{name: "every-other-sync", bug: "every second Sync is skipped (a batching bug)",
			fs: func(r vfs.FS) vfs.FS {
				n := 0
				return &bugFS{FS: r, sync: func(f *bugFile) error {
					n++
					if n%2 == 0 {
						return nil
					}
					return f.File.Sync()
				}}
			}},
		{name: "flush-after-sync", bug: "writes wait in a user-space buffer that is flushed after the fsync it should precede",
			fs: func(r vfs.FS) vfs.FS {
				return &bugFS{FS: r,
					write: func(f *bugFile, p []byte, off int64) (int, error) {
						for _, w := range f.held {
							if err := w(); err != nil {
								return 0, err
							}
						}
						q := append([]byte(nil), p...)
						f.held = []func() error{func() error { _, err := f.File.WriteAt(q, off); return err }}
						return len(p), nil
					},
					read: func(f *bugFile, p []byte, off int64) (int, error) {
						for _, w := range f.held {
							if err := w(); err != nil {
								return 0, err
							}
						}
						f.held = nil
						return f.File.ReadAt(p, off)
					},
					sync: func(f *bugFile) error {
						err := f.File.Sync()
						for _, w := range f.held {
							_ = w()
						}
						f.held = nil
						return err
					}}
			}},
		{name: "rename-by-copy", bug: "Rename copies the file and removes the old one: a crash in between leaves half a hard state",
			fs: func(r vfs.FS) vfs.FS {
				b := &bugFS{FS: r}
				b.rename = func(from, to string) error { return copyRename(r, from, to) }
				return b
			}},
		{name: "read-error-is-end", bug: "a read error is taken for the end of the file: the log is silently truncated there",
			fs: func(r vfs.FS) vfs.FS {
				return &bugFS{FS: r, read: func(f *bugFile, p []byte, off int64) (int, error) {
					n, err := f.File.ReadAt(p, off)
					if err != nil && !strings.Contains(err.Error(), "EOF") && n == 0 {
						clear(p)
						return len(p), nil
					}
					return n, err
				}}
			}},
		{name: "write-errors-ignored", bug: "a failed write is reported as done",
			fs: func(r vfs.FS) vfs.FS {
				return &bugFS{FS: r, write: func(f *bugFile, p []byte, off int64) (int, error) {
					_, _ = f.File.WriteAt(p, off)
					return len(p), nil
				}}
			}},
		{name: "sync-errors-ignored", bug: "a failed fsync is reported as done (fsyncgate)",
			fs: func(r vfs.FS) vfs.FS {
				return &bugFS{FS: r, sync: func(f *bugFile) error { _ = f.File.Sync(); return nil }}
			}},
		{name: "list-drops-last", bug: "the directory listing misses its last name: the newest segment is not replayed",
			fs: func(r vfs.FS) vfs.FS {
				return &bugFS{FS: r, list: func() ([]string, error) {
					names, err := r.List()
					var wal []string
					for _, n := range names {
						if strings.HasPrefix(n, "wal-") {
							wal = append(wal, n)
						}
					}
					if len(wal) > 1 {
						drop := wal[len(wal)-1]
						out := names[:0:0]
						for _, n := range names {
							if n != drop {
								out = append(out, n)
							}
						}
						return out, err
					}
					return names, err
				}}
			}},
		{name: "truncate-partial-sector-on-open", bug: "opening a segment cuts it to its last full sector: a partial record's sector, acknowledged, is dropped",
			fs: func(r vfs.FS) vfs.FS {
				b := &bugFS{FS: r}
				b.open = func(name string) (vfs.File, error) {
					f, err := r.Open(name)
					if err != nil || !strings.HasPrefix(name, "wal-") {
						return f, err
					}
					size, err := f.Size()
					if err == nil && size > 0 {
						sector := int64(r.SectorSize())
						if cut := (size - 1) / sector * sector; cut > 0 {
							err = f.Truncate(cut)
						}
					}
					return f, err
				}
				return b
			}},
		{name: "sector-size-assumed-4096", bug: "the store assumes 4096-byte atomic writes on a 512-byte-sector disk: a torn sector looks like corruption",
			sector: 512,
			fs:     func(r vfs.FS) vfs.FS { return &bugFS{FS: r, sector: 4096} }},
		{name: "writes-drop-last-sector", bug: "a write longer than a sector loses its last sector silently",
			fs: func(r vfs.FS) vfs.FS {
				return &bugFS{FS: r, write: func(f *bugFile, p []byte, off int64) (int, error) {
					s := r.SectorSize()
					if len(p) > s {
						_, err := f.File.WriteAt(p[:len(p)-s], off)
						return len(p), err
					}
					return f.File.WriteAt(p, off)
				}}
			}},
		{name: "snapshot-rename-not-durable", bug: "after a snapshot is installed the directory is not synced (only the first SyncDir of each file's life runs)",
			fs: func(r vfs.FS) vfs.FS {
				n := 0
				return &bugFS{FS: r, syncDir: func() error {
					n++
					if n > 2 {
						return nil
					}
					return r.SyncDir()
				}}
			}},
		{name: "reapply-after-restart", bug: "on open the store replays every log entry into the state machine again, on top of what it restored",
			open: func(fsys vfs.FS, id raft.NodeID, sm raft.StateMachine[Cmd, Resp]) (raft.Storage[Cmd, Resp], error) {
				s, err := simdisk.Open(simdisk.OnFS(fsys), id, sm, Codec{}, simdisk.Options{SegmentSize: 2048})
				if err != nil {
					return nil, err
				}
				st, err := s.GetInitialState()
				if err != nil || st.LastAppliedLog == 0 {
					return s, err
				}
				es, err := s.GetLogEntries(0, st.LastAppliedLog+1)
				for _, e := range es {
					if e.Kind == raft.EntryNormal {
						sm.Apply(e.Index, e.Data)
					}
				}
				return s, err
			}},
		{name: "short-writes-unchecked", bug: "a write passes on only its first half and reports the whole written (a short write's count ignored)",
			fs: func(r vfs.FS) vfs.FS {
				return &bugFS{FS: r, write: func(f *bugFile, p []byte, off int64) (int, error) {
					if len(p) > 1 {
						_, err := f.File.WriteAt(p[:len(p)/2], off)
						return len(p), err
					}
					return f.File.WriteAt(p, off)
				}}
			}},
		{name: "segments-removed-before-pointer", bug: "old segments are removed as soon as a snapshot file is created, before the pointer to it is durable",
			fs: func(r vfs.FS) vfs.FS {
				b := &bugFS{FS: r}
				create := func(name string) {
					if !strings.HasPrefix(name, "snapshot-") {
						return
					}
					names, _ := r.List()
					for _, n := range names {
						if strings.HasPrefix(n, "wal-") {
							_ = r.Remove(n)
							_ = r.SyncDir()
							return
						}
					}
				}
				return &createHook{bugFS: b, hook: create}
			}},
		{name: "create-keeps-old-bytes", bug: "Create does not truncate an existing file: a shorter hard state keeps the old one's tail",
			fs: func(r vfs.FS) vfs.FS { return &keepCreate{FS: r} }},
	}
}

// createHook runs hook before each Create.
type createHook struct {
	*bugFS
	hook func(name string)
}

func (c *createHook) Create(name string) (vfs.File, error) {
	c.hook(name)
	return c.bugFS.Create(name)
}

// keepCreate opens an existing file instead of truncating it.
type keepCreate struct{ vfs.FS }

func (k *keepCreate) Create(name string) (vfs.File, error) {
	if f, err := k.FS.Open(name); err == nil {
		return f, nil
	}
	return k.FS.Create(name)
}

// copyRename renames by copying: create to, write from's bytes, sync,
// remove from.
func copyRename(r vfs.FS, from, to string) error {
	src, err := r.Open(from)
	if err != nil {
		return err
	}
	size, err := src.Size()
	if err != nil {
		return err
	}
	b := make([]byte, size)
	if _, err := src.ReadAt(b, 0); err != nil && size > 0 {
		return err
	}
	dst, err := r.Create(to)
	if err != nil {
		return err
	}
	for off := 0; off < len(b); off += 8 {
		if _, err := dst.WriteAt(b[off:min(off+8, len(b))], int64(off)); err != nil {
			return err
		}
		if err := dst.Sync(); err != nil {
			return err
		}
	}
	if err := r.Remove(from); err != nil {
		return err
	}
	return r.SyncDir()
}

// TestStoreMutants runs the whole kit on every store mutant and on the
// memstore mutants of mutants(). Each subtest must FAIL: the kit caught
// the bug. It runs only with -storagetest.mutants (scripts/store-mutants.sh).
func TestStoreMutants(t *testing.T) {
	if !*runMutants {
		t.Skip("run with -storagetest.mutants (scripts/store-mutants.sh): each subtest is a broken store and must fail")
	}
	for _, m := range storeMutants() {
		t.Run(m.name, func(t *testing.T) {
			t.Logf("bug: %s", m.bug)
			Run(t, m.factory(), WithTolerates(diskStoreTolerates))
		})
	}
	for _, m := range mutants() {
		t.Run(m.name, func(t *testing.T) {
			t.Logf("bug: %s", m.bug)
			Run(t, m.f)
		})
	}
}

// TestStoreMutantsListed keeps the mutants' names unique and the list
// long enough for the measurement.
func TestStoreMutantsListed(t *testing.T) {
	seen := map[string]bool{}
	for _, m := range storeMutants() {
		if seen[m.name] || (m.fs == nil) == (m.open == nil) {
			t.Errorf("store mutant %q: duplicate, or not exactly one of fs and open", m.name)
		}
		seen[m.name] = true
	}
	if n := len(storeMutants()); n < 20 {
		t.Errorf("%d store mutants; the measurement wants at least 20", n)
	}
	_ = fmt.Sprint
}

// TestNeverSyncFailsCrash: the disk store on a file system whose Sync does
// nothing fails the crash checks at the first deep workload, while on real
// files the kit says that crashes are tested on simulated disks instead.
func TestNeverSyncFailsCrash(t *testing.T) {
	var m storeMutant
	for _, sm := range storeMutants() {
		if sm.name == "never-fsync" {
			m = sm
		}
	}
	require.NotNil(t, m.fs)
	err := crashAll(t, m.factory(), deepOps.Example(0), 0)
	require.Error(t, err, "a store that never syncs passed a crash at every persistence point")
	t.Logf("the kit: %v", err)

	why := crashSkip(t, OnOS(openDiskStore(4096)))
	assert.Contains(t, why, "storagetest.OnDisk(open, opts)", "the real-files factory says how crashes are tested")
}
