#!/bin/bash
# `make install` into a DESTDIR: every file is there, the man pages are
# exactly what `sluice man` prints and format without a groff warning, the
# pages name every verb, option and config key, an executor plug-in builds
# out of tree against the installed header (pkg-config) and runs next to a
# local try (sluice-try found next to the installed sluice), the bash
# completion is valid and completes DAG, task and partition names, and
# `make uninstall` leaves no file behind.
. "$SLUICE_SRCDIR/tests/setup.sh"
command -v man >/dev/null && command -v groff >/dev/null ||
	skip "man-db and groff are needed (apt-get install man-db groff-base)"
command -v pkg-config >/dev/null || skip "pkg-config is needed"

D=$T/root
make -s -C "$SLUICE_BUILDDIR" install DESTDIR="$D" >"$T/install.log" 2>&1 ||
	fail "make install: $(tail -20 "$T/install.log")"
prefix=$(sed -n 's/^prefix = //p' "$SLUICE_BUILDDIR/Makefile")
P=$D$prefix
for f in bin/sluice bin/sluice-try share/man/man1/sluice.1 \
	share/man/man5/sluice-dag.5 share/man/man5/sluice.yaml.5 \
	include/sluice/executors/executor.h lib/pkgconfig/sluice-executor.pc \
	share/bash-completion/completions/sluice share/sluice/sluice.yaml \
	share/sluice/systemd/sluice-scheduler.service \
	share/sluice/systemd/sluice-web.service; do
	[ -f "$P/$f" ] || fail "make install did not install $f: $(find "$D" -type f)"
done
S=$P/bin/sluice

# --version: sluice, the libraries, the schema
v=$("$S" --version)
for what in "sluice " "schema version " "SQLite 3." "libevent 2." "libcurl " "libssh2 1."; do
	assert_contains "$v" "$what" "sluice --version"
done

# the man pages: what the binary generates, no warning from groff
for page in sluice:man1/sluice.1 dag:man5/sluice-dag.5 config:man5/sluice.yaml.5; do
	file=$P/share/man/${page#*:}
	"$S" man "${page%%:*}" >"$T/page"
	cmp -s "$T/page" "$file" || fail "$file is not what 'sluice man ${page%%:*}' prints"
	warn=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings=w -l "$file" 2>&1 >/dev/null)
	[ -z "$warn" ] || fail "man -l $file warns: $warn"
	warn=$(groff -ww -man -z "$file" 2>&1)
	[ -z "$warn" ] || fail "groff -ww $file warns: $warn"
	man -l "$file" 2>/dev/null | grep -q . || fail "man -l $file printed nothing"
done
page1=$(MANWIDTH=200 man -l "$P/share/man/man1/sluice.1" 2>/dev/null)
# every verb of `sluice --help` and every option of its help
for verb in $("$S" --help | sed -n '/^Verbs:/,/^$/s/^  \([a-z]*\) .*/\1/p'); do
	assert_contains "$page1" "sluice $verb" "sluice(1)"
	for opt in $("$S" help "$verb" | sed -n 's/^  \(-., \)\{0,1\}\(--[a-z-]*\).*/\2/p'); do
		assert_contains "$page1" "$opt" "sluice(1) for $verb"
	done
done
for k in "EXIT STATUS" ENVIRONMENT SLUICE_HOME FILES "sluice.yaml" SIGNALS \
	"SIGHUP" "reload sluice.yaml" "systemctl reload" "service sluice-scheduler reload"; do
	assert_contains "$page1" "$k" "sluice(1)"
done
# every key the config loader knows (it lists them on an unknown key)
new_home
printf 'no_such_key: 1\nweb: {no_such_key: 1}\n' >"$H/sluice.yaml"
known=$("$S" --home "$H" dags list 2>&1 | sed -n 's/.*(known: \(.*\))$/\1/p')
[ -n "$known" ] || fail "no list of known config keys"
page5=$(MANWIDTH=200 man -l "$P/share/man/man5/sluice.yaml.5" 2>/dev/null)
for k in ${known//,/}; do
	assert_contains "$page5" "$k (" "sluice.yaml(5)"
done
printf 'web: {no_such_key: 1}\n' >"$H/sluice.yaml"
known=$("$S" --home "$H" dags list 2>&1 | sed -n 's/.*(known: \(.*\))$/\1/p')
for k in ${known//,/}; do
	assert_contains "$page5" "web.$k (" "sluice.yaml(5)"
done
# every DAG key the loader knows
rm "$H/sluice.yaml"
pagedag=$(MANWIDTH=200 man -l "$P/share/man/man5/sluice-dag.5" 2>/dev/null)
printf 'dag: x\nno_such_key: 1\ntasks: {a: {command: "true"}}\n' >"$H/dags/x.yaml"
known=$("$S" --home "$H" dags validate "$H/dags/x.yaml" 2>&1 | sed -n 's/.*(known: \(.*\))$/\1/p')
[ -n "$known" ] || fail "no list of known DAG keys"
for k in ${known//,/}; do
	assert_contains "$pagedag" "$k (" "sluice-dag(5)"
done
rm "$H/dags/x.yaml"

# the units: this build's paths, and what keeps tries alive on a restart
unit=$(cat "$P/share/sluice/systemd/sluice-scheduler.service")
for k in "ExecStart=$prefix/bin/sluice scheduler" "KillMode=process" \
	"Restart=on-failure" "ProtectSystem=strict" "ReadWritePaths=" "User=sluice"; do
	assert_contains "$unit" "$k" "sluice-scheduler.service"
done
assert_contains "$(cat "$P/share/sluice/systemd/sluice-web.service")" \
	"ExecStart=$prefix/bin/sluice web" "sluice-web.service"
# `systemctl reload`: SIGHUP to the main process alone (KillMode=process
# keeps the tries in the cgroup; a HUP to them would end shell tasks)
for u in sluice-scheduler sluice-web; do
	assert_contains "$(cat "$P/share/sluice/systemd/$u.service")" \
		'ExecReload=/bin/kill -HUP $MAINPID' "$u.service"
done
# ProtectSystem=strict leaves tasks /tmp and /var/tmp to write, as cron does
printf '%s\n' "$unit" | grep -q '^ReadWritePaths=/[^ ]* /tmp /var/tmp$' ||
	fail "sluice-scheduler.service: ReadWritePaths lacks /tmp /var/tmp: $(grep ReadWritePaths <<<"$unit")"
if command -v systemd-analyze >/dev/null; then
	for u in sluice-scheduler sluice-web; do
		systemd-analyze verify --man=no "$P/share/sluice/systemd/$u.service" 2>&1 |
			grep -v "is not executable" | grep . &&
			fail "systemd-analyze verify $u.service"
	done
fi
# the sample config loads
cp "$P/share/sluice/sluice.yaml" "$H/sluice.yaml"
"$S" --home "$H" executors >/dev/null || fail "the sample sluice.yaml does not load"

# a plug-in built out of tree against the installed header
mkdir -p "$T/plugin"
cp "$SLUICE_SRCDIR/executors/plugins/example.c" "$T/plugin/my_exec.c"
export PKG_CONFIG_PATH=$P/lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$D
cflags=$(pkg-config --cflags sluice-executor) || fail "pkg-config --cflags sluice-executor"
assert_contains "$cflags" "-I$P/include/sluice" "pkg-config --cflags"
(cd "$T/plugin" && cc -shared -fPIC -Wall -Werror $cflags -o my_exec.so my_exec.c) ||
	fail "the example plug-in does not build against the installed header"
cat >"$H/sluice.yaml" <<YAML
executors:
  local: {type: local, slots: 2}
  mine: {type: plugin, path: $T/plugin/my_exec.so, slots: 1, marker: out-of-tree}
YAML
cat >"$H/dags/inst.yaml" <<'YAML'
dag: inst
tasks:
  local_one: {command: echo local try}
  plugin_one: {command: 'echo "marker=$SLUICE_EXAMPLE_PLUGIN"', executor: mine, after: local_one}
YAML
SLUICE=$S start_scheduler
"$S" --home "$H" trigger inst --partition p1 >/dev/null
wait_run inst p1 success 60
assert_contains "$("$S" --home "$H" logs inst plugin_one p1)" "marker=out-of-tree" "the plug-in's try"
assert_contains "$("$S" --home "$H" logs inst local_one p1)" "local try" "the local try"
stop_pid "$SCHED_PID"

# bash completion: valid, and completes from the home
comp=$P/share/bash-completion/completions/sluice
bash -n "$comp" || fail "bash -n $comp"
complete_words() {	# complete_words WORD... (the last is being typed)
	bash -c '
		. "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		_sluice
		printf "%s\n" "${COMPREPLY[@]}"' _ "$comp" "$@"
}
PATH=$P/bin:$PATH
assert_eq "inst" "$(complete_words sluice --home "$H" trigger in)" "completing a DAG name"
assert_eq "trigger" "$(complete_words sluice tri)" "completing a verb"
assert_eq "--partition" "$(complete_words sluice --home "$H" trigger inst --parti)" "completing an option"
assert_eq "plugin_one" "$(complete_words sluice --home "$H" logs inst pl)" "completing a task name"
assert_eq "p1" "$(complete_words sluice --home "$H" logs inst local_one "")" "completing a partition"
assert_eq "p1" "$(complete_words sluice --home "$H" clear inst --partition "")" "completing an option's partition"
assert_eq "$(printf 'success\nfailed')" "$(complete_words sluice --home "$H" mark inst local_one p1 "")" "completing mark's state"
assert_eq "validate" "$(complete_words sluice dags va)" "completing a sub-verb"

# uninstall removes every file
make -s -C "$SLUICE_BUILDDIR" uninstall DESTDIR="$D" >"$T/uninstall.log" 2>&1 ||
	fail "make uninstall: $(tail -20 "$T/uninstall.log")"
left=$(find "$D" -type f)
[ -z "$left" ] || fail "make uninstall left: $left"
echo "install: ok"
