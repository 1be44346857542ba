// Package testskip makes a plain `go test ./...` say what it skipped and
// why. go test shows nothing of a passing package but its "ok" line, so a
// run without MariaDB, Redis or Chromium would pass silently with a third
// of its tests skipped. Tests skip through Skip, which records the reason;
// each package that can skip runs Main, which records what it skipped;
// crm/tests, which finishes last, writes one line gathering the records to
// the go command's standard error.
package testskip

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// Packages are those whose tests can skip, each with a TestMain calling
// Main (a test in crm/tests checks this list against the code); Reporter
// writes the line.
var Packages = []string{"crm", "crm/models/patient", "crm/models/store", "crm/tests"}

const Reporter = "crm/tests"

var (
	mu      sync.Mutex
	skipped = map[string][2]int{} // reason → tests, subtests
)

// Skip records why t cannot run here and skips it.
func Skip(t testing.TB, reason string) {
	t.Helper()
	mu.Lock()
	counts := skipped[reason]
	if strings.Contains(t.Name(), "/") {
		counts[1]++
	} else {
		counts[0]++
	}
	skipped[reason] = counts
	mu.Unlock()
	t.Skip(reason)
}

// Main runs the package's tests, then reports its skips.
func Main(m *testing.M, pkg string) {
	code := m.Run()
	report(pkg)
	os.Exit(code)
}

// report writes this package's skips to its record in the user's cache
// (replaced on every run, so a package whose result go test took from its
// cache still has the record of the run that produced it). crm/tests, the
// slowest and last in go test's order, gathers the records into the line;
// a run of some packages only (go test ./models/...) has each write its own.
func report(pkg string) {
	goCmd := os.Getppid()
	console, err := os.OpenFile("/proc/"+strconv.Itoa(goCmd)+"/fd/2", os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return // not Linux, or not run by go test: -v output says it all
	}
	defer console.Close()
	mu.Lock()
	defer mu.Unlock()
	cache, err := os.UserCacheDir()
	if err != nil {
		return
	}
	dir := filepath.Join(cache, "crm-test-skips")
	if os.MkdirAll(dir, 0o700) != nil {
		return
	}
	var record strings.Builder
	for reason, n := range skipped {
		fmt.Fprintf(&record, "%d %d %s\n", n[0], n[1], reason)
	}
	name := filepath.Join(dir, strings.ReplaceAll(pkg, "/", "_"))
	if os.WriteFile(name+".tmp", []byte(record.String()), 0o600) != nil || os.Rename(name+".tmp", name) != nil {
		return
	}
	if !wholeRun(goCmd) {
		if line := summary(skipped); line != "" {
			fmt.Fprintf(console, "%s: %s\n", pkg, line)
		}
		return
	}
	if pkg != Reporter {
		return
	}
	all := map[string][2]int{}
	for _, p := range Packages {
		text, err := os.ReadFile(filepath.Join(dir, strings.ReplaceAll(p, "/", "_")))
		if err != nil {
			continue // never run here yet
		}
		for _, line := range strings.Split(strings.TrimSpace(string(text)), "\n") {
			var tests, subtests int
			if n, _ := fmt.Sscanf(line, "%d %d", &tests, &subtests); n == 2 {
				reason := strings.SplitN(line, " ", 3)[2]
				c := all[reason]
				all[reason] = [2]int{c[0] + tests, c[1] + subtests}
			}
		}
	}
	if line := summary(all); line != "" {
		last(goCmd, console, "go test: "+line)
	}
}

// last writes line after the go command's own last line. On a terminal
// that is now (crm/web's "no test files" may follow it); into a file or a
// pipe a process that outlives this one waits for the go command to exit,
// so the line ends the output instead of being overwritten by it.
func last(goCmd int, console *os.File, line string) {
	if info, err := console.Stat(); err == nil && info.Mode()&os.ModeCharDevice != 0 {
		fmt.Fprintln(console, line)
		return
	}
	waiter := exec.Command("/bin/sh", "-c", `while kill -0 "$1" 2>/dev/null; do sleep 0.1; done; printf '%s\n' "$2" >&3`,
		"sh", strconv.Itoa(goCmd), line)
	waiter.ExtraFiles = []*os.File{console} // fd 3; stdin, stdout, stderr: /dev/null
	waiter.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if waiter.Start() != nil {
		fmt.Fprintln(console, line)
	}
}

// wholeRun reports whether the go command was asked for every package
// (./... or crm/...), so that all of Packages will report.
func wholeRun(goCmd int) bool {
	cmdline, err := os.ReadFile("/proc/" + strconv.Itoa(goCmd) + "/cmdline")
	if err != nil {
		return false
	}
	for _, arg := range strings.Split(string(cmdline), "\x00") {
		if arg == "./..." || arg == "crm/..." {
			return true
		}
	}
	return false
}

// summary is one line: how many tests and subtests were skipped, and why.
func summary(counts map[string][2]int) string {
	if len(counts) == 0 {
		return ""
	}
	var tests, subtests int
	var reasons []string
	for reason, n := range counts {
		tests += n[0]
		subtests += n[1]
		reasons = append(reasons, fmt.Sprintf("%s (%s)", reason, plural(n[0]+n[1], "test")))
	}
	sort.Strings(reasons)
	return fmt.Sprintf("skipped %s and %s: %s", plural(tests, "test"), plural(subtests, "subtest"), strings.Join(reasons, "; "))
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}
