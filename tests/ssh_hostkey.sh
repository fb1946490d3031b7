#!/bin/bash
# ssh executor: host keys. Strict checking refuses an unknown host and a
# changed key, naming the host and the SHA256 fingerprint; accept-new
# records an unknown key, then checks it like any other.
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/ssh_lib.sh"

start_sshd a
port=$(sshd_port a)
fp=$(ssh-keygen -l -E sha256 -f "$SSH_DIR/sshd-a/hostkey.pub" | cut -d' ' -f2)
assert_contains "$fp" "SHA256:"

run() {	# KNOWN_HOSTS [EXTRA]: the result line of one `true`
	local cfg
	cfg=$(ssh_config_json a "\"known_hosts\": \"$1\"" ${2:+"$2"})
	result_of "$("$DRIVER" -c "$cfg" -L "$T" -- true)" 0
}

# Unknown host (empty known_hosts): refused.
: >"$T/empty_known_hosts"
r=$(run "$T/empty_known_hosts")
err=$(json_field "$r" error)
assert_contains "$err" "host key of 127.0.0.1:$port is not known: ED25519 $fp is not in $T/empty_known_hosts"
assert_contains "$(cat "$T/task-0.log")" "$fp"

# A missing known_hosts file is the same, and the error says it is missing
# (a typo in the path, most often).
r=$(run "$T/no_such_known_hosts")
assert_contains "$(json_field "$r" error)" "127.0.0.1:$port is not known: ED25519 $fp is not in $T/no_such_known_hosts, which does not exist (host_key_check: strict)"

# Changed key: known_hosts holds another key for this host and port.
ssh-keygen -q -t ed25519 -N '' -f "$T/otherkey"
echo "[127.0.0.1]:$port $(cut -d' ' -f1,2 "$T/otherkey.pub")" >"$T/changed_known_hosts"
r=$(run "$T/changed_known_hosts")
err=$(json_field "$r" error)
assert_contains "$err" "HOST KEY OF 127.0.0.1:$port HAS CHANGED: it offers ED25519 $fp"
assert_contains "$err" "$T/changed_known_hosts"
# what to do, as a command that works on that file
assert_contains "$err" "ssh-keygen -R '[127.0.0.1]:$port' -f '$T/changed_known_hosts'"
cp "$T/changed_known_hosts" "$T/fixed_known_hosts"
ssh-keygen -q -R "[127.0.0.1]:$port" -f "$T/fixed_known_hosts" >/dev/null 2>&1
[ ! -s "$T/fixed_known_hosts" ] || fail "the advised ssh-keygen -R left the old key: $(cat "$T/fixed_known_hosts")"
# accept-new does not accept a changed key either.
r=$(run "$T/changed_known_hosts" '"host_key_check": "accept-new"')
assert_contains "$(json_field "$r" error)" "HAS CHANGED"

# A key for the same address on another port does not vouch for this one.
echo "[127.0.0.1]:1 $(cut -d' ' -f1,2 "$SSH_DIR/sshd-a/hostkey.pub")" >"$T/otherport_known_hosts"
r=$(run "$T/otherport_known_hosts")
assert_contains "$(json_field "$r" error)" "is not known"

# accept-new: the unknown key is recorded, and verified from then on.
r=$(run "$T/new_known_hosts" '"host_key_check": "accept-new"')
assert_eq "" "$(json_field "$r" error)" "accept-new error"
assert_eq 0 "$(json_field "$r" exit_code)" "accept-new exit"
line=$(cat "$T/new_known_hosts")
assert_contains "$line" "[127.0.0.1]:$port ssh-ed25519 $(cut -d' ' -f2 "$SSH_DIR/sshd-a/hostkey.pub")"
# OpenSSH agrees with the recorded line.
ssh-keygen -F "[127.0.0.1]:$port" -f "$T/new_known_hosts" >/dev/null ||
	fail "ssh-keygen cannot find the recorded key"
r=$(run "$T/new_known_hosts")
assert_eq 0 "$(json_field "$r" exit_code)" "strict after accept-new"

# A bad value is a config error.
if "$DRIVER" -c "$(ssh_config_json a '"host_key_check": "no"')" true 2>"$T/err"; then
	fail "host_key_check: no was accepted"
fi
assert_contains "$(cat "$T/err")" "host_key_check must be strict or accept-new"
