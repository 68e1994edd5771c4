package harness

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/raftsim/raftsim/faults"
	"github.com/raftsim/raftsim/raft"
	"github.com/raftsim/raftsim/sim"
	"github.com/raftsim/raftsim/storage/memstore"
	"github.com/raftsim/raftsim/storage/simdisk"
	"github.com/raftsim/raftsim/storage/vfs"
)

// The store hook: what each node persists through is a Store, named in the
// config by its registered name (a factory is code, and a config must be
// data that a failure file can hold). The two built-in stores are two
// registrations like any user's; every check the harness makes holds for
// all of them alike:
//
//   - durable before acknowledged: for a store on the device, what the
//     store returned is durable only once the device's durability horizon
//     passes it, and no message that promises it may leave before then;
//     a crash loses or tears what is not durable, per the crash policy;
//   - fail-stop on storage errors: an error from the store stops the node;
//     with disk faults on that is the store doing its job, otherwise it is
//     the run's failure;
//   - power cuts at persistence points: a crash step may cut the device's
//     power in the middle of one of the store's next calls;
//   - and the Raft invariants, linearizability and liveness checks over
//     what the nodes do with the store.

// StorageKind names the store each node persists through: a name given to
// RegisterStore. The zero value is the memory store.
type StorageKind string

// The built-in stores.
const (
	// StorageMemory is the reference in-memory store (storage/memstore):
	// every write is durable when it returns and a crash loses nothing.
	StorageMemory StorageKind = "memory"
	// StorageDisk is the log store of storage/simdisk on the simulated
	// disk: writes take time, become durable at the disk's horizon, and a
	// crash applies the disk's crash policy to what is not durable yet.
	StorageDisk StorageKind = "disk"
)

func (k StorageKind) String() string {
	if k == "" {
		return string(StorageMemory)
	}
	return string(k)
}

func (k StorageKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText accepts the name of a registered store.
func (k *StorageKind) UnmarshalText(b []byte) error {
	if _, err := LookupStore(string(b)); err != nil {
		return err
	}
	*k = StorageKind(b)
	return nil
}

// UsesDevice reports whether the named store keeps its data on the
// node's simulated device (false for an unknown name).
func (k StorageKind) UsesDevice() bool {
	st, err := LookupStore(string(k))
	return err == nil && st.Device
}

// Store is a storage implementation the harness can put under every node.
type Store struct {
	// Name is how configs, scenario files and failure files name it:
	// lower-case letters, digits and dashes.
	Name string
	// Device says where the store keeps its data. True: on the node's
	// simulated device (Config.Disk: latency, durability horizon, crash
	// policy, faults), and the store is opened anew from the device at
	// every start of the node, as a real process recovers after a crash.
	// False: in its own memory, which survives crashes; it is opened once
	// per node, and what a call returned is durable when it returns.
	Device bool
	// Open opens the store of one node. An error from it, or from any
	// later call, stops the node (fail-stop). Errors of the device must
	// stay recognizable (wrap them with %w): a power cut
	// (simdisk.ErrPowerCut) is then the crash it is, and an I/O error on
	// a disk with faults on is the store doing its job.
	Open func(StoreEnv) (raft.Storage[Command, Response], error)
	// SectorSize, when not 0, is the sector size of the devices the store
	// runs on (a power of two from 512 to 65536; see simdisk.Config):
	// UseStore puts it in the config, so that failure files and replays
	// keep it. Small sectors put torn writes inside records and make
	// more writes span sectors.
	SectorSize int
	// Ignores names the disk faults the store declares it does not
	// survive, by their names in a disk-faults step ("corrupt",
	// "lostWrite", ...: faults.DiskRates' JSON names). The harness leaves
	// them out of every disk-faults step on the store's devices (a
	// config's initial Disk.Device faults are the config's own), so that
	// a run holds the store
	// to what it promises; what a store ignores is its documented limit,
	// which no campaign of it tests.
	Ignores []string
}

// StoreEnv is what a store is opened with.
type StoreEnv struct {
	// ID is the node's.
	ID raft.NodeID
	// Device is the node's simulated device (a *simdisk.Disk, wrapped
	// when Config.Disk.SkipSync plants the lying-sync bug); nil for a
	// store whose medium is its own memory. It keeps its contents across
	// the node's crashes and restarts, minus what a crash lost.
	Device simdisk.Device
	// FS is the same device as the file interface (simdisk.Disk.FS), for
	// a store written against storage/vfs: the one that runs on vfs.OS in
	// production runs here under the device's latency, durability
	// horizon, crash policy, power cuts and faults, with every check the
	// harness makes. Device and FS are two views of one disk; a store uses
	// one of them. Nil when Device is.
	FS vfs.FS
	// StateMachine is a fresh state machine for this start: the store
	// applies committed entries to it and restores snapshots into it.
	StateMachine raft.StateMachine[Command, Response]
	// Codec encodes commands, for a store that writes them out.
	Codec raft.Codec[Command]
}

var stores = struct {
	sync.RWMutex
	byName map[string]Store // lookups only
}{byName: map[string]Store{}}

func init() {
	mustRegister(Store{Name: string(StorageMemory), Open: func(e StoreEnv) (raft.Storage[Command, Response], error) {
		return memstore.New[Command, Response](e.ID, e.StateMachine), nil
	}})
	mustRegister(Store{Name: string(StorageDisk), Device: true, Open: func(e StoreEnv) (raft.Storage[Command, Response], error) {
		return simdisk.Open(e.Device, e.ID, e.StateMachine, e.Codec, simdisk.Options{})
	}})
}

// ErrUnknownStore is wrapped by LookupStore's error for a name nobody
// registered.
var ErrUnknownStore = errors.New("unknown store")

// RegisterStore makes a store available by its name. Registering a name
// again replaces the earlier store, except for the built-in "memory" and
// "disk", which cannot be replaced. Register stores before runs start
// (in an init function, TestMain, or before campaign.Start).
func RegisterStore(s Store) error {
	switch {
	case !validStoreName(s.Name):
		return fmt.Errorf("harness: store name %q: want lower-case letters, digits and dashes", s.Name)
	case s.Open == nil:
		return fmt.Errorf("harness: store %s: Open is nil", s.Name)
	case s.Name == string(StorageMemory) || s.Name == string(StorageDisk):
		return fmt.Errorf("harness: store %s is built in and cannot be replaced", s.Name)
	}
	for _, f := range s.Ignores {
		if diskFaultRate(&faults.DiskRates{}, f) == nil {
			return fmt.Errorf("harness: store %s ignores %q: not a disk fault (want one of %s)", s.Name, f, strings.Join(diskFaultNames, ", "))
		}
	}
	register(s)
	return nil
}

func mustRegister(s Store) { register(s) }

func register(s Store) {
	stores.Lock()
	defer stores.Unlock()
	stores.byName[s.Name] = s
}

// LookupStore finds a registered store; "" is the memory store.
func LookupStore(name string) (Store, error) {
	if name == "" {
		name = string(StorageMemory)
	}
	stores.RLock()
	defer stores.RUnlock()
	if s, ok := stores.byName[name]; ok {
		return s, nil
	}
	return Store{}, fmt.Errorf("%w %q (registered: %s): a user's store must be registered with harness.RegisterStore, "+
		"or built into the binary with cli.WithStore", ErrUnknownStore, name, strings.Join(storeNamesLocked(), ", "))
}

// StoreNames lists the registered stores, sorted.
func StoreNames() []string {
	stores.RLock()
	defer stores.RUnlock()
	return storeNamesLocked()
}

func storeNamesLocked() []string {
	names := make([]string, 0, len(stores.byName))
	for n := range stores.byName {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

func validStoreName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

// UseStore makes the config's nodes persist through the named store. A
// store on the device gets the default disk when the config has none (a
// config of the memory store), so that it runs with latency, a durability
// horizon and a crash policy, and the store's sector size if it has one.
func (c *Config) UseStore(name string) error {
	st, err := LookupStore(name)
	if err != nil {
		return err
	}
	c.Storage = StorageKind(st.Name)
	if st.Device && c.Disk == (DiskConfig{}) {
		c.Disk = DefaultDisk()
	}
	if st.Device && st.SectorSize != 0 {
		c.Disk.Device.SectorSize = st.SectorSize
	}
	return nil
}

// diskFaultNames are the disk faults a store may ignore, by their names in
// a disk-faults step.
var diskFaultNames = []string{"readError", "writeError", "latentSector", "corrupt", "lostWrite", "misdirectedWrite", "syncFail"}

// diskFaultRate is the rate of the named fault in r, nil for no such
// fault.
func diskFaultRate(r *faults.DiskRates, name string) *sim.Ratio {
	switch name {
	case "readError":
		return &r.ReadError
	case "writeError":
		return &r.WriteError
	case "latentSector":
		return &r.LatentSector
	case "corrupt":
		return &r.Corrupt
	case "lostWrite":
		return &r.LostWrite
	case "misdirectedWrite":
		return &r.MisdirectedWrite
	case "syncFail":
		return &r.SyncFail
	}
	return nil
}

// withoutIgnored switches off the faults the store ignores.
func (s Store) withoutIgnored(r faults.DiskRates) faults.DiskRates {
	for _, f := range s.Ignores {
		if p := diskFaultRate(&r, f); p != nil {
			*p = sim.Ratio{}
		}
	}
	return r
}
