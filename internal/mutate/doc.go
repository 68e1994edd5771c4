// Package mutate measures the bug-finding power of raftsim's campaigns by
// mutation testing of the Raft core (raft/) and the harness's KV state
// machine (harness/kv): it generates small faults in their source (a
// flipped comparison, a removed statement, ...), runs a fixed-budget
// campaign on each, and counts the mutants the campaign kills.
//
// It uses mutant schemata: the module is copied to a temporary directory,
// each target file is rewritten so that every mutant is compiled in,
// behind a switch on an id read once at start-up from RAFTSIM_MUTANT by a
// generated package (internal/mutantswitch) that exists only in the copy.
// One build then serves every mutant: running a mutant is running the
// binary with the variable set. Every rewrite evaluates each operand
// exactly once, as the original does, so with the variable unset the copy
// behaves as the original (the baseline run checks it does no worse).
// Mutants that would not compile are found by compiling the copy and are
// dropped automatically.
//
// A mutant's identity (Mutant.Key) is its file, function, operator,
// original and mutated text and its occurrence among equal ones in the
// function: it survives unrelated edits, so a checked-in list of
// equivalent mutants (equivalent.txt, ParseEquivalents) stays valid.
//
// Determinism: the generated switch reads the environment, which the core
// never does; it exists only in the temporary copy, never in the module.
// Which mutants a sample draws depends on the sample seed and the mutant
// keys alone. Verdicts come from the mutated binaries' exit statuses; only
// the tool-level timeout that kills a hung mutant reads wall time.
//
// Usage: raftsim bench mutants (cli/benchmutants.go), or
// scripts/mutants.sh.
package mutate
