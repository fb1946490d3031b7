# tests/reattach_lib.sh: helpers of the follow-don't-resubmit tests
# (tests/reattach_*.sh), sourced after tests/setup.sh.

# has FILE TEXT: FILE (a task log) has a line with TEXT.
has() { grep -q -- "$2" "$1" 2>/dev/null; }

# kill_try TOKEN-PART: kill -9 a try's supervisor (status=PATH: its pid
# is in PATH.tmp) or every process carrying its key (key=KEY). The
# supervisor goes first, so that it records no end of the try.
kill_try() {
	local v= e
	case $1 in
	status=*) v=$(sed -n 's/^pid=//p' "${1#status=}.tmp") ;;
	key=*) for e in /proc/[0-9]*/environ; do
			{ tr '\0' '\n' <"$e"; } 2>/dev/null | grep -qx "SLUICE_TRY_KEY=${1#key=}" &&
				v="$v $(basename "$(dirname "$e")")"
		done ;;
	esac
	case $1 in status=*) [ -n "$v" ] || fail "no supervisor for $1" ;; esac
	[ -n "$v" ] || return 0
	kill -9 $v 2>/dev/null || true
	for e in $v; do wait_for 10 "try process $e to die" pid_gone "$e"; done
}
