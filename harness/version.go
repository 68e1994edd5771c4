package harness

import "runtime/debug"

// Version names the build of raftsim: the module version and, when the
// binary was built from a git checkout, the revision. A replay compares it
// to say when a file comes from another version.
func Version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := bi.Main.Version
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 7 {
			v += " (rev " + s.Value[:7] + ")"
		}
	}
	return v
}
