package raftwal

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"maps"
	"sync"

	"github.com/hashicorp/raft-wal/types"

	"github.com/raftsim/raftsim/raft"
	"github.com/raftsim/raftsim/storage/vfs"
)

// metaStore is raft-wal's MetaStore on a vfs.FS: the segment list and the
// stable store in one file, "meta", replaced atomically (written to
// meta.tmp, synced, renamed, directory synced). raft-wal's default uses
// BoltDB on real files, which a vfs.FS cannot host.
type metaStore struct {
	mu     sync.Mutex
	fs     vfs.FS
	doc    metaDoc
	loaded bool
}

// metaDoc is the file's content, as JSON followed by a big-endian CRC-32C
// of the JSON.
type metaDoc struct {
	State  types.PersistentState
	Stable map[string][]byte
}

const (
	fileMeta    = "meta"
	fileMetaTmp = "meta.tmp"
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Load reads the file, or starts empty when there is none.
func (m *metaStore) Load(string) (types.PersistentState, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.doc = metaDoc{Stable: map[string][]byte{}}
	b, err := readAll(m.fs, fileMeta)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		m.loaded = true
		return m.doc.State, nil
	case err != nil:
		return types.PersistentState{}, err
	}
	if len(b) < 4 || crc32.Checksum(b[:len(b)-4], castagnoli) != binary.BigEndian.Uint32(b[len(b)-4:]) {
		return types.PersistentState{}, fmt.Errorf("raftwal: meta: checksum mismatch (%d bytes): %w", len(b), raft.ErrCorrupt)
	}
	if err := json.Unmarshal(b[:len(b)-4], &m.doc); err != nil {
		return types.PersistentState{}, fmt.Errorf("raftwal: meta: %v: %w", err, raft.ErrCorrupt)
	}
	if m.doc.Stable == nil {
		m.doc.Stable = map[string][]byte{}
	}
	m.loaded = true
	return m.doc.State, nil
}

func (m *metaStore) CommitState(st types.PersistentState) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	doc := m.doc
	doc.State = st
	return m.write(doc)
}

func (m *metaStore) GetStable(key []byte) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.doc.Stable[string(key)], nil
}

func (m *metaStore) SetStable(key, value []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	doc := m.doc
	doc.Stable = maps.Clone(m.doc.Stable)
	doc.Stable[string(key)] = value
	return m.write(doc)
}

// setStables sets several keys in one atomic write.
func (m *metaStore) setStables(kv map[string][]byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	doc := m.doc
	doc.Stable = maps.Clone(m.doc.Stable)
	maps.Copy(doc.Stable, kv)
	return m.write(doc)
}

func (m *metaStore) Close() error { return nil }

// write replaces the file by doc, durably, and then adopts doc.
func (m *metaStore) write(doc metaDoc) error {
	if !m.loaded {
		return errors.New("raftwal: meta: written before it was loaded")
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	b = binary.BigEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
	if err := writeFile(m.fs, fileMetaTmp, b); err != nil {
		return err
	}
	if err := m.fs.Rename(fileMetaTmp, fileMeta); err != nil {
		return err
	}
	if err := m.fs.SyncDir(); err != nil {
		return err
	}
	m.doc = doc
	return nil
}

// writeFile creates name holding b, synced.
func writeFile(fsys vfs.FS, name string, b []byte) error {
	f, err := fsys.Create(name)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := f.WriteAt(b, 0); err != nil {
		return err
	}
	return f.Sync()
}

// readAll reads a whole file.
func readAll(fsys vfs.FS, name string) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	size, err := f.Size()
	if err != nil {
		return nil, err
	}
	b := make([]byte, size)
	n, err := f.ReadAt(b, 0)
	if err == io.EOF && int64(n) == size {
		err = nil
	}
	return b, err
}
