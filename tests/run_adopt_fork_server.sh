#!/bin/bash
# run_adopt.sh with the local executor's fork_server: true: tries served by
# the sluice-try server survive kill -9 and SIGTERM of the scheduler the
# same way, and are adopted and recorded once.
export ADOPT_FORK_SERVER=true
exec bash "$SLUICE_SRCDIR/tests/run_adopt.sh"
