/*
 * executors/ssh/remote.c: what runs on the remote host. The scripts a try
 * runs there (sent with the command, as single-quoted words: nothing is
 * installed on the host) and the command lines built from them: the one
 * that starts a try, with every value one quoted shell word, and the one
 * that follows a try an earlier scheduler started (adopt.c).
 */
#include "build-config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "executors/ssh/ssh_internal.h"

/*
 * The remote scripts. None may contain a single quote: each is sent as
 * one single-quoted word. Per try, under ~/.sluice/tries/ (mode 700), the
 * files ID.pid ("PGID STARTTIME" of the runner, written first),
 * ID.log (the command's stdout and stderr) and ID.status ("exit N"
 * or "signal N" from the perl reaper; a bare N, the shell's $?, on a
 * host without perl, a value above 128 then taken as signal N-128),
 * written to ID.status.tmp and renamed, so it is
 * whole or absent. Files older than 7 days are removed when a try starts.
 *
 * start: `/bin/sh -c START sluice RUNNER FOLLOW REAPER ID CWD N ENV...
 * ARGV...`
 * starts RUNNER in a session of its own, detached from the channel (its
 * stdin stays the channel's, which carries the task's stdin and then
 * EOF), then becomes FOLLOW for the live channel.
 */
static const char script_start[] =
	"r=$1;fo=$2;pl=$3;id=$4;shift 4;d=$HOME/.sluice/tries;"
	"mkdir -p \"$d\"&&chmod 700 \"$HOME/.sluice\" \"$d\"||exit 125;"
	"find \"$d\" -type f -mtime +7 -exec rm -f {} + 2>/dev/null;"
	"f=$d/$id;: >>\"$f.log\"||exit 125;exec 3<&0;"
	"(setsid /bin/sh -c \"$r\" sluice-try \"$f\" \"$pl\" \"$@\" <&3 >>\"$f.log\" 2>&1 3<&- &"
	"printf \"sluice-pgid=%s start=\\n\" $! >&2);"
	"exec 3<&-;exec /bin/sh -c \"$fo\" sluice-follow \"$f\" 0 1";

/* runner: `sluice-try F REAPER CWD N ENV... ARGV...`, a session leader. It
 * outlives a SIGTERM to its group (the command gets it), so the
 * command's status is recorded; SIGKILL leaves no status. */
static const char script_runner[] =
	"f=$1;pl=$2;shift 2;l=;read -r l </proc/$$/stat 2>/dev/null;l=${l##*) };s=;i=0;"
	"for w in $l;do i=$((i+1));if [ $i = 20 ];then s=$w;break;fi;done;"
	"printf \"%s %s\\n\" \"$$\" \"$s\" >\"$f.pid.tmp\"&&mv -f \"$f.pid.tmp\" \"$f.pid\";"
	"trap : TERM INT HUP;r=126;"
	"if [ -z \"$1\" ]||cd -- \"$1\";then "
	"n=$2;shift 2;"
	"while [ \"$n\" -gt 0 ];do export \"$1\";shift;n=$((n-1));done;"
	"if command -v perl >/dev/null 2>&1;then perl -e \"$pl\" \"$f.status.tmp\" \"$@\";r=;"
	"else \"$@\";r=$?;fi;fi;"
	"if [ -n \"$r\" ];then printf \"%s\\n\" \"$r\" >\"$f.status.tmp\";fi;"
	"mv -f \"$f.status.tmp\" \"$f.status\"";

/* The reaper, where the host has perl: runs the command (through
 * `sh -c 'exec "$@"'`, so a missing command reads as before), survives
 * the signals sent to the group, and writes "exit N" or "signal N". */
static const char script_reaper[] =
	"$f=shift;$p=fork;exit 126 unless defined $p;"
	"if(!$p){exec \"/bin/sh\",\"-c\",\"exec \\\"\\$@\\\"\",\"sh\",@ARGV;exit 127}"
	"$SIG{TERM}=$SIG{INT}=$SIG{HUP}=sub{};"
	"while(waitpid($p,0)<0){}$s=$?;"
	"open(F,\">\",$f)or exit 1;"
	"print F (($s&127)?\"signal \".($s&127):\"exit \".($s>>8)),\"\\n\";close F";

/* follow: `sluice-follow F OFFSET LIVE` copies F.log from byte OFFSET to
 * stdout as it grows, names the group on stderr ("sluice-pgid=PGID
 * start=S"), and when the status is there ends like the command did
 * (exit N, or the signal re-raised on itself). "sluice-lost" on stderr:
 * the runner is gone without a status (or wrote no pid file within 200
 * polls); "sluice-nostart": following an earlier scheduler's try, none
 * of its files exist. */
static const char script_follow[] =
	"f=$1;o=$2;w=0;"
	"while [ ! -e \"$f.pid\" ];do "
	"if [ \"$3\" != 1 ]&&[ ! -e \"$f.log\" ];then echo sluice-nostart >&2;exit 0;fi;"
	"w=$((w+1));if [ $w -gt 200 ];then echo sluice-lost >&2;exit 0;fi;"
	"sleep 0.05 2>/dev/null||sleep 1;done;"
	"p=;s=;read -r p s <\"$f.pid\";"
	"if [ \"$3\" != 1 ];then printf \"sluice-pgid=%s start=%s\\n\" \"$p\" \"$s\" >&2;fi;"
	"while :;do e=0;kill -0 \"$p\" 2>/dev/null||e=2;"
	"if [ -e \"$f.status\" ];then e=1;fi;"
	"n=$(wc -c <\"$f.log\");n=$((n));"
	"if [ \"$n\" -gt \"$o\" ];then tail -c +$((o+1)) \"$f.log\"|head -c $((n-o));o=$n;fi;"
	"if [ $e != 0 ];then break;fi;"
	"sleep 0.05 2>/dev/null||sleep 1;done;"
	"if [ $e = 2 ];then echo sluice-lost >&2;exit 0;fi;"
	"k=;rc=;read -r k rc <\"$f.status\";"
	"if [ -z \"$rc\" ];then rc=$k;if [ \"$rc\" -gt 128 ]&&[ \"$rc\" -lt 193 ];then k=signal;rc=$((rc-128));fi;fi;"
	"if [ \"$k\" = signal ];then kill -$rc $$;exit $((128+rc));fi;"
	"exit \"$rc\"";

/* Variables that describe the scheduler's own machine and session: not
 * sent when they hold the scheduler's own value (the DAG did not set
 * them), so the remote login's values stand. */
static const char *const local_only_env[] = {
	"HOME", "USER", "LOGNAME", "SHELL", "PWD", "OLDPWD", "SHLVL",
	"HOSTNAME", "MAIL", "PATH", "TERM", "TMPDIR", "_", "DISPLAY",
	"XDG_RUNTIME_DIR", "XDG_SESSION_ID", "MOTD_SHOWN",
};

static int env_name_ok(const char *kv, size_t namelen)
{
	size_t i;

	if (namelen == 0 || !(isalpha((unsigned char)kv[0]) || kv[0] == '_'))
		return 0;
	for (i = 1; i < namelen; i++)
		if (!(isalnum((unsigned char)kv[i]) || kv[i] == '_'))
			return 0;
	return 1;
}

static int env_send(const char *kv, size_t namelen)
{
	size_t i;
	char name[64];
	const char *mine;

	if (sl_str_starts(kv, "SSH_") || sl_str_starts(kv, "SLUICE_SETSID="))
		return 0;
	if (namelen >= sizeof name)
		return 1;
	memcpy(name, kv, namelen);
	name[namelen] = '\0';
	for (i = 0; i < SL_ARRAY_LEN(local_only_env); i++) {
		if (strcmp(name, local_only_env[i]) == 0) {
			mine = getenv(name);
			return !(mine && strcmp(mine, kv + namelen + 1) == 0);
		}
	}
	return 1;
}

/* The command line sent to the remote login shell. Skipped variables
 * (names the shell cannot export) are noted in skipped. */
char *ssh_remote_try_command(struct ssh_exec *ex,
			     const struct sl_exec_task *task, const char *id,
			     struct buf *skipped)
{
	struct buf b, envs;
	size_t i, n = 0;

	buf_init(&b, 0);
	buf_init(&envs, 0);
	for (i = 0; task->env && task->env[i]; i++) {
		const char *kv = task->env[i];
		const char *eq = strchr(kv, '=');
		size_t namelen = eq ? (size_t)(eq - kv) : strlen(kv);

		if (!eq || !env_name_ok(kv, namelen)) {
			buf_printf(skipped, "%s%.*s", skipped->len ? ", " : "",
				   (int)SL_MIN(namelen, (size_t)64), kv);
			continue;
		}
		if (!env_send(kv, namelen))
			continue;
		buf_addc(&envs, ' ');
		ssh_try_quote(&envs, kv);
		n++;
	}
	buf_adds(&b, "exec /bin/sh -c '");
	buf_adds(&b, script_start);
	buf_adds(&b, "' sluice '");
	buf_adds(&b, script_runner);
	buf_adds(&b, "' '");
	buf_adds(&b, script_follow);
	buf_adds(&b, "' '");
	buf_adds(&b, script_reaper);
	buf_adds(&b, "' ");
	ssh_try_quote(&b, id);
	buf_addc(&b, ' ');
	ssh_try_quote(&b, task->cwd ? task->cwd : "");
	buf_printf(&b, " %zu", n);
	buf_add(&b, envs.data ? envs.data : "", envs.len);
	for (i = 0; task->argv[i]; i++) {
		buf_addc(&b, ' ');
		ssh_try_quote(&b, i == 0 && task->argv0_is_sluice ? ex->sluice_path
							     : task->argv[i]);
	}
	buf_free(&envs);
	return buf_steal(&b);
}

/* The follower command for try ID from byte offset of its remote log. */
char *ssh_remote_follow_command(const char *id, long long offset)
{
	struct buf b;

	buf_init(&b, 0);
	buf_adds(&b, "exec /bin/sh -c '");
	buf_adds(&b, script_follow);
	buf_adds(&b, "' sluice-follow \"$HOME/.sluice/tries/\"");
	ssh_try_quote(&b, id);
	buf_printf(&b, " %lld 0", offset);
	return buf_steal(&b);
}
