/*
 * cli_db.c: `sluice db`: migrations and the schema version, and the
 * operator's maintenance of a live database: backup, restore, check,
 * vacuum and clean (retention). The SQL is in store/store_maint.c.
 * One file a little past 800 lines: its seven subcommands share one
 * options table and one help text that describes them together.
 */
#include "scheduler/cli.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/text.h"
#include "scheduler/config.h"
#include "scheduler/try.h"
#include "scheduler/tz.h"
#include "store/store.h"

/* A retention transaction holds the write lock about this long at most
 * (one run more may go over it), then commits and lets others write. */
#define DB_CLEAN_TX_MS 20
/* The pause between two retention transactions: the scheduler's writes
 * that waited on the lock get it first. */
#define DB_CLEAN_PAUSE_MS 10
/* Pages copied per backup step (4 KiB pages: 1 MiB). */
#define DB_BACKUP_PAGES 256

static const struct cli_opt db_opts[] = {
	{"keep", 0, "AGE", "clean: remove runs older than AGE (90d, 12h, 2w...; an hour or more, with its unit)"},
	{"before", 0, "DATE", "clean: remove runs older than DATE (UTC unless it has an offset)"},
	{"dag", 0, "DAG", "clean: only this DAG's runs (and audit rows)"},
	{"dry-run", 'n', NULL, "clean: list what would be removed; remove nothing"},
	{"audit", 0, NULL, "clean: remove audit rows older than the cutoff too"},
	{"logs-only", 0, NULL, "clean: remove only the old runs' log files; keep the runs"},
	{"yes", 'y', NULL, "clean: do not ask (needed when stdin is not a terminal)"},
	{"force", 'f', NULL, "backup: overwrite FILE; restore: do not keep the replaced database; vacuum: even while a scheduler runs"},
	{NULL, 0, NULL, NULL},
};

static int
db_migrate(struct cli *c)
{
	struct sl_err err;

	sl_err_clear(&err);
	if (cli_db_gone_check(c) < 0 || cli_db_owner_check(c, 0) < 0)
		return EXIT_FAILED;
	/* store_open applies pending migrations (and refuses newer ones) */
	if (store_open(c->cfg->db_path, &c->store, &err) < 0) {
		cli_error(err.msg);
		return EXIT_HOME;
	}
	printf("%s: schema version %d (this sluice: %d)\n", c->cfg->db_path,
	       store_schema_version(c->store), store_binary_version());
	return 0;
}

/* version: read only, so that it shows what an upgrade will migrate
 * before anything does (every other command applies the migrations). */
static int
db_version(struct cli *c)
{
	struct sl_err err;
	int have, pending, mine = store_binary_version();

	if (cli_open(c, 0, 0) < 0 || cli_need_home(c) < 0)
		return EXIT_HOME;
	if (access(c->cfg->db_path, F_OK) < 0) {
		printf("%s: no database yet (this sluice: schema version %d; "
		       "`sluice db migrate` makes it)\n", c->cfg->db_path, mine);
		return 0;
	}
	sl_err_clear(&err);
	if (store_file_version(c->cfg->db_path, &have, &pending, &err) < 0) {
		cli_error(err.msg);
		return EXIT_HOME;
	}
	if (have > mine) {
		fprintf(stderr, "sluice: %s: the database is at schema version %d, "
			"newer than this sluice understands (%d); use a newer "
			"sluice, or another database\n", c->cfg->db_path, have, mine);
		return EXIT_HOME;
	}
	printf("%s: schema version %d (this sluice: %d)", c->cfg->db_path,
	       have, mine);
	if (pending > 0)
		printf("; %d migration%s pending: `sluice db migrate` applies "
		       "them, as does any other command or a scheduler's start",
		       pending, pending == 1 ? "" : "s");
	printf("\n");
	return 0;
}

/* A copy that failed goes with the files SQLite made beside it (its
 * journal or WAL): a full disk keeps none of it. */
static void
db_backup_remove(const char *partial)
{
	static const char *const sfx[] = { "", "-journal", "-wal", "-shm" };

	for (size_t i = 0; i < SL_ARRAY_LEN(sfx); i++) {
		char *f = xasprintf("%s%s", partial, sfx[i]);

		unlink(f);
		free(f);
	}
}

static int
db_backup(struct cli *c, const struct cli_args *a)
{
	const char *dest = a->pos[1];
	struct sl_err err;
	char *partial;
	int64_t pages = 0, t0;
	struct stat sb;

	if (stat(dest, &sb) == 0 && !cli_opt_flag(a, "force")) {
		fprintf(stderr, "sluice: %s exists (--force overwrites it)\n", dest);
		return EXIT_FAILED;
	}
	if (cli_open(c, 0, 0) < 0 || cli_need_home(c) < 0)
		return EXIT_HOME;
	/* the database as it is: a backup taken by a newer sluice before
	 * its first start keeps the version the older one can open */
	if (access(c->cfg->db_path, F_OK) < 0) {
		fprintf(stderr, "sluice: %s: no database yet, nothing to back up\n",
			c->cfg->db_path);
		return EXIT_FAILED;
	}
	sl_err_clear(&err);
	if (store_open_as_is(c->cfg->db_path, &c->store, &err) < 0) {
		cli_error(err.msg);
		return EXIT_HOME;
	}
	/* --force never renames the copy onto the live database or its WAL
	 * files: a running scheduler would go on writing to the unlinked
	 * file, and its WAL would no longer match the database */
	if (stat(dest, &sb) == 0) {
		static const char *const sfx[] = { "", "-wal", "-shm" };

		for (size_t i = 0; i < SL_ARRAY_LEN(sfx); i++) {
			char *f = xasprintf("%s%s", c->cfg->db_path, sfx[i]);
			struct stat fb;
			int same = stat(f, &fb) == 0 && fb.st_dev == sb.st_dev &&
				   fb.st_ino == sb.st_ino;

			free(f);
			if (same) {
				fprintf(stderr, "sluice: %s is the database %s%s itself: "
					"a backup goes to another file\n", dest,
					c->cfg->db_path, sfx[i]);
				return EXIT_FAILED;
			}
		}
	}
	/* the copy is made beside FILE and renamed onto it when whole: FILE
	 * is never a half-made copy */
	partial = xasprintf("%s.partial", dest);
	db_backup_remove(partial);
	sl_err_clear(&err);
	t0 = sl_mono_ms();
	if (store_backup(c->store, partial, DB_BACKUP_PAGES, &pages, &err) < 0) {
		cli_error(err.msg);
		db_backup_remove(partial);
		free(partial);
		return EXIT_FAILED;
	}
	if (rename(partial, dest) < 0) {
		fprintf(stderr, "sluice: cannot rename %s to %s: %s\n", partial,
			dest, strerror(errno));
		db_backup_remove(partial);
		free(partial);
		return EXIT_FAILED;
	}
	free(partial);
	printf("backed up %s to %s (%lld pages, %lld ms)\n", c->cfg->db_path,
	       dest, (long long)pages, (long long)(sl_mono_ms() - t0));
	return 0;
}

/* restore FILE: the home's database becomes the backup FILE, with no
 * scheduler on the home (it keeps its runs in memory and would go on from
 * them); the database it replaces is kept beside it unless --force. */
static int
db_restore(struct cli *c, const struct cli_args *a)
{
	const char *src = a->pos[1];
	int force = cli_opt_flag(a, "force");
	struct sl_err err;
	char stamp[32], *keep = NULL;
	int64_t pages = 0, t0;
	time_t now = time(NULL);
	struct tm tm;
	int r = EXIT_FAILED;

	if (cli_open(c, 0, 0) < 0 || cli_need_home(c) < 0)
		return EXIT_HOME;
	if (cli_db_owner_check(c, !force || access(c->cfg->db_path, F_OK) < 0) < 0)
		return EXIT_FAILED;
	if (access(src, R_OK) < 0) {
		fprintf(stderr, "sluice: %s: %s\n", src, strerror(errno));
		return EXIT_FAILED;
	}
	/* the database's scheduler lock, held until exit: no scheduler runs
	 * on it, whatever home names it, and none starts while the copy is
	 * made */
	sl_err_clear(&err);
	if (cli_scheduler_running(c) || store_lock_db(c->cfg->db_path, &err) < 0) {
		if (err.msg[0] != '\0' && !cli_scheduler_running(c))
			cli_error(err.msg);
		else
			fprintf(stderr, "sluice: a scheduler runs on the database %s: it "
				"would go on from the runs it holds in memory over the "
				"restored database; stop it first (systemctl stop "
				"sluice-scheduler, or service sluice-scheduler stop), "
				"restore, then start it\n", c->cfg->db_path);
		return EXIT_FAILED;
	}
	if (!force) {
		gmtime_r(&now, &tm);
		strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
		keep = xasprintf("%s.replaced-%s", c->cfg->db_path, stamp);
	}
	sl_err_clear(&err);
	t0 = sl_mono_ms();
	if (store_restore(src, c->cfg->db_path, keep, &pages, &err) < 0) {
		cli_error(err.msg);
		goto done;
	}
	/* an older backup: the pending migrations, as on any start */
	if (store_open(c->cfg->db_path, &c->store, &err) < 0) {
		fprintf(stderr, "sluice: restored, but: %s\n", err.msg);
		goto done;
	}
	printf("restored %s from %s (%lld pages, %lld ms; schema version %d)\n",
	       c->cfg->db_path, src, (long long)pages,
	       (long long)(sl_mono_ms() - t0), store_schema_version(c->store));
	if (keep != NULL && access(keep, F_OK) == 0)
		printf("the database it replaced: %s\n", keep);
	r = 0;
done:
	free(keep);
	return r;
}

static int
db_check(struct cli *c)
{
	struct sl_err err;
	json_t *problems, *p;
	size_t i;

	if (cli_open(c, 1, 0) < 0)
		return EXIT_HOME;
	sl_err_clear(&err);
	if ((problems = store_check(c->store, &err)) == NULL) {
		cli_error(err.msg);
		return EXIT_FAILED;
	}
	if (c->json) {
		json_t *o = json_pack("{s:s, s:b, s:O}", "database",
				      c->cfg->db_path, "ok",
				      json_array_size(problems) == 0,
				      "problems", problems);
		cli_print_json(o);
		json_decref(o);
	} else if (json_array_size(problems) == 0) {
		printf("%s: ok (integrity_check, foreign_key_check)\n",
		       c->cfg->db_path);
	} else {
		json_array_foreach(problems, i, p)
			printf("%s: %s\n", c->cfg->db_path, json_string_value(p));
		printf("%s: %zu problem(s); restore a backup (`sluice db restore "
		       "FILE`) or copy what is readable with sqlite3's .recover\n",
		       c->cfg->db_path, json_array_size(problems));
	}
	i = json_array_size(problems);
	json_decref(problems);
	return i == 0 ? 0 : EXIT_FAILED;
}

static int
db_vacuum(struct cli *c, const struct cli_args *a)
{
	struct sl_err err;
	int64_t before, t0;

	if (cli_open(c, 1, 0) < 0)
		return EXIT_HOME;
	if (cli_scheduler_running(c) && !cli_opt_flag(a, "force")) {
		fprintf(stderr, "sluice: a scheduler runs on the database %s: VACUUM "
			"holds the write lock for the whole rewrite and would stall "
			"it; stop it first (or --force)\n", c->cfg->db_path);
		return EXIT_FAILED;
	}
	before = store_file_size(c->store);
	t0 = sl_mono_ms();
	sl_err_clear(&err);
	if (store_vacuum(c->store, &err) < 0) {
		cli_error(err.msg);
		return EXIT_FAILED;
	}
	printf("vacuumed %s: %lld -> %lld bytes (%lld ms)\n", c->cfg->db_path,
	       (long long)before, (long long)store_file_size(c->store),
	       (long long)(sl_mono_ms() - t0));
	return 0;
}

/* --- clean --- */

static int64_t db_clean_files;

static int
db_clean_unlink(const char *path, const struct stat *sb, int flag,
		struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	if (flag == FTW_DP)
		return rmdir(path) < 0 && errno != ENOENT ? -1 : 0;
	if (unlink(path) == 0)
		db_clean_files++;
	return 0;
}

static int
db_clean_count(const char *path, const struct stat *sb, int flag,
	       struct FTW *ftw)
{
	(void)path;
	(void)sb;
	(void)ftw;
	if (flag == FTW_F)
		db_clean_files++;
	return 0;
}

/* LOGS_DIR/DAG/PARTITION-DIR: every try log of one run. Removes it (or,
 * dry_run, counts its files); how many files. */
static int64_t
db_clean_logs(struct cli *c, const char *dag, const char *partition,
	      int dry_run)
{
	char *part = try_partition_dir(partition);
	char *dir = xasprintf("%s/%s/%s", c->cfg->logs_dir, dag, part);
	struct stat sb;

	db_clean_files = 0;
	if (lstat(dir, &sb) == 0 && S_ISDIR(sb.st_mode))
		nftw(dir, dry_run ? db_clean_count : db_clean_unlink, 16,
		     FTW_DEPTH | FTW_PHYS);
	if (!dry_run) {
		/* the DAG's folder goes with its last partition (rmdir
		 * leaves one that still holds others) */
		char *dag_dir = xasprintf("%s/%s", c->cfg->logs_dir, dag);

		rmdir(dag_dir);
		free(dag_dir);
	}
	free(dir);
	free(part);
	return db_clean_files;
}

/* The cutoff of --keep AGE or --before DATE, in epoch seconds. */
static int
db_clean_cutoff(const struct cli_args *a, int64_t *cutoff)
{
	const char *keep = cli_opt_str(a, "keep");
	const char *before = cli_opt_str(a, "before");
	struct sl_err err;
	int64_t ms;

	if ((keep == NULL) == (before == NULL))
		return cli_usage(&cli_db, "clean takes --keep AGE or --before DATE");
	if (keep != NULL) {
		sl_err_clear(&err);
		if (sl_parse_age(keep, &ms, &err) < 0)
			return cli_usage(&cli_db, "--keep: %s", err.msg);
		*cutoff = (sl_now_ms() - ms) / 1000;
		return 0;
	}
	sl_err_clear(&err);
	{
		struct tz *utc = NULL;
		int r;

		if (tz_load("UTC", &utc, &err) < 0) {
			cli_error(err.msg);
			return EXIT_FAILED;
		}
		r = tz_parse_time(utc, before, cutoff, &err);
		tz_free(utc);
		if (r < 0)
			return cli_usage(&cli_db, "--before: %s", err.msg);
	}
	return 0;
}

struct db_clean_totals {
	int64_t runs, tis, tries, files, audit, txs, max_tx_ms;
};

static void
db_clean_print(struct cli *c, const json_t *run, int64_t files, int dry_run)
{
	char when[64], tis[64], tries[64], logs[64];

	if (c->json)
		return;
	printf("%s run %s %s (partition ended %s; %s; %s, %s, %s)\n",
	       dry_run ? "would remove" : "removed",
	       json_string_value(json_object_get(run, "dag_id")),
	       json_string_value(json_object_get(run, "partition")),
	       cli_time(NULL, json_integer_value(json_object_get(run, "end_s")) * 1000,
			when, sizeof when),
	       json_string_value(json_object_get(run, "state")),
	       text_count(json_integer_value(json_object_get(run, "tis")),
			  "task instance", "task instances", tis, sizeof tis),
	       text_count(json_integer_value(json_object_get(run, "tries")),
			  "try", "tries", tries, sizeof tries),
	       text_count(files, "log file", "log files", logs, sizeof logs));
}

static void
db_clean_add(struct db_clean_totals *t, const json_t *run, int64_t files)
{
	t->runs++;
	t->tis += json_integer_value(json_object_get(run, "tis"));
	t->tries += json_integer_value(json_object_get(run, "tries"));
	t->files += files;
}

/* Delete runs[*i...] in one transaction of about DB_CLEAN_TX_MS; then
 * their log folders. -1 on a database error. */
static int
db_clean_batch(struct cli *c, json_t *runs, size_t *i, int64_t cutoff,
	       struct db_clean_totals *t)
{
	size_t first = *i, n = json_array_size(runs);
	char *gone = xcalloc(n, 1);
	int64_t t0, ms;

	if (store_begin(c->store) < 0) {
		free(gone);
		return -1;
	}
	t0 = sl_mono_ms();
	while (*i < n && (*i == first || sl_mono_ms() - t0 < DB_CLEAN_TX_MS)) {
		json_t *run = json_array_get(runs, *i);
		int r = store_clean_run(c->store, json_integer_value(
					json_object_get(run, "id")), cutoff);

		if (r < 0) {
			store_rollback(c->store);
			free(gone);
			return -1;
		}
		gone[*i] = (char)r;
		(*i)++;
	}
	if (store_commit(c->store) < 0) {
		free(gone);
		return -1;
	}
	ms = sl_mono_ms() - t0;
	t->txs++;
	if (ms > t->max_tx_ms)
		t->max_tx_ms = ms;
	for (size_t k = first; k < *i; k++) {
		json_t *run = json_array_get(runs, k);
		int64_t files;

		if (!gone[k])
			continue;
		files = db_clean_logs(c, json_string_value(json_object_get(run, "dag_id")),
				      json_string_value(json_object_get(run, "partition")), 0);
		db_clean_add(t, run, files);
		db_clean_print(c, run, files, 0);
	}
	free(gone);
	return 0;
}

static void
db_clean_pause(void)
{
	struct timespec ts = {0, DB_CLEAN_PAUSE_MS * 1000000L};

	nanosleep(&ts, NULL);
}

/* Before a clean that removes something: say how much and ask on a
 * terminal; without one, refuse unless --yes (as `sluice clear` does).
 * 1: go on; 0: the person said no; else an exit code. */
static int
db_clean_confirm(struct cli *c, const char *dag, int64_t cutoff,
		 int logs_only, int audit)
{
	int64_t runs = 0, rows = 0, after = 0;
	char when[64], nruns[64], nrows[64], what[256], answer[16];

	for (;;) {
		json_t *list = store_clean_runs(c->store, dag, cutoff, after, 500);
		size_t n;

		if (list == NULL) {
			fprintf(stderr, "sluice: cannot read the runs of %s\n",
				c->cfg->db_path);
			return EXIT_FAILED;
		}
		n = json_array_size(list);
		if (n > 0)
			after = json_integer_value(json_object_get(
					json_array_get(list, n - 1), "id"));
		runs += (int64_t)n;
		json_decref(list);
		if (n == 0)
			break;
	}
	if (audit && !logs_only &&
	    (rows = store_clean_audit(c->store, dag, cutoff * 1000, 0, 1)) < 0) {
		fprintf(stderr, "sluice: cannot read the audit log of %s\n",
			c->cfg->db_path);
		return EXIT_FAILED;
	}
	if (runs == 0 && rows == 0)
		return 1;	/* nothing to remove: it says so itself */
	cli_time(NULL, cutoff * 1000, when, sizeof when);
	text_count(runs, "run", "runs", nruns, sizeof nruns);
	if (logs_only)
		snprintf(what, sizeof what, "the log files of %s%s%s ended before %s (the runs stay)",
			 nruns, dag ? " of DAG " : "", dag ? dag : "", when);
	else
		snprintf(what, sizeof what, "%s%s%s ended before %s with their task instances, tries and log files%s%s",
			 nruns, dag ? " of DAG " : "", dag ? dag : "", when,
			 rows > 0 ? ", and " : "",
			 rows > 0 ? text_count(rows, "audit row", "audit rows", nrows, sizeof nrows) : "");
	if (!isatty(STDIN_FILENO)) {
		fprintf(stderr, "sluice: this would remove %s; add --yes to do it, or --dry-run to list them\n",
			what);
		return EXIT_USAGE;
	}
	printf("This removes %s, for good (`sluice db backup FILE` first keeps a copy).\n"
	       "Remove them? [y/N] ", what);
	fflush(stdout);
	if (fgets(answer, sizeof answer, stdin) == NULL ||
	    (answer[0] != 'y' && answer[0] != 'Y')) {
		printf("nothing removed\n");
		return 0;
	}
	return 1;
}

static int
db_clean(struct cli *c, const struct cli_args *a)
{
	const char *dag = cli_opt_str(a, "dag");
	int dry_run = cli_opt_flag(a, "dry-run"), r;
	int logs_only = cli_opt_flag(a, "logs-only");
	struct db_clean_totals t;
	int64_t cutoff, after = 0;
	char when[64];

	/* --logs-only keeps the rows: an --audit beside it was dropped
	 * without a word */
	if (logs_only && cli_opt_flag(a, "audit"))
		return cli_usage(&cli_db, "--audit and --logs-only go apart: --logs-only "
				 "removes log files and keeps every row; clean the audit "
				 "log with its own `db clean --keep AGE --audit`");
	if ((r = db_clean_cutoff(a, &cutoff)) != 0)
		return r;
	if (cli_open(c, 1, 0) < 0)
		return EXIT_HOME;
	/* a misspelt --dag would clean nothing and say "removed 0 runs" as
	 * if the DAG had no old runs; a DAG known to the database (by its
	 * row or its runs, also once its file is gone) can be cleaned */
	if (dag != NULL) {
		struct store_dag_row row;
		int has = store_dag_get(c->store, dag, &row);

		if (has == 0) {
			json_t *last = store_dag_last_runs_json(c->store, dag, 1);

			has = last == NULL ? -1 : json_array_size(last) > 0;
			json_decref(last);
		}
		/* a DAG of the folder the scheduler has not recorded yet:
		 * known, with nothing to remove ("no DAG named" while `dags
		 * list` shows it read as a mistake) */
		if (has == 0 && cli_open(c, 1, 1) == 0 &&
		    dagbag_find_entry(&c->bag, dag) != NULL)
			has = 1;
		if (has < 0) {
			fprintf(stderr, "sluice: cannot read the DAGs of %s\n",
				c->cfg->db_path);
			return EXIT_FAILED;
		}
		if (has == 0) {
			cli_errorf("no DAG named '%s' in the DAG folder or in %s (see `sluice dags list`)",
				dag, c->cfg->db_path);
			return EXIT_USAGE;
		}
	}
	if (!dry_run && !cli_opt_flag(a, "yes")) {
		r = db_clean_confirm(c, dag, cutoff, logs_only, cli_opt_flag(a, "audit"));
		if (r != 1)
			return r;
	}
	memset(&t, 0, sizeof t);
	for (;;) {
		json_t *runs = store_clean_runs(c->store, dag, cutoff, after, 500);
		size_t i = 0, n;

		if (runs == NULL) {
			fprintf(stderr, "sluice: cannot read the runs of %s\n",
				c->cfg->db_path);
			return EXIT_FAILED;
		}
		if ((n = json_array_size(runs)) == 0) {
			json_decref(runs);
			break;
		}
		after = json_integer_value(json_object_get(
				json_array_get(runs, n - 1), "id"));
		while (i < n) {
			if (logs_only) {
				json_t *run = json_array_get(runs, i++);
				int64_t files = db_clean_logs(c,
				    json_string_value(json_object_get(run, "dag_id")),
				    json_string_value(json_object_get(run, "partition")), dry_run);

				if (files > 0) {
					char nlogs[64];

					t.files += files;
					t.runs++;
					if (!c->json)
						printf("%s %s of run %s %s\n",
						       dry_run ? "would remove" : "removed",
						       text_count(files, "log file", "log files",
								  nlogs, sizeof nlogs),
						       json_string_value(json_object_get(run, "dag_id")),
						       json_string_value(json_object_get(run, "partition")));
				}
				continue;
			}
			if (dry_run) {
				json_t *run = json_array_get(runs, i++);
				int64_t files = db_clean_logs(c,
				    json_string_value(json_object_get(run, "dag_id")),
				    json_string_value(json_object_get(run, "partition")), 1);

				db_clean_add(&t, run, files);
				db_clean_print(c, run, files, 1);
				continue;
			}
			if (db_clean_batch(c, runs, &i, cutoff, &t) < 0) {
				char nruns[64];

				fprintf(stderr, "sluice: cleaning %s failed after "
					"%s: %s\n", c->cfg->db_path,
					text_count(t.runs, "run", "runs", nruns, sizeof nruns),
					store_errmsg(c->store));
				json_decref(runs);
				return EXIT_FAILED;
			}
			db_clean_pause();
		}
		json_decref(runs);
	}
	if (logs_only && !c->json) {
		char nlogs[64], nruns[64];

		printf("%s %s of %s older than %s\n",
		       dry_run ? "would remove" : "removed",
		       text_count(t.files, "log file", "log files", nlogs, sizeof nlogs),
		       text_count(t.runs, "run", "runs", nruns, sizeof nruns),
		       cli_time(NULL, cutoff * 1000, when, sizeof when));
		return 0;
	}
	if (cli_opt_flag(a, "audit") && !logs_only) {
		for (;;) {
			int64_t n;

			if (!dry_run && store_begin(c->store) < 0)
				return EXIT_FAILED;
			n = store_clean_audit(c->store, dag, cutoff * 1000, 2000,
					      dry_run);
			if (!dry_run && (n < 0 ? (store_rollback(c->store), 1) :
					 store_commit(c->store) < 0))
				n = -1;
			if (n < 0) {
				fprintf(stderr, "sluice: cleaning the audit log of %s failed: %s\n",
					c->cfg->db_path, store_errmsg(c->store));
				return EXIT_FAILED;
			}
			t.audit += n;
			if (dry_run || n == 0)
				break;
			db_clean_pause();
		}
	}
	cli_time(NULL, cutoff * 1000, when, sizeof when);
	if (c->json) {
		json_t *o = json_pack("{s:s, s:b, s:I, s:I, s:I, s:I, s:I}",
				      "before", when, "dry_run", dry_run,
				      "runs", (json_int_t)t.runs,
				      "task_instances", (json_int_t)t.tis,
				      "tries", (json_int_t)t.tries,
				      "log_files", (json_int_t)t.files,
				      "audit", (json_int_t)t.audit);
		cli_print_json(o);
		json_decref(o);
	} else {
		char nruns[64], ntis[64], ntries[64], nlogs[64], naudit[64];

		printf("%s %s, %s, %s, %s and %s older than %s%s%s",
		       dry_run ? "would remove" : "removed",
		       text_count(t.runs, "run", "runs", nruns, sizeof nruns),
		       text_count(t.tis, "task instance", "task instances", ntis, sizeof ntis),
		       text_count(t.tries, "try", "tries", ntries, sizeof ntries),
		       text_count(t.files, "log file", "log files", nlogs, sizeof nlogs),
		       text_count(t.audit, "audit row", "audit rows", naudit, sizeof naudit),
		       when, dag ? " of DAG " : "", dag ? dag : "");
		if (!dry_run && t.txs > 0) {
			char ntxs[64];

			printf(" (%s, the longest %lld ms)",
			       text_count(t.txs, "transaction", "transactions", ntxs, sizeof ntxs),
			       (long long)t.max_tx_ms);
		}
		printf("\n");
	}
	return 0;
}

/* An unknown db command, with the one meant: a near spelling, or
 * "upgrade" (what other tools call applying migrations). */
static int
db_unknown(const char *sub)
{
	static const char *const subs[] = {
		"migrate", "version", "backup", "restore", "check", "vacuum",
		"clean", NULL,
	};
	static const char *const synonyms[] = { "upgrade", "migrate", NULL };

	return cli_unknown_sub(&cli_db, sub, subs, synonyms);
}

static int
db_run(struct cli *c, const struct cli_args *a)
{
	const char *sub = a->npos > 0 ? a->pos[0] : "";
	int nargs = strcmp(sub, "backup") == 0 || strcmp(sub, "restore") == 0 ? 2 : 1;

	if (a->npos != nargs) {
		if (strcmp(sub, "backup") == 0)
			return cli_usage(&cli_db, "backup takes the FILE to write");
		if (strcmp(sub, "restore") == 0)
			return cli_usage(&cli_db, "restore takes the backup FILE to read");
		if (a->npos > 1)
			return cli_usage(&cli_db, "unexpected argument '%s'", a->pos[1]);
		return cli_usage(&cli_db, "migrate, version, backup, restore, check, vacuum or clean?");
	}
	if (strcmp(sub, "clean") != 0 &&
	    (cli_opt_str(a, "keep") || cli_opt_str(a, "before") ||
	     cli_opt_str(a, "dag") || cli_opt_flag(a, "dry-run") ||
	     cli_opt_flag(a, "audit") || cli_opt_flag(a, "logs-only") ||
	     cli_opt_flag(a, "yes")))
		return cli_usage(&cli_db, "--keep, --before, --dag, --dry-run, --audit, --logs-only and --yes are clean's");
	if (strcmp(sub, "migrate") == 0) {
		/* migrate makes the database of a new home */
		if (cli_open(c, 0, 0) < 0)
			return EXIT_HOME;
		return db_migrate(c);
	}
	if (strcmp(sub, "version") == 0)
		return db_version(c);
	if (strcmp(sub, "backup") == 0)
		return db_backup(c, a);
	if (strcmp(sub, "restore") == 0)
		return db_restore(c, a);
	if (strcmp(sub, "check") == 0)
		return db_check(c);
	if (strcmp(sub, "vacuum") == 0)
		return db_vacuum(c, a);
	if (strcmp(sub, "clean") == 0)
		return db_clean(c, a);
	return db_unknown(sub);
}

const struct cli_verb cli_db = {
	"db", "the database: migrations, backup, restore, checks, vacuum, clean",
	"migrate\n"
	"version\n"
	"backup FILE [--force]\n"
	"restore FILE [--force]\n"
	"check\n"
	"vacuum [--force]\n"
	"clean --keep AGE | --before DATE [--dag DAG] [--dry-run | --yes] [--audit | --logs-only]",
	"migrate, version: migrations (migrations/NNNN_name.sql, compiled in) are\n"
	"applied in order, each in its own transaction, and recorded in\n"
	"schema_migrations. Every sluice command but version and backup applies\n"
	"pending ones on start; a database newer than this binary is refused.\n"
	"migrate creates the database where there is none yet. version only\n"
	"reads: it says how many migrations are pending (before an upgrade's\n"
	"first start, take a `db backup`: an older sluice refuses the migrated\n"
	"database).\n"
	"\n"
	"backup FILE: a consistent copy of the live database (SQLite's online\n"
	"backup), as it was when the backup began; a running scheduler goes on\n"
	"meanwhile. FILE appears only when the copy is whole. The copy keeps\n"
	"the database's schema version (backup migrates nothing).\n"
	"\n"
	"restore FILE: the home's database becomes the backup FILE (checked\n"
	"first: whole, a sluice database, not newer than this sluice; an older\n"
	"one is migrated). Stop the scheduler first: restore refuses while one\n"
	"runs. The database it replaces is kept as sluice.db.replaced-TIME\n"
	"(--force: not kept). The copy goes through SQLite, so a running web\n"
	"sees the old database or the new one; copying a file over sluice.db\n"
	"instead would let a leftover sluice.db-wal corrupt it.\n"
	"\n"
	"check: PRAGMA integrity_check and foreign_key_check, and references the\n"
	"schema does not declare; prints each problem; exit 1 if there is any.\n"
	"\n"
	"vacuum: rewrites the database to its smallest size (after a clean). It\n"
	"holds the write lock throughout, so it refuses while a scheduler runs.\n"
	"\n"
	"clean: removes old runs with their task instances, tries, state changes,\n"
	"the ended webhook and email deliveries of their partitions (`sluice\n"
	"webhooks`) and log files (LOGS/DAG/PARTITION/). A run is old when its\n"
	"partition ended before the cutoff and it last ran before the cutoff too\n"
	"(a run re-run yesterday for an old partition is kept); queued and\n"
	"running runs are never removed. Audit rows are kept unless --audit. The\n"
	"deletes are made in transactions of about 20 ms each, so a running\n"
	"scheduler is not stalled. It prints each run removed and the totals.\n"
	"--logs-only removes only the old runs' log folders and keeps their rows.\n"
	"It first says how many runs it would remove and asks; without a terminal\n"
	"(cron, a script) it refuses unless --yes.\n"
	"\n"
	"retention: {runs: AGE, logs: AGE} in sluice.yaml makes the scheduler run\n"
	"`db clean --keep AGE` (and `--logs-only --keep AGE`, the two by turns\n"
	"when both are set) ten seconds after it starts and hourly, as a child\n"
	"process logging to LOGS/retention.log.\n",
	db_opts,
	db_run,
};
