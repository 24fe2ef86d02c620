#!/usr/bin/env bash
# Builds the test suite as a self-contained win-x64 executable and runs it under Wine 10.
#
#   eng/wine/run-tests.sh RESULTS_DIR [extra test-runner arguments, e.g. --filter "TestCategory=WindowsOnly"]
#
# Leaves RESULTS_DIR/wine.trx (TRX, NUnit's runner through Microsoft.Testing.Platform) and exits with the
# runner's code: 0 all passed, non-zero otherwise (2: a test failed, 8: no test ran, 124: the hard time limit).
# Time limits: EMMAP_WINE_TIMEOUT seconds for the whole run under Wine (default 900), and the runner's own
# --timeout slightly below it, so a hang ends with a TRX where possible.
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ $# -lt 1 ]; then
  echo "usage: $0 RESULTS_DIR [test-runner arguments]" >&2
  exit 2
fi
results=$(realpath -m "$1")
shift
mkdir -p "$results"
limit="${EMMAP_WINE_TIMEOUT:-900}"

started=$(date +%s)
eng/wine/ensure-wine-root.sh >/dev/null
echo "wine root ready in $(( $(date +%s) - started )) s"

out="$results/win-x64"
started=$(date +%s)
dotnet publish Emmap.Streams.Tests.Windows -c Release -r win-x64 --self-contained -o "$out" -v quiet -nologo </dev/null
echo "win-x64 tests published in $(( $(date +%s) - started )) s"

# Wine 10.0 can lose a thread's AVX registers when the garbage collector suspends it in the middle of a vector copy, so the
# copy stores zeros for a 16- or 32-byte block (docs/windows-backend-notes.md, section 8; WinePlatformTests shows it). The
# runtime then keeps to SSE registers, which Wine keeps (none lost in 450 million copies). Children of the tests inherit it.
export DOTNET_EnableAVX="${DOTNET_EnableAVX:-0}"

# A 1 MiB file system for the disk-full test, inside the run's own /tmp.
export EMMAP_WINE_SMALL_DISK='Z:\tmp\emmap-small-disk'

started=$(date +%s)
rc=0
eng/wine/run.sh --timeout "$limit" --bind "$results" --tmpfs /tmp/emmap-small-disk:1m \
  "$out/Emmap.Streams.Tests.Windows.exe" \
  --results-directory "$results" --report-trx --report-trx-filename wine.trx \
  --timeout "$(( limit - 30 ))s" --no-ansi --progress off --output Normal "$@" || rc=$?
echo "tests ran under Wine in $(( $(date +%s) - started )) s (exit code $rc)"
exit "$rc"
