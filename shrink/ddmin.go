package shrink

// ddmin is Zeller's delta debugging: it returns a subset of items for
// which fails still holds, 1-minimal as far as more allows (removing any
// single remaining item makes the failure go away). fails must be
// deterministic. It tries removing chunks, from halves down to single
// items, keeping every removal that still fails.
func ddmin[T any](items []T, fails func([]T) bool, more func() bool) []T {
	n := 2
	for len(items) >= 1 && more() {
		chunk := (len(items) + n - 1) / n
		removed := false
		for start := 0; start < len(items) && more(); start += chunk {
			end := min(start+chunk, len(items))
			candidate := make([]T, 0, len(items)-(end-start))
			candidate = append(candidate, items[:start]...)
			candidate = append(candidate, items[end:]...)
			if fails(candidate) {
				items = candidate
				n = max(n-1, 2)
				removed = true
				break
			}
		}
		if removed {
			continue
		}
		if chunk == 1 {
			break // 1-minimal: no single item can go
		}
		n = min(2*n, len(items))
	}
	return items
}
