# bench/db_bench_lib.sh: what bench/db_clean.sh and bench/db_backup.sh
# share: sourced with the build folder as $1 (default build); gives the
# test helpers (tests/setup.sh: $T, $H, sl, q, start_scheduler...), the
# bulk history of tests/db_lib.sh, and ms (the wall clock in ms).
SLUICE_BUILDDIR=$(cd "${1:-build}" && pwd)
SLUICE_SRCDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SLUICE=$SLUICE_BUILDDIR/sluice
# a bench's home takes minutes to make on a loaded machine, and a
# scheduler on a big database longer to start
SLUICE_TEST_TIMEOUT=7200 SCHED_START_S=300
export SLUICE_BUILDDIR SLUICE_SRCDIR SLUICE SLUICE_TEST_TIMEOUT SCHED_START_S
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/db_lib.sh"
ms() { echo $(( $(date +%s%N) / 1000000 )); }
