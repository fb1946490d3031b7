/*
 * executors/ssh/remote.c: what runs on the remote host. The scripts a try
 * runs there (sent with the command, as single-quoted words: nothing is
 * installed on the host) and the command lines built from them: the one
 * that starts a try, with every value one quoted shell word, and the one
 * that follows a try an earlier scheduler started (adopt.c).
 */
#include "build-config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "executors/ssh/ssh_internal.h"

/*
 * The remote scripts. None may contain a single quote: each is sent as
 * one single-quoted word. A try's files on its host, under
 * ~/.sluice/tries/ (made with mode 700 when missing):
 *
 *   ID.pid     "PGID STARTTIME RUNNER": the process group the kills name
 *              (its leader's STARTTIME from /proc, to tell a reused
 *              pid) and the runner's pid (absent: the leader is the
 *              runner)
 *   ID.log     the command's stdout and stderr, and sluice's kill notes
 *   ID.status  "exit N" or "signal N" once the command ended; a bare N
 *              (the shell's $?, above 128 taken as signal N-128) on a
 *              host without perl
 *
 * Cost per try start, where the host has perl: the login shell execs the
 * start script, which execs the perl runner, which forks once to exec the
 * setup script, which execs the command: one fork, where a plain exec of
 * the command costs none, because on a busy host a try start is counted
 * in forks. The directory is made only when missing; the sweep (files of
 * tries whose runner is gone and that started more than 7 days ago) runs
 * only when the executor asks, on its first start per connection and
 * every SSH_SWEEP_EVERY starts after (try.c).
 *
 * start: `/bin/sh -c START START SWEEP PERL RUNNER FOLLOW SETUP ID STOP CWD
 * N ENV... ARGV...` (STOP: -1 to keep what the command leaves behind
 * when it ends, keep_children; else the grace in ms between the SIGTERM
 * and the SIGKILL that stop it, as a local try's supervisor does) puts itself in a session of its own when it is not
 * (sshd makes one per command already) and makes the log. With perl it
 * becomes PERL, the runner: the channel's own process, which outlives
 * the channel and is outside the command's process group, so kills
 * reach the command and not it. Without perl it starts RUNNER in a
 * session of its own (the group the kills name: RUNNER survives TERM,
 * not KILL), writes ID.pid, names the group on stderr ("sluice-pgid=PGID
 * start=S") and becomes FOLLOW (polling, with a few forks per poll). The
 * command's stdin stays the channel's, which carries the task's stdin
 * and then EOF.
 */
static const char script_start[] =
	"l=;read -r l </proc/$$/stat 2>/dev/null;l=${l##*) };g=;s=;i=0;"
	"for w in $l;do i=$((i+1));case $i in 3)g=$w;;20)s=$w;break;;esac;done;"
	"if [ \"$g\" != \"$$\" ]&&[ -z \"$SLUICE_SETSID\" ];then export SLUICE_SETSID=1;exec setsid -w /bin/sh -c \"$0\" \"$0\" \"$@\";fi;"
	"unset SLUICE_SETSID;d=$HOME/.sluice/tries;f=$d/$6;"
	"[ -d \"$d\" ]||{ mkdir -p \"$d\"&&chmod 700 \"$HOME/.sluice\" \"$d\";}||exit 125;"
	"if [ \"$1\" = 1 ];then find \"$d\" -name \"*.pid\" -mtime +7 -exec /bin/sh -c \"for x do p=;r=;read -r p s r <\\\"\\$x\\\";kill -0 \\\"\\${r:-\\$p}\\\" 2>/dev/null||rm -f \\\"\\${x%.pid}\\\".*;done\" sluice-sweep {} + 2>/dev/null;fi;"
	": >>\"$f.log\"||exit 125;pl=$2;ru=$3;fo=$4;su=$5;k=$7;shift 7;"
	"if command -v perl >/dev/null 2>&1;then trap \"\" TERM INT HUP;exec perl -e \"$pl\" -- \"$f\" \"$su\" \"$k\" \"$@\";fi;"
	"exec 3<&0;setsid /bin/sh -c \"$ru\" sluice-try \"$f\" \"$su\" \"$k\" \"$@\" <&3 >>\"$f.log\" 2>&1 3<&- &"
	"exec 3<&-;l=;read -r l </proc/$!/stat 2>/dev/null;l=${l##*) };s=;i=0;"
	"for w in $l;do i=$((i+1));if [ $i = 20 ];then s=$w;break;fi;done;"
	"printf \"%s %s\\n\" $! \"$s\" >\"$f.pid\";printf \"sluice-pgid=%s start=%s\\n\" $! \"$s\" >&2;"
	"exec /bin/sh -c \"$fo\" sluice-follow \"$f\" 0 1";

/* setup: `sluice-try CWD N ENV... ARGV...` enters the directory, exports
 * the N variables (the last one the try's key, SSH_TRY_KEY_VAR=ID: only
 * the command and what it starts carry it) and execs the command (a
 * missing one reads as the shell says it). */
static const char script_setup[] =
	"if [ -n \"$1\" ];then cd -- \"$1\"||exit 126;fi;n=$2;shift 2;"
	"while [ \"$n\" -gt 0 ];do export \"$1\";shift;n=$((n-1));done;"
	"case $SLUICE_OUTPUT in ?*)SLUICE_OUTPUT=$HOME/.sluice/tries/$SLUICE_OUTPUT;;esac;exec \"$@\"";

/* The perl runner and follower. `PERL F SETUP STOP CWD N ENV... ARGV...`
 * forks the command (SETUP, in a process group of its own, output into
 * F.log), writes F.pid and names the group on stderr, copies F.log to
 * stdout as it grows; once the command ended, unless STOP is -1, stops
 * what is left of its group and every process whose /proc/PID/environ
 * holds the try's key (SIGTERM, SIGKILL after STOP ms); records F.status (written to F.status.tmp and renamed: whole
 * or absent) and ends like the command did (exit N, or the signal
 * re-raised on itself). Kills of the group do not reach it, and a closed
 * channel only stops the copy: the status is recorded also after a
 * SIGKILL. It renames itself "sluice-ssh-try F" (the environment's values
 * leave its argv). `PERL -f F OFFSET` follows a try an earlier scheduler
 * started: names its group on stderr, copies F.log from byte OFFSET until
 * F.status is there, says how long the try ran ("sluice-took=S": F.status's
 * mtime less F.pid's, whole seconds of the host's clock, so also for a try
 * that ended while no scheduler followed it; one string, so one write: a
 * list printed to unbuffered STDERR is a write per item, which the
 * executor may read apart) and ends like the command did; "sluice-lost" on
 * stderr: the runner is gone without a status (or wrote no pid file
 * within 200 polls); "sluice-nostart": none of the try's files exist. */
static const char script_perl[] =
	"$f=shift;$out=1;$SIG{$_}=sub{} for qw(TERM INT HUP PIPE CHLD);"
	"sub nap{select(undef,undef,undef,$_[0])}"
	"sub sv{open(Q,\"<\",\"/proc/$_[0]/stat\") or return ();my $x=<Q>;close Q;return () unless defined $x&&$x=~/\\) (.*)/;split / /,$1}"
	"sub cp{my($t,$r,$b,$i,$w)=(0);while($r=sysread(L,$b,65536)){$t+=$r;$i=0;"
	"while($out&&$i<$r){$w=syswrite(STDOUT,$b,$r-$i,$i);if(!defined $w){next if $!==4;$out=0;last}$i+=$w}}$t}"
	"sub fin{my $s=shift;cp();if($s&127){$SIG{$_}=\"DEFAULT\" for qw(TERM INT HUP PIPE);kill $s&127,$$;exit 128+($s&127)}exit $s>>8}"
	"sub lost{print STDERR \"sluice-lost\\n\";exit 0}"
	"if($f ne \"-f\"){$su=shift;$k=shift;open(L,\"<\",\"$f.log\") or exit 125;$p=fork;"
	"if(!defined $p){print STDERR \"sluice: cannot fork: $!\\n\";exit 126}"
	"if(!$p){setpgrp(0,0);open(STDOUT,\">>\",\"$f.log\")&&open(STDERR,\">&STDOUT\") or exit 125;exec(\"/bin/sh\",\"-c\",$su,\"sluice-try\",@ARGV);exit 127}"
	"setpgrp($p,$p);$0=\"sluice-ssh-try $f\";@v=sv($p);$st=@v?$v[19]:\"\";"
	"open(P,\">\",\"$f.pid.tmp\")&&print(P \"$p $st $$\\n\")&&close(P)&&rename(\"$f.pid.tmp\",\"$f.pid\");print STDERR \"sluice-pgid=$p start=$st\\n\";"
	"$d=0.01;while(1){$w=waitpid($p,1);$s=$?;$n=cp();last if $w==$p||$w<0;nap($n?0.01:$d);$d=$n?0.01:$d<0.1?$d*2:0.1}"
	"($ky)=$f=~m{([^/]+)$};$ky=\"SLUICE_TRY_KEY=$ky\";"
	"sub ks{my @r;for my $e(glob(\"/proc/[0-9]*/environ\")){open(my $h,\"<\",$e) or next;local $/;my $x=<$h>;close $h;"
	"next unless defined $x;for my $v(split /\\0/,$x){if($v eq $ky){push @r,$1 if $e=~m{^/proc/(\\d+)/};last}}}@r}"
	"sub lv{kill(0,-$p)||ks()}"
	"if($k>=0&&lv()){kill(-15,$p);kill(15,ks());for(1..$k/50){last unless lv();nap(0.05)}kill(-9,$p);kill(9,ks())}"
	"open(S,\">\",\"$f.status.tmp\")&&print(S (($s&127)?\"signal \".($s&127):\"exit \".($s>>8)),\"\\n\")&&close(S)&&rename(\"$f.status.tmp\",\"$f.status\");"
	"fin($s)}"
	"($f,$o)=@ARGV;$w=0;"
	"while(!-e \"$f.pid\"){if(!-e \"$f.log\"){print STDERR \"sluice-nostart\\n\";exit 0}lost() if ++$w>200;nap(0.05)}"
	"for(1..200){if(open(P,\"<\",\"$f.pid\")){$x=<P>;close P;if(defined $x&&$x=~/^(\\d+) ?(\\d*) ?(\\d*)\\n/){($p,$st,$r)=($1,$2,$3||$1);last}}nap(0.05)}"
	"lost() unless $p;print STDERR \"sluice-pgid=$p start=$st\\n\";open(L,\"<\",\"$f.log\") or lost();seek(L,$o,0);"
	"sub up{return 0 unless kill(0,$r);my @v=sv($r);return !(@v&&($v[0] eq \"Z\"||($r==$p&&$st ne \"\"&&$v[19] ne $st)))}"
	"sub rd{open(S,\"<\",\"$f.status\") or return undef;my $x=<S>;close S;return undef unless defined $x;"
	"return $2<<8 if $x=~/^(exit) (\\d+)\\n/;return $1 if $x=~/^signal (\\d+)\\n/;"
	"return $1>128&&$1<193?$1-128:$1<<8 if $x=~/^(\\d+)\\n/;undef}"
	"sub took{my @a=stat(\"$f.pid\");my @b=stat(\"$f.status\");print STDERR \"sluice-took=\".($b[9]-$a[9]).\"\\n\" if @a&&@b&&$b[9]>=$a[9]}"
	"$d=0.01;while(1){$a=up();$z=rd();if(defined $z){took();fin($z)}$n=cp();lost() unless $a;nap($n?0.01:$d);$d=$n?0.01:$d<0.1?$d*2:0.1}";

/* runner, without perl: `sluice-try F SETUP STOP CWD N ENV... ARGV...`, a
 * session leader. It outlives a SIGTERM to its group (the command gets
 * it), stops what the command left in the group or what carries the key
 * as the perl runner does (found in /proc; the key with grep -z), and
 * writes the command's $? into F.status. */
static const char script_runner[] =
	"f=$1;su=$2;k=$3;shift 3;trap : TERM INT HUP;/bin/sh -c \"$su\" sluice-try \"$@\";c=$?;"
	"o(){ r=;for x in /proc/[0-9]*/stat;do l=;read -r l <\"$x\" 2>/dev/null||continue;x=${x#/proc/};x=${x%/stat};"
	"set -- ${l##*) };[ \"$3\" = $$ ]&&[ \"$x\" != $$ ]&&r=\"$r $x\";done;"
	"for x in $(grep -lzxF \"SLUICE_TRY_KEY=${f##*/}\" /proc/[0-9]*/environ 2>/dev/null);do x=${x#/proc/};r=\"$r ${x%/environ}\";done;[ -n \"$r\" ];};"
	"if [ \"$k\" -ge 0 ]&&o;then kill -TERM $r 2>/dev/null;i=0;"
	"while [ $i -lt $((k/50)) ]&&o;do sleep 0.05 2>/dev/null||sleep 1;i=$((i+1));done;o&&kill -KILL $r 2>/dev/null;fi;"
	"printf \"%s\\n\" $c >\"$f.status\"";

/* follow, without perl: `sluice-follow F OFFSET LIVE` does what PERL -f
 * does by polling (LIVE: the start script named the group already; not
 * LIVE, it also says sluice-took= where `date -r` reads a file's time). */
static const char script_follow[] =
	"f=$1;o=$2;w=0;"
	"while [ ! -e \"$f.pid\" ];do if [ ! -e \"$f.log\" ];then echo sluice-nostart >&2;exit 0;fi;"
	"w=$((w+1));if [ $w -gt 200 ];then echo sluice-lost >&2;exit 0;fi;sleep 0.05 2>/dev/null||sleep 1;done;"
	"p=;s=;r=;read -r p s r <\"$f.pid\";if [ \"$3\" != 1 ];then printf \"sluice-pgid=%s start=%s\\n\" \"$p\" \"$s\" >&2;fi;"
	"while :;do e=0;kill -0 \"${r:-$p}\" 2>/dev/null||e=2;k=;rc=;if [ -e \"$f.status\" ]&&read -r k rc <\"$f.status\";then e=1;fi;"
	"n=$(wc -c <\"$f.log\");n=$((n));if [ \"$n\" -gt \"$o\" ];then tail -c +$((o+1)) \"$f.log\"|head -c $((n-o));o=$n;fi;"
	"if [ $e != 0 ];then break;fi;sleep 0.05 2>/dev/null||sleep 1;done;"
	"if [ $e = 2 ];then echo sluice-lost >&2;exit 0;fi;"
	"if [ \"$3\" != 1 ];then a=$(date -r \"$f.pid\" +%s 2>/dev/null);b=$(date -r \"$f.status\" +%s 2>/dev/null);"
	"case $a$b in *[!0-9]*);;*)if [ -n \"$a\" ]&&[ -n \"$b\" ]&&[ \"$b\" -ge \"$a\" ];then echo sluice-took=$((b-a)) >&2;fi;;esac;fi;"
	"if [ -z \"$rc\" ];then rc=$k;k=exit;if [ \"$rc\" -gt 128 ]&&[ \"$rc\" -lt 193 ];then k=signal;rc=$((rc-128));fi;fi;"
	"if [ \"$k\" = signal ];then kill -$rc $$;exit $((128+rc));fi;exit \"$rc\"";

/* follow command: `/bin/sh -c FOLLOWER sluice PERL FOLLOW ID OFFSET`. */
static const char script_follower[] =
	"f=$HOME/.sluice/tries/$3;"
	"if command -v perl >/dev/null 2>&1;then exec perl -e \"$1\" -- -f \"$f\" \"$4\";fi;"
	"exec /bin/sh -c \"$2\" sluice-follow \"$f\" \"$4\" 0";

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

/* Append each script (up to NULL) to b as a space and one single-quoted
 * word: the scripts hold no single quote. */
static void add_words(struct buf *b, ...) __attribute__((sentinel));
static void add_words(struct buf *b, ...)
{
	const char *w;
	va_list ap;

	va_start(ap, b);
	while ((w = va_arg(ap, const char *)) != NULL) {
		buf_adds(b, " '");
		buf_adds(b, w);
		buf_addc(b, '\'');
	}
	va_end(ap);
}

/* The command line sent to the remote login shell. Skipped variables
 * (names the shell cannot export) are noted in skipped. */
char *ssh_remote_try_command(struct ssh_exec *ex,
			     const struct sl_exec_task *task, const char *id,
			     struct buf *skipped, size_t *sweep_at)
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
		if (!env_send(kv, namelen) ||
		    sl_str_starts(kv, SSH_TRY_KEY_VAR "="))
			continue;
		buf_addc(&envs, ' ');
		if (task->output_path != NULL &&
		    sl_str_starts(kv, "SLUICE_OUTPUT=")) {
			/* a file of the try on its host (setup makes the
			 * name absolute); copied back when it ends */
			char *v = xasprintf("SLUICE_OUTPUT=%s.output", id);

			ssh_try_quote(&envs, v);
			free(v);
		} else
			ssh_try_quote(&envs, kv);
		n++;
	}
	/* the try's key (its id): kills find what left its group by it */
	{
		char *v = xasprintf("%s=%s", SSH_TRY_KEY_VAR, id);

		buf_addc(&envs, ' ');
		ssh_try_quote(&envs, v);
		free(v);
		n++;
	}
	buf_adds(&b, "exec /bin/sh -c");
	add_words(&b, script_start, script_start, NULL);
	buf_addc(&b, ' ');
	*sweep_at = b.len;
	buf_addc(&b, '0');
	add_words(&b, script_perl, script_runner, script_follow, script_setup,
		  NULL);
	buf_addc(&b, ' ');
	ssh_try_quote(&b, id);
	/* what the command leaves behind: kept (-1), or stopped after it
	 * ends, SIGTERM then SIGKILL after this many ms */
	buf_printf(&b, " %lld", task->keep_children ? -1LL
			: (long long)SL_MAX(task->kill_grace_ms, (int64_t)0));
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

/* `sluice-output ID`: print and remove the try's output file. */
static const char script_output[] =
	"f=$HOME/.sluice/tries/$1.output;if [ -f \"$f\" ];then head -c 65537 \"$f\";rm -f \"$f\";fi";

char *ssh_remote_output_command(const char *id)
{
	struct buf b;

	buf_init(&b, 0);
	buf_adds(&b, "exec /bin/sh -c");
	add_words(&b, script_output, NULL);
	buf_adds(&b, " sluice-output ");
	ssh_try_quote(&b, id);
	return buf_steal(&b);
}

/* The follower command for try ID from byte offset of its remote log. */
char *ssh_remote_follow_command(const char *id, long long offset)
{
	struct buf b;

	buf_init(&b, 0);
	buf_adds(&b, "exec /bin/sh -c");
	add_words(&b, script_follower, NULL);
	buf_adds(&b, " sluice");
	add_words(&b, script_perl, script_follow, NULL);
	buf_addc(&b, ' ');
	ssh_try_quote(&b, id);
	buf_printf(&b, " %lld", offset);
	return buf_steal(&b);
}

/* Append to b a shell command sending SIGsig to every process of the
 * user on the host whose environment carries try id's key (one grep over
 * /proc; a process that dropped the key is not found). */
void ssh_remote_key_kill(struct buf *b, const char *sig, const char *id)
{
	char *kv = xasprintf("%s=%s", SSH_TRY_KEY_VAR, id);

	buf_adds(b, "for x in $(grep -lzxF ");
	ssh_try_quote(b, kv);
	buf_printf(b, " /proc/[0-9]*/environ 2>/dev/null); do x=${x#/proc/}; "
		   "kill -%s ${x%%/environ} 2>/dev/null; done", sig);
	free(kv);
}
