// Command gen writes the console's facts module (consolefacts.JS) to the
// path it is given; web/console.go runs it from `go generate`.
package main

import (
	"crm/internal/consolefacts"
	"fmt"
	"os"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: gen OUTPUT.js")
		os.Exit(2)
	}
	if err := os.WriteFile(os.Args[1], consolefacts.JS(), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
