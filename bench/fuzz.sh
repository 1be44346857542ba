#!/usr/bin/env bash
# The lead-file fuzz run (docs/performance.md), not part of CI: FuzzLeadFile
# for $EXECS executions (default 1,000,000) on $PARALLEL workers. A failing
# input is saved under controllers/testdata/fuzz/FuzzLeadFile and replayed
# by every `go test` once committed. New inputs are minimized in 100 runs,
# not the default minute: the seeds are whole XLSX files.
#
#   bash bench/fuzz.sh                 # 1,000,000 executions
#   EXECS=5000000x bash bench/fuzz.sh  # more
set -euo pipefail
cd "$(dirname "$0")/.."
EXECS=${EXECS:-1000000x}
PARALLEL=${PARALLEL:-$(nproc)}
go test ./controllers -run '^$' -fuzz '^FuzzLeadFile$' -fuzztime "$EXECS" -fuzzminimizetime 100x -parallel "$PARALLEL"
