#!/bin/bash
# The Debian package: debian/ builds with `dpkg-buildpackage -us -uc -b`
# from a copy of the source; the package holds the binaries, man pages,
# completion, plug-in header and pkg-config file, the units and the init
# scripts (shipped disabled: postinst enables them only where they were
# enabled before) and the sample config; its postinst makes the user sluice and
# /var/lib/sluice; lintian reports no error; the binary extracted from
# it (dpkg -x) prints its versions, validates the example DAGs and, with
# no --home, works on /var/lib/sluice.
# Slow (a full optimised build and lintian): not in `make check` but in
# `make check-deb`, which .ci/run runs after the suite. The package's
# build alone took 15 minutes on a 2-core machine at load 30: the
# watchdog of tests/setup.sh waits 40 here.
: "${SLUICE_TEST_TIMEOUT:=2400}"
export SLUICE_TEST_TIMEOUT
. "$SLUICE_SRCDIR/tests/setup.sh"
for tool in dpkg-buildpackage dh lintian fakeroot; do
	command -v "$tool" >/dev/null ||
		skip "$tool is needed (scripts/deps --test installs debhelper, dpkg-dev, lintian, fakeroot)"
done

version=$(sed -n '1s/^sluice (\([^)]*\)).*/\1/p' "$SLUICE_SRCDIR/debian/changelog")
[ -n "$version" ] || fail "no version in debian/changelog"
src=$T/src/sluice-${version%-*}
mkdir -p "$src"
# the source as a clean tree: no build outputs, no configure run
(cd "$SLUICE_SRCDIR" && tar -cf - --exclude=./build --exclude=./.git \
	--exclude=node_modules --exclude=autom4te.cache --exclude=./configure \
	--exclude=./build-aux --exclude=Makefile.in --exclude=./aclocal.m4 \
	--exclude=./config.status --exclude=./config.log --exclude='*.o' \
	--exclude='*.a' --exclude=./sluice --exclude=./sluice-try \
	--exclude=./debian/build --exclude=./debian/sluice --exclude='*.log' \
	--exclude='*.trs' .) | tar -xf - -C "$src"
start=$(date +%s)
(cd "$src" && dpkg-buildpackage -us -uc -b) >"$T/build.log" 2>&1 ||
	fail "dpkg-buildpackage: $(tail -30 "$T/build.log")"
note "dpkg-buildpackage took $(($(date +%s) - start)) s"
deb=$T/src/sluice_${version}_$(dpkg --print-architecture).deb
[ -f "$deb" ] || fail "no $deb: $(ls "$T/src")"

# contents
contents=$(dpkg -c "$deb" | awk '{ print $6 }')
for f in ./usr/bin/sluice ./usr/bin/sluice-try ./usr/share/man/man1/sluice.1.gz \
	./usr/share/man/man5/sluice-dag.5.gz ./usr/share/man/man5/sluice.yaml.5.gz \
	./usr/include/sluice/executors/executor.h \
	./usr/share/bash-completion/completions/sluice \
	./lib/systemd/system/sluice-scheduler.service \
	./lib/systemd/system/sluice-web.service ./usr/share/sluice/sluice.yaml \
	./etc/logrotate.d/sluice ./etc/init.d/sluice-scheduler ./etc/init.d/sluice-web; do
	printf '%s\n' "$contents" | grep -qxF "$f" || fail "the package lacks $f: $contents"
done
printf '%s\n' "$contents" | grep -q '/pkgconfig/sluice-executor.pc$' ||
	fail "the package lacks sluice-executor.pc"
printf '%s\n' "$contents" | grep -q '\.wants/' && fail "the package enables a unit"
# the libraries sluice loads on first use (base/lazylib.h) are not seen by
# shlibs:Depends: the package names them itself
depends=$(dpkg-deb -f "$deb" Depends)
for lib in libcurl4 libpq5 libssh2-1 libsqlite3-0 libevent-2.1-7; do
	case ", $depends," in *", $lib "*|*", $lib,"*) ;; *) fail "Depends lacks $lib: $depends" ;; esac
done
# maintainer scripts: the user and home; units not enabled on install
mkdir "$T/ctl"
dpkg-deb -e "$deb" "$T/ctl"
post=$(cat "$T/ctl/postinst")
assert_contains "$post" "adduser --system" "postinst"
assert_contains "$post" "--home /var/lib/sluice" "postinst"
assert_contains "$post" "was-enabled 'sluice-scheduler.service'" "postinst"
assert_not_contains "$post" "deb-systemd-invoke start" "postinst"
# the units over install, upgrade and remove: the maintainer scripts'
# systemd parts run with /run/systemd/system and the systemd tools faked
# (their calls recorded). A fresh install starts nothing; an upgrade
# stops nothing before and try-restarts both units after (a unit that
# ran runs again, its tries adopted); a remove stops both.
mkdir -p "$T/fake/bin" "$T/fake/run-systemd"
for tool in deb-systemd-invoke deb-systemd-helper systemctl; do
	# deb-systemd-helper answers no: the units are not enabled
	printf '#!/bin/sh\necho "%s $*" >>"%s"\n[ %s != deb-systemd-helper ]\n' \
		"$tool" "$T/fake/calls" "$tool" >"$T/fake/bin/$tool"
	chmod +x "$T/fake/bin/$tool"
done
maint() {
	local script=$1
	shift
	[ -f "$T/ctl/$script" ] || return 0
	if [ "$script" = postinst ]; then
		# only debhelper's systemd parts: the rest makes the user and
		# /var/lib/sluice on this machine
		sed -n '/^# Automatically added by dh_installsystemd/,/^# End automatically added section/p' \
			"$T/ctl/$script"
	else
		cat "$T/ctl/$script"
	fi | sed "s|/run/systemd/system|$T/fake/run-systemd|g" >"$T/fake/$script"
	: >"$T/fake/calls"
	env -u DPKG_ROOT PATH="$T/fake/bin:$PATH" sh -e "$T/fake/$script" "$@" ||
		fail "$script $*: exit $?"
	grep '^deb-systemd-invoke' "$T/fake/calls" || true
}
assert_eq "" "$(maint postinst configure '')" "postinst of a fresh install"
assert_eq "" "$(maint preinst upgrade 0.0.9-1)" "preinst of an upgrade stops nothing"
calls=$(maint postinst configure 0.0.9-1)
assert_contains "$calls" "deb-systemd-invoke try-restart sluice-scheduler.service" "postinst of an upgrade"
assert_contains "$calls" "deb-systemd-invoke try-restart sluice-web.service" "postinst of an upgrade"
assert_not_contains "$(maint prerm upgrade 0.1.1-1)" "stop" "prerm of an upgrade"
assert_contains "$(maint prerm remove)" "deb-systemd-invoke stop sluice-scheduler.service sluice-web.service" "prerm of a remove"
# without systemd: the init scripts, shipped disabled (update-rc.d
# defaults-disabled); an upgrade try-restarts them (a stopped one stays
# stopped), a remove stops them, a fresh install starts nothing
printf '#!/bin/sh\necho "invoke-rc.d $*" >>"%s"\n' "$T/fake/calls" >"$T/fake/bin/invoke-rc.d"
chmod +x "$T/fake/bin/invoke-rc.d"
mkdir -p "$T/fake/init.d"
for s in sluice-scheduler sluice-web; do
	assert_contains "$post" "update-rc.d $s defaults-disabled" "postinst"
	printf '#!/bin/sh\n' >"$T/fake/init.d/$s"
	chmod +x "$T/fake/init.d/$s"
done
maint_sysv() {
	local script=$1
	shift
	if [ "$script" = postinst ]; then
		sed -n '/^# Without systemd/,/^fi$/p' "$T/ctl/$script"
	else
		cat "$T/ctl/$script"
	fi | sed -e "s|/run/systemd/system|$T/fake/no-systemd|g" \
		-e "s|/etc/init.d/|$T/fake/init.d/|g" >"$T/fake/$script"
	: >"$T/fake/calls"
	env -u DPKG_ROOT PATH="$T/fake/bin:$PATH" sh -e "$T/fake/$script" "$@" ||
		fail "$script $* (no systemd): exit $?"
	grep -v '^deb-systemd-helper' "$T/fake/calls" || true
}
assert_eq "" "$(maint_sysv postinst configure '')" "postinst of a fresh install (no systemd)"
calls=$(maint_sysv postinst configure 0.0.9-1)
assert_eq "invoke-rc.d sluice-scheduler try-restart
invoke-rc.d sluice-web try-restart" "$calls" "postinst of an upgrade (no systemd)"
assert_eq "" "$(maint_sysv prerm upgrade 0.1.1-1)" "prerm of an upgrade (no systemd)"
assert_eq "invoke-rc.d sluice-scheduler stop
invoke-rc.d sluice-web stop" "$(maint_sysv prerm remove)" "prerm of a remove (no systemd)"
for s in sluice-scheduler sluice-web; do
	script=$(dpkg-deb --fsys-tarfile "$deb" | tar -xOf - "./etc/init.d/$s")
	assert_contains "$script" "# Provides:          $s" "/etc/init.d/$s"
	printf '%s\n' "$script" | grep -q '@[A-Z]*@' && fail "/etc/init.d/$s keeps a placeholder"
	printf '%s\n' "$script" | sh -n || fail "/etc/init.d/$s does not parse"
done
assert_contains "$(dpkg-deb --fsys-tarfile "$deb" | tar -xOf - ./etc/init.d/sluice-web)" \
	'-- web --pidfile "$PIDFILE" $DAEMON_ARGS' "/etc/init.d/sluice-web runs sluice web, which writes its pid file once serving"

unit=$(dpkg-deb --fsys-tarfile "$deb" | tar -xOf - ./lib/systemd/system/sluice-scheduler.service)
for k in "ExecStart=/usr/bin/sluice scheduler" "Environment=SLUICE_HOME=/var/lib/sluice" \
	"ReadWritePaths=/var/lib/sluice" "KillMode=process" "User=sluice" \
	'ExecReload=/bin/kill -HUP $MAINPID' "Type=notify" "NotifyAccess=main"; do
	assert_contains "$unit" "$k" "the packaged sluice-scheduler.service"
done

# lintian: no error (warnings are allowed)
lintian --no-tag-display-limit "$T/src/sluice_${version}_$(dpkg --print-architecture).changes" \
	>"$T/lintian.log" 2>&1 || true
grep -q '^E: ' "$T/lintian.log" && fail "lintian: $(grep '^E: ' "$T/lintian.log")"

# the packaged binary
dpkg -x "$deb" "$T/x"
S=$T/x/usr/bin/sluice
v=$("$S" --version) || fail "sluice --version"
assert_contains "$v" "sluice ${version%-*}" "--version"
assert_contains "$v" "schema version" "--version"
assert_contains "$v" "SQLite" "--version"
new_home
"$S" --home "$H" dags validate "$SLUICE_SRCDIR"/dags/*.yaml >"$T/validate.out" 2>&1 ||
	fail "dags validate on the examples: $(cat "$T/validate.out")"
"$S" --home "$H" man sluice | cmp -s - <(gzip -dc <(dpkg-deb --fsys-tarfile "$deb" |
	tar -xOf - ./usr/share/man/man1/sluice.1.gz)) ||
	fail "the packaged sluice.1 is not what the packaged binary prints"

# the packaged binary's default home is /var/lib/sluice (the units' home):
# with neither --home nor SLUICE_HOME, from any folder, as root, it reads
# the DAGs of /var/lib/sluice. A private mount namespace puts this test's
# home there (the machine's /var/lib is not touched); without one (not
# root, no unshare), the error for a missing home names the path.
assert_contains "$("$S" --help)" "else /var/lib/sluice" "--help names the default home"
assert_contains "$("$S" man sluice)" "/var/lib/sluice" "sluice(1) names the default home"
mkdir -p "$T/varlib/sluice/dags" "$T/elsewhere"
cp "$SLUICE_SRCDIR/dags/stock_prices_hourly.yaml" "$T/varlib/sluice/dags/"
if [ "$(id -u)" = 0 ] && unshare -m true 2>/dev/null; then
	out=$(cd "$T/elsewhere" && env -u SLUICE_HOME unshare -m sh -c \
		'mount --bind "$1" /var/lib && "$2" dags list' sh "$T/varlib" "$S" 2>&1) ||
		fail "dags list with no --home: $out"
	assert_contains "$out" "stock_prices_hourly" "dags list with no --home reads /var/lib/sluice"
	[ -f "$T/varlib/sluice/sluice.db" ] || fail "the default home's database was not made in /var/lib/sluice"
	[ -e "$T/elsewhere/sluice.db" ] && fail "the current folder was used as the home"
else
	note "not root or no unshare: the default home checked by its error only"
	out=$(cd "$T/elsewhere" && env -u SLUICE_HOME "$S" dags list 2>&1) || true
	[ -d /var/lib/sluice ] || assert_contains "$out" "/var/lib/sluice" "dags list with no --home"
fi
# a build from source keeps the current folder as the home
out=$(cd "$T/elsewhere" && env -u SLUICE_HOME "$SLUICE" --help)
assert_contains "$out" "else the current folder" "a source build's default home"
echo "deb_package: ok"
