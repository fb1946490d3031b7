# tests/servers/postgres.sh: a throwaway PostgreSQL 15 on loopback.
# Sourced by tests/setup.sh.
#
# start_postgres [SERVER-OPTION...]
#   initdb + pg_ctl (as user postgres when running as root: both refuse
#   root) on a folder of its own, on a free port and a private socket
#   folder; scram-sha-256 password auth on TCP, trust on the socket. The
#   server is stopped and its folder removed at exit. Extra arguments are
#   passed to the server as "-c NAME=VALUE" settings.
#   Sets: PG_PORT, PG_SOCK (socket folder), PG_USER (postgres),
#   PG_PASSWORD (the superuser's), PG_URL (postgresql://postgres@127.0.0.1:PORT/postgres),
#   PG_DIR, PG_BIN.
#
# pg_sql SQL [DB]: run SQL through psql over the socket (no password),
#   unaligned, tuples only; fails on the first error.

PG_BIN=/usr/lib/postgresql/15/bin

_pg_as_owner() {
	if [ "$(id -u)" = 0 ]; then
		su postgres -s /bin/sh -c "$1"
	else
		/bin/sh -c "$1"
	fi
}

start_postgres() {
	local extra="" opt tries
	[ -x "$PG_BIN/initdb" ] ||
		skip "PostgreSQL 15 is not installed (run scripts/deps --test)"
	if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
		skip "no postgres user to run PostgreSQL as (run scripts/deps --test)"
	fi
	for opt in "$@"; do extra="$extra -c $opt"; done

	# Outside $T: $T is private to root, and the server runs as postgres.
	PG_DIR=$(mktemp -d /tmp/sluice-pg.XXXXXX)
	on_exit "rm -rf '$PG_DIR'"
	mkdir -p "$PG_DIR/sock"
	PG_PASSWORD="pg-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
	printf '%s\n' "$PG_PASSWORD" > "$PG_DIR/pwfile"
	[ "$(id -u)" = 0 ] && chown -R postgres "$PG_DIR"
	_pg_as_owner "'$PG_BIN/initdb' -D '$PG_DIR/data' -U postgres \
		--pwfile='$PG_DIR/pwfile' -A scram-sha-256 --auth-local=trust \
		-E UTF8 --locale=C.UTF-8 --no-sync" >"$PG_DIR/initdb.log" 2>&1 ||
		fail "initdb failed: $(cat "$PG_DIR/initdb.log")"
	rm -f "$PG_DIR/pwfile"

	# The port is free when chosen; retry if another process takes it.
	for tries in 1 2 3; do
		PG_PORT=$(free_port)
		if _pg_as_owner "'$PG_BIN/pg_ctl' -D '$PG_DIR/data' -l '$PG_DIR/server.log' \
			-w -t 30 -o \"-c port=$PG_PORT -c listen_addresses=127.0.0.1 \
			-c unix_socket_directories=$PG_DIR/sock -c fsync=off \
			-c synchronous_commit=off -c full_page_writes=off $extra\" start" \
			>/dev/null 2>&1; then
			break
		fi
		[ "$tries" = 3 ] &&
			fail "PostgreSQL did not start: $(tail -5 "$PG_DIR/server.log")"
	done
	on_exit "_pg_as_owner \"'$PG_BIN/pg_ctl' -D '$PG_DIR/data' -m fast -w stop\""
	PG_SOCK=$PG_DIR/sock
	PG_USER=postgres
	PG_URL="postgresql://postgres@127.0.0.1:$PG_PORT/postgres"
	export PG_PORT PG_SOCK PG_USER PG_PASSWORD PG_URL PG_DIR PG_BIN
}

pg_sql() {
	"$PG_BIN/psql" -h "$PG_SOCK" -p "$PG_PORT" -U postgres -d "${2:-postgres}" \
		-X -A -t -q -v ON_ERROR_STOP=1 -c "$1"
}
