package tests

import (
	"bytes"
	"context"
	"crm/internal/testskip"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// consoleToolsOrSkip reports where the console's build tools are (web/
// after `npm ci`), skipping when they are not installed: `go run .` and
// most tests need no Node. CI installs them and sets requireBrowserVar.
func consoleToolsOrSkip(t *testing.T) string {
	t.Helper()
	bin, err := filepath.Abs("../web/node_modules/.bin")
	if err != nil {
		t.Fatal(err)
	}
	_, errTools := os.Stat(filepath.Join(bin, "vite"))
	_, errNode := exec.LookPath("node")
	if errTools != nil || errNode != nil {
		if os.Getenv(requireBrowserVar) != "" {
			t.Fatalf("%s is set but the console cannot be built: web/node_modules %v, node %v", requireBrowserVar, errTools, errNode)
		}
		testskip.Skip(t, "console build and unit tests, need node and `npm ci` in web/")
	}
	return bin
}

func runIn(t *testing.T, dir string, timeout time.Duration, name string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "NO_COLOR=1", "CI=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", filepath.Base(name), err, out)
	}
}

// The committed bundle (web/dist, embedded in the binary) is what its
// source and lockfile build: a change to web/src without a rebuild fails.
func TestConsoleBundleMatchesSource(t *testing.T) {
	bin := consoleToolsOrSkip(t)
	t.Parallel()
	built := t.TempDir()
	runIn(t, "../web", 3*time.Minute, filepath.Join(bin, "vite"), "build", "--outDir", built, "--emptyOutDir", "--logLevel", "warn")
	want, got := filesUnder(t, built), filesUnder(t, "../web/dist")
	for name, content := range want {
		if committed, ok := got[name]; !ok {
			t.Errorf("web/dist lacks %s", name)
		} else if !bytes.Equal(committed, content) {
			t.Errorf("web/dist/%s differs from its build", name)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("web/dist/%s is not in the build", name)
		}
	}
	if t.Failed() {
		t.Log("rebuild the console and commit it: cd web && npm ci && npm run build && git add -A dist")
	}
}

// The console's own logic (the 42001 flow, filters, report tables) in
// vitest: web/src/*.test.js.
func TestConsoleUnits(t *testing.T) {
	bin := consoleToolsOrSkip(t)
	t.Parallel()
	runIn(t, "../web", 3*time.Minute, filepath.Join(bin, "vitest"), "run")
}

func filesUnder(t *testing.T, root string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(root, func(path string, entry fs.DirEntry, err error) error {
		if err != nil || entry.IsDir() {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		files[filepath.ToSlash(rel)], err = os.ReadFile(path)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no files under %s", root)
	}
	return files
}
