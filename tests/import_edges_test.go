package tests

import (
	"crm/internal/testskip"
	"go/build"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// modelImports is every import one models/ package may make of another:
// arrows run from the domains that use to the domains used, never back.
// A new arrow is a decision: add it here, or ask the question of the
// package that owns the answer.
var modelImports = map[string][]string{
	"store":       {},
	"calendar":    {},
	"access":      {},
	"oplog":       {"access", "store"},
	"idempotency": {"store"},
	"staff":       {"access", "oplog", "store"},
	"dict":        {"access", "oplog", "store"},
	"settings":    {"access", "oplog", "store"},
	"notice":      {"access", "idempotency", "oplog", "staff", "store"},
	"patient":     {"access", "dict", "idempotency", "oplog", "staff", "store"},
	"followup":    {"access", "calendar", "idempotency", "oplog", "patient", "store"},
	"visit":       {"access", "idempotency", "oplog", "patient", "store"},
	"leadimport":  {"access", "oplog", "patient", "store"},
	"appointment": {"access", "idempotency", "oplog", "patient", "reminder", "store"},
	"reminder":    {"access", "oplog", "settings"},
	"export":      {"access", "dict", "oplog", "patient", "staff"},
	"report":      {"access", "appointment", "calendar", "dict", "followup", "patient", "staff", "store", "visit"},
	"migrations":  {},
}

func TestModelImportEdges(t *testing.T) {
	t.Parallel()
	const prefix = "crm/models/"
	dirs, err := os.ReadDir("../models")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		if !d.IsDir() {
			if d.Name() != "doc.go" {
				t.Errorf("models/%s: models/ holds packages, and its doc.go only", d.Name())
			}
			continue
		}
		name := d.Name()
		allowed, known := modelImports[name]
		if !known {
			t.Errorf("models/%s is not in modelImports: say what it may import", name)
			continue
		}
		pkg, err := build.ImportDir(filepath.Join("../models", name), 0)
		if err != nil {
			t.Fatalf("models/%s: %v", name, err)
		}
		for _, imp := range pkg.Imports {
			if imp == "crm/models" {
				t.Errorf("models/%s imports crm/models, which holds no code", name)
			}
			other, ok := strings.CutPrefix(imp, prefix)
			if ok && !slices.Contains(allowed, other) {
				t.Errorf("models/%s imports models/%s: not an allowed arrow (modelImports)", name, other)
			}
		}
	}
}

// The packages whose tests can skip are those testskip gathers: one that
// skips without being in testskip.Packages (and calling testskip.Main)
// would drop its skips from go test's last line.
func TestSkippingPackagesAreGathered(t *testing.T) {
	var found []string
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || d.Name() == ".git" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if !d.IsDir() {
			return nil
		}
		pkg, err := build.ImportDir(path, build.ImportComment)
		if err != nil {
			return nil // no Go files here
		}
		skips := false
		for _, imp := range append(pkg.TestImports, pkg.XTestImports...) {
			skips = skips || imp == "crm/internal/testdb" || imp == "crm/internal/testskip"
		}
		if skips {
			rel, _ := filepath.Rel("..", path)
			found = append(found, strings.TrimSuffix("crm/"+filepath.ToSlash(rel), "/."))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(found)
	want := slices.Sorted(slices.Values(testskip.Packages))
	if !slices.Equal(found, want) {
		t.Fatalf("packages whose tests skip: %v; testskip.Packages: %v", found, want)
	}
}
