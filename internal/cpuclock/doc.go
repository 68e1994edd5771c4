// Package cpuclock reads CPU clocks: the calling thread's and the whole
// process's. Campaigns use them for CPU-time budgets and reports; nothing
// inside a world may read them.
package cpuclock
