package checker

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"

	"github.com/anishathalye/porcupine"
)

// kvOutput is the output porcupine sees for an operation of a [History]:
// what the client learned, or Unknown when it learned nothing and the
// operation is an unresolved write (see [History.Resolve]).
type kvOutput struct {
	Output
	Unknown bool
}

// KVModel returns the porcupine model of the key-value store, partitioned by
// key: a history is linearizable if and only if each key's sub-history is,
// so each partition's state is just that key's value, a string, and a key
// that was never written holds "".
//
// Operation inputs are [Input]. Outputs are [Output] (what the client
// learned), or the unknown output that [CheckLinearizable] gives an
// unresolved write. The step accepts an unknown output whatever the state:
//
//   - put and append change the state the same way whatever they returned.
//   - cas swaps if and only if the state equals Expected, so its effect is a
//     function of the state at its linearization point. The model need not
//     be nondeterministic to say "it may have swapped or not": porcupine
//     tries every point at which the operation can be placed, and the state
//     at each point decides. Placed after every known operation (its return
//     is +inf), it is the cas that never happened.
//   - an unknown get is dropped before checking; if one reaches the model
//     anyway, it is accepted and changes nothing.
//
// Partitions come out in sorted key order, so the partitions of porcupine's
// [porcupine.LinearizationInfo] and its picture are in a stable order.
func KVModel() porcupine.Model {
	return porcupine.Model{
		Partition:      partitionOps,
		PartitionEvent: partitionEvents,
		Init:           func() any { return "" },
		Step:           kvStep,
		Equal:          func(a, b any) bool { return a.(string) == b.(string) },
		Hash:           func(state any) uint64 { return hashString(state.(string)) },
		DescribeOperation: func(input, output any) string {
			return describeOp(input.(Input), asKVOutput(output))
		},
		DescribeState: func(state any) string { return strconv.Quote(state.(string)) },
	}
}

func asKVOutput(output any) kvOutput {
	switch out := output.(type) {
	case kvOutput:
		return out
	case Output:
		return kvOutput{Output: out}
	}
	panic(fmt.Sprintf("checker: kv model: output of type %T: want checker.Output", output))
}

// kvStep is the sequential specification of one key. It returns the state it
// was given when the value does not change, to avoid boxing a new string.
func kvStep(state, input, output any) (bool, any) {
	value := state.(string)
	in := input.(Input)
	out := asKVOutput(output)
	switch in.Kind {
	case OpGet:
		return out.Unknown || out.Value == value, state
	case OpPut:
		return true, in.Value
	case OpAppend:
		return true, value + in.Value
	case OpCAS:
		swapped := value == in.Expected
		if !out.Unknown && out.Swapped != swapped {
			return false, state
		}
		if swapped {
			return true, in.Value
		}
		return true, state
	}
	panic(fmt.Sprintf("checker: kv model: invalid op kind %d", uint8(in.Kind)))
}

// hashString is 64-bit FNV-1a, written out to avoid a []byte conversion per
// call; porcupine hashes a state at every step it caches.
func hashString(s string) uint64 {
	const (
		offset = 14695981039346656037
		prime  = 1099511628211
	)
	h := uint64(offset)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= prime
	}
	return h
}

// describeOp renders an operation for porcupine's picture:
// put("x", "1"), get("x") -> "1", cas("x", "1" -> "2") -> true, and "-> ?"
// when the output is unknown.
func describeOp(in Input, out kvOutput) string {
	var s string
	switch in.Kind {
	case OpGet:
		s = fmt.Sprintf("get(%q)", in.Key)
	case OpPut:
		s = fmt.Sprintf("put(%q, %q)", in.Key, in.Value)
	case OpAppend:
		s = fmt.Sprintf("append(%q, %q)", in.Key, in.Value)
	case OpCAS:
		s = fmt.Sprintf("cas(%q, %q -> %q)", in.Key, in.Expected, in.Value)
	default:
		return fmt.Sprintf("%v(%q)", in.Kind, in.Key)
	}
	switch {
	case out.Unknown:
		return s + " -> ?"
	case in.Kind == OpGet:
		return fmt.Sprintf("%s -> %q", s, out.Value)
	case in.Kind == OpCAS:
		return fmt.Sprintf("%s -> %t", s, out.Swapped)
	}
	return s
}

// groupByKey splits items by key, keeping each group in input order and
// returning the groups in sorted key order. The map only indexes; the order
// of the result comes from sorting the keys.
func groupByKey[T any](items []T, keyOf func(T) string) (keys []string, groups [][]T) {
	index := make(map[string]int)
	for _, item := range items {
		k := keyOf(item)
		i, ok := index[k]
		if !ok {
			i = len(keys)
			index[k] = i
			keys = append(keys, k)
			groups = append(groups, nil)
		}
		groups[i] = append(groups[i], item)
	}
	order := make([]int, len(keys))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(keys[a], keys[b]) })
	sortedKeys := make([]string, len(keys))
	sortedGroups := make([][]T, len(keys))
	for i, j := range order {
		sortedKeys[i] = keys[j]
		sortedGroups[i] = groups[j]
	}
	return sortedKeys, sortedGroups
}

func partitionOps(ops []porcupine.Operation) [][]porcupine.Operation {
	_, groups := groupByKey(ops, func(op porcupine.Operation) string { return op.Input.(Input).Key })
	return groups
}

// partitionEvents groups return events with their call, which carries the
// key; porcupine's event histories put every call before its return.
func partitionEvents(events []porcupine.Event) [][]porcupine.Event {
	keyOfID := make(map[int]string) // lookups only, never iterated
	_, groups := groupByKey(events, func(e porcupine.Event) string {
		if e.Kind == porcupine.CallEvent {
			k := e.Value.(Input).Key
			keyOfID[e.Id] = k
			return k
		}
		k, ok := keyOfID[e.Id]
		if !ok {
			panic(fmt.Sprintf("checker: kv model: return event %d before its call", e.Id))
		}
		return k
	})
	return groups
}
