# tests/servers/sshd.sh: OpenSSH servers on loopback for the ssh executor
# tests (sourced by tests/setup.sh). Debian's /usr/sbin/sshd, one temp
# folder per server, a host key made for the test, and one client key
# shared by all servers of a test.
#
#   sshd_client                 make $SSH_DIR/id_ed25519 (the client key),
#                               authorized_keys and an empty known_hosts
#   start_sshd NAME             start server NAME (again, after a stop, on
#                               the same port with the same host key); sets
#                               SSHD_PORT and SSHD_PID; adds its key to
#                               $SSH_DIR/known_hosts; stopped at exit.
#                               $SSHD_EXTRA_CONFIG: more sshd_config lines
#   stop_sshd NAME              stop it and its per-connection processes
#   kill_sshd NAME              SIGKILL them all at once (a crashed server)
#   sshd_port NAME              its port
#   ssh_config_json NAME... [EXTRA_JSON_MEMBERS]
#                               a config for the ssh executor over these
#                               servers (hosts, user, key, known_hosts)

SSH_DIR=${T:-/tmp}/ssh

sshd_client() {
	[ -f "$SSH_DIR/id_ed25519" ] && return 0
	[ -x /usr/sbin/sshd ] || skip "no /usr/sbin/sshd (run scripts/deps --test)"
	mkdir -p "$SSH_DIR"
	chmod 700 "$SSH_DIR"
	ssh-keygen -q -t ed25519 -N '' -C sluice-test -f "$SSH_DIR/id_ed25519"
	cp "$SSH_DIR/id_ed25519.pub" "$SSH_DIR/authorized_keys"
	: >"$SSH_DIR/known_hosts"
}

sshd_port() { cat "$SSH_DIR/sshd-$1/port"; }

start_sshd() {
	local name=$1 d port i
	sshd_client
	d=$SSH_DIR/sshd-$name
	mkdir -p "$d" /run/sshd
	if [ ! -f "$d/hostkey" ]; then
		ssh-keygen -q -t ed25519 -N '' -C "sshd-$name" -f "$d/hostkey"
	fi
	if [ -f "$d/port" ]; then
		port=$(cat "$d/port")
	else
		port=$(free_port)
		echo "$port" >"$d/port"
		echo "[127.0.0.1]:$port $(cut -d' ' -f1,2 "$d/hostkey.pub")" \
			>>"$SSH_DIR/known_hosts"
	fi
	cat >"$d/sshd_config" <<CONF
Port $port
ListenAddress 127.0.0.1
HostKey $d/hostkey
PidFile $d/sshd.pid
AuthorizedKeysFile $SSH_DIR/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
AllowTcpForwarding yes
MaxSessions 100
MaxStartups 100:30:200
${SSHD_EXTRA_CONFIG:-LogLevel ERROR}
CONF
	/usr/sbin/sshd -t -f "$d/sshd_config" || fail "sshd rejects $d/sshd_config"
	/usr/sbin/sshd -D -e -f "$d/sshd_config" >>"$d/sshd.log" 2>&1 &
	SSHD_PID=$!
	echo "$SSHD_PID" >"$d/pid"
	SSHD_PORT=$port
	on_exit "stop_sshd $name"
	for i in $(seq 200); do
		if /usr/bin/python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).recv(4)' "$port" 2>/dev/null; then
			return 0
		fi
		pid_gone "$SSHD_PID" && fail "sshd $name exited: $(cat "$d/sshd.log")"
		sleep 0.05
	done
	fail "sshd $name did not answer on port $port"
}

# The server's processes: the listener and its per-connection children
# (which keep connections alive after the listener is gone).
_sshd_pids() {
	local pid
	pid=$(cat "$SSH_DIR/sshd-$1/pid" 2>/dev/null) || return 0
	echo "$pid"
	ps -o pid= --ppid "$pid" 2>/dev/null || true
}

stop_sshd() {
	local p
	for p in $(_sshd_pids "$1"); do
		stop_pid "$p"
	done
}

kill_sshd() {
	local pids p
	pids=$(_sshd_pids "$1")
	# shellcheck disable=SC2086
	kill -KILL $pids 2>/dev/null || true
	for p in $pids; do
		wait_for 10 "sshd process $p to die" pid_gone "$p"
	done
}

ssh_config_json() {
	local hosts="" extra="" n
	for n in "$@"; do
		case $n in
		\"*) extra="$extra, $n" ;;
		*) hosts="$hosts${hosts:+, }\"127.0.0.1:$(sshd_port "$n")\"" ;;
		esac
	done
	printf '{"type": "ssh", "hosts": [%s], "user": "%s", "key": "%s", "known_hosts": "%s"%s}' \
		"$hosts" "$(id -un)" "$SSH_DIR/id_ed25519" "$SSH_DIR/known_hosts" "$extra"
}
