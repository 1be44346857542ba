package consolefacts

import (
	"bytes"
	"crm/models/access"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

const root = "../.."

// The committed module is what the tables say: a change to a state, a way,
// a field, a permission or a dictionary kind fails here until
// `go generate ./web` is run (and its diff committed).
func TestGeneratedModuleMatchesTables(t *testing.T) {
	committed, err := os.ReadFile(filepath.Join(root, Path))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(committed, JS()) {
		t.Fatalf("%s is stale: run `go generate ./web` and commit the result", Path)
	}
}

// permissionUse finds the keys the console checks: can('patient.edit') in
// views and perm: 'report.view' in the router.
var permissionUse = regexp.MustCompile(`\bcan\('([^']*)'\)|\bperm: '([^']*)'`)

// Every permission key the console names is one the server defines: a key
// renamed in Go and not in web/src would hide a button from everyone.
func TestConsolePermissionsAreServers(t *testing.T) {
	known := map[string]bool{}
	for _, p := range access.Permissions() {
		known[string(p.Key)] = true
	}
	used := 0
	err := filepath.WalkDir(filepath.Join(root, "web/src"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasSuffix(path, ".vue") || strings.HasSuffix(path, ".js")) || strings.HasSuffix(path, ".test.js") {
			return err
		}
		text, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range permissionUse.FindAllStringSubmatch(string(text), -1) {
			key := m[1] + m[2]
			used++
			if !known[key] {
				t.Errorf("%s checks permission %q, which the server does not define", path, key)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if used < 20 {
		t.Fatalf("found %d permission checks in web/src; the pattern no longer matches how the console spells them", used)
	}
}
