package harness

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftsim/raftsim/faults"
	"github.com/raftsim/raftsim/raft"
	"github.com/raftsim/raftsim/sim"
	"github.com/raftsim/raftsim/storage/memstore"
	"github.com/raftsim/raftsim/storage/simdisk"
)

// A user's store registered through the hook runs exactly where the
// built-in ones do: the same store under another name gives the same
// trace, seed for seed, on the device and in memory.
func TestAUsersStoreRunsWhereTheBuiltInOnesDo(t *testing.T) {
	require.NoError(t, RegisterStore(Store{Name: "test-disk-again", Device: true,
		Open: func(e StoreEnv) (raft.Storage[Command, Response], error) {
			return simdisk.Open(e.Device, e.ID, e.StateMachine, e.Codec, simdisk.Options{})
		}}))
	require.NoError(t, RegisterStore(Store{Name: "test-memory-again",
		Open: func(e StoreEnv) (raft.Storage[Command, Response], error) {
			return memstore.New[Command, Response](e.ID, e.StateMachine), nil
		}}))
	for _, pair := range [][2]StorageKind{{StorageDisk, "test-disk-again"}, {StorageMemory, "test-memory-again"}} {
		for seed := sim.Seed(1); seed <= 3; seed++ {
			cfg := DefaultConfig()
			cfg.Duration = 3e9
			cfg.Storage = pair[0]
			want, err := Run(cfg, seed)
			require.NoError(t, err)
			cfg.Storage = pair[1]
			got, err := Run(cfg, seed)
			require.NoError(t, err)
			assert.Equal(t, want.TraceHash, got.TraceHash, "%s and %s, seed %v", pair[0], pair[1], seed)
			assert.Equal(t, want.Failure, got.Failure)
		}
	}
}

// A user's store on the device is held to durable-before-acknowledged
// like the built-in one: syncs that never reach the device are caught.
func TestAUsersLyingStoreIsCaught(t *testing.T) {
	require.NoError(t, RegisterStore(Store{Name: "test-lying", Device: true,
		Open: func(e StoreEnv) (raft.Storage[Command, Response], error) {
			return simdisk.Open(lyingDevice{e.Device}, e.ID, e.StateMachine, e.Codec, simdisk.Options{})
		}}))
	caught := 0
	for seed := sim.Seed(1); seed <= 20; seed++ {
		cfg := DefaultConfig()
		cfg.Storage = "test-lying"
		cfg.Disk.PowerCut = true
		res, err := Run(cfg, seed)
		require.NoError(t, err)
		if res.Failure != nil {
			caught++
		}
	}
	assert.Positive(t, caught, "a store whose syncs lie fails some seeds")
}

func TestRegisterStoreRefusesBadStores(t *testing.T) {
	open := func(StoreEnv) (raft.Storage[Command, Response], error) { return nil, nil }
	assert.ErrorContains(t, RegisterStore(Store{Name: "disk", Open: open}), "built in")
	assert.ErrorContains(t, RegisterStore(Store{Name: "Bad Name", Open: open}), "store name")
	assert.ErrorContains(t, RegisterStore(Store{Name: "no-open"}), "Open is nil")
	_, err := LookupStore("nobody-registered-this")
	assert.ErrorIs(t, err, ErrUnknownStore)
	var k StorageKind
	assert.ErrorIs(t, k.UnmarshalText([]byte("nobody-registered-this")), ErrUnknownStore)
	cfg := DefaultConfig()
	cfg.Storage = "nobody-registered-this"
	assert.ErrorContains(t, cfg.Validate(), "unknown store")
	b, err := StorageKind("").MarshalText()
	require.NoError(t, err)
	assert.Equal(t, "memory", string(b), "the zero value is the memory store, as before")
}

// A store written against the file interface runs on the node's device
// through StoreEnv.FS, under power cuts at persistence points, and passes;
// the same store whose file syncs lie (Config.Disk.SkipSync reaches FS
// too) is caught.
func TestAStoreOnTheFileInterfaceRunsOnTheDevice(t *testing.T) {
	require.NoError(t, RegisterStore(Store{Name: "test-on-vfs", Device: true,
		Open: func(e StoreEnv) (raft.Storage[Command, Response], error) {
			require.NotNil(t, e.FS)
			return simdisk.Open(simdisk.OnFS(e.FS), e.ID, e.StateMachine, e.Codec, simdisk.Options{})
		}}))
	caught := 0
	for seed := sim.Seed(1); seed <= 20; seed++ {
		cfg := DefaultConfig()
		require.NoError(t, cfg.UseStore("test-on-vfs"))
		cfg.Disk.PowerCut = true
		res, err := Run(cfg, seed)
		require.NoError(t, err)
		require.Nil(t, res.Failure, "seed %v", seed)
		require.Positive(t, res.Stats.Crashes, "seed %v: no crash reached the store", seed)
		cfg.Disk.SkipSync = true
		res, err = Run(cfg, seed)
		require.NoError(t, err)
		if res.Failure != nil {
			caught++
		}
	}
	assert.Positive(t, caught, "a store on the file interface whose syncs lie fails some seeds")
}

// The plan's crash policies and the disk's are one set of names: each
// plan policy maps to the disk's policy of its name, and every disk policy
// can be named in a plan.
func TestCrashPoliciesAreTheDisksNames(t *testing.T) {
	reached := map[simdisk.CrashPolicy]bool{}
	for p := faults.CrashDefault + 1; p.String() != fmt.Sprintf("CrashPolicy(%d)", uint8(p)); p++ {
		d := DiskCrashPolicy(p, 0)
		assert.Equal(t, p.String(), d.String())
		reached[d] = true
	}
	for _, d := range simdisk.CrashPolicies() {
		assert.True(t, reached[d], "disk policy %v cannot be named in a plan", d)
	}
	assert.Equal(t, simdisk.CrashTear, DiskCrashPolicy(faults.CrashDefault, simdisk.CrashTear), "the default keeps the disk's")
	var p faults.CrashPolicy
	assert.ErrorContains(t, p.UnmarshalText([]byte("keep-unsynced")), `now called "keep-subset"`)
}

// A store's declared limits are left out of the disk faults it runs under,
// and only known faults can be declared.
func TestAStoreIgnoresWhatItDeclares(t *testing.T) {
	open := func(StoreEnv) (raft.Storage[Command, Response], error) { return nil, nil }
	assert.ErrorContains(t, RegisterStore(Store{Name: "test-ignores-bad", Open: open, Ignores: []string{"bitRot"}}), `ignores "bitRot": not a disk fault`)
	st := Store{Name: "test-ignores", Open: open, Ignores: []string{"corrupt", "lostWrite"}}
	require.NoError(t, RegisterStore(st))
	r := faults.DiskRates{Corrupt: sim.OneIn(10), LostWrite: sim.OneIn(10), SyncFail: sim.OneIn(10), CrashPolicy: faults.CrashTear}
	assert.Equal(t, faults.DiskRates{SyncFail: sim.OneIn(10), CrashPolicy: faults.CrashTear}, st.withoutIgnored(r))
}
