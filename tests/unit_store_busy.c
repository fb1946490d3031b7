/*
 * unit_store_busy.c: store_busy() and store_errmsg() after a commit that
 * failed. The store's commit rolls back what failed, and the ROLLBACK
 * resets the connection's error code and message: both must still say the
 * failure (a lock: busy, so the scheduler waits and the web answers 503;
 * a full disk: not busy, said with SQLite's message). A file layer
 * wrapped around SQLite's own (a VFS) makes the write of the commit to
 * the WAL fail with the code a test chooses.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "base/util.h"
#include "store/store.h"
#include "tests/unit.h"

/* --- a VFS that passes everything to the default one, but can fail the
 * writes to a WAL file --- */

static sqlite3_vfs *real_vfs;
static int wal_write_fails;	/* the code a WAL write returns; 0: none */

struct wfile {
	sqlite3_file base;	/* first: SQLite sees this */
	int wal;
	sqlite3_file real[];	/* real_vfs->szOsFile bytes */
};

#define REAL(f) (((struct wfile *)(f))->real)

static int w_close(sqlite3_file *f) { return REAL(f)->pMethods->xClose(REAL(f)); }
static int
w_read(sqlite3_file *f, void *p, int n, sqlite3_int64 off)
{
	return REAL(f)->pMethods->xRead(REAL(f), p, n, off);
}
static int
w_write(sqlite3_file *f, const void *p, int n, sqlite3_int64 off)
{
	if (((struct wfile *)f)->wal && wal_write_fails != 0)
		return wal_write_fails;
	return REAL(f)->pMethods->xWrite(REAL(f), p, n, off);
}
static int w_truncate(sqlite3_file *f, sqlite3_int64 n) { return REAL(f)->pMethods->xTruncate(REAL(f), n); }
static int w_sync(sqlite3_file *f, int fl) { return REAL(f)->pMethods->xSync(REAL(f), fl); }
static int w_size(sqlite3_file *f, sqlite3_int64 *n) { return REAL(f)->pMethods->xFileSize(REAL(f), n); }
static int w_lock(sqlite3_file *f, int l) { return REAL(f)->pMethods->xLock(REAL(f), l); }
static int w_unlock(sqlite3_file *f, int l) { return REAL(f)->pMethods->xUnlock(REAL(f), l); }
static int w_check(sqlite3_file *f, int *out) { return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out); }
static int w_fcntl(sqlite3_file *f, int op, void *a) { return REAL(f)->pMethods->xFileControl(REAL(f), op, a); }
static int w_sector(sqlite3_file *f) { return REAL(f)->pMethods->xSectorSize(REAL(f)); }
static int w_chars(sqlite3_file *f) { return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f)); }
static int
w_shm_map(sqlite3_file *f, int pg, int sz, int ext, void volatile **pp)
{
	return REAL(f)->pMethods->xShmMap(REAL(f), pg, sz, ext, pp);
}
static int w_shm_lock(sqlite3_file *f, int off, int n, int fl) { return REAL(f)->pMethods->xShmLock(REAL(f), off, n, fl); }
static void w_shm_barrier(sqlite3_file *f) { REAL(f)->pMethods->xShmBarrier(REAL(f)); }
static int w_shm_unmap(sqlite3_file *f, int del) { return REAL(f)->pMethods->xShmUnmap(REAL(f), del); }

static const sqlite3_io_methods w_methods = {
	2, w_close, w_read, w_write, w_truncate, w_sync, w_size, w_lock,
	w_unlock, w_check, w_fcntl, w_sector, w_chars, w_shm_map, w_shm_lock,
	w_shm_barrier, w_shm_unmap, NULL, NULL,
};

static int
w_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags,
       int *out_flags)
{
	struct wfile *w = (struct wfile *)f;
	int rc;

	(void)vfs;
	memset(w, 0, sizeof *w);
	rc = real_vfs->xOpen(real_vfs, name, w->real, flags, out_flags);
	if (rc != SQLITE_OK)
		return rc;
	w->wal = (flags & SQLITE_OPEN_WAL) != 0;
	w->base.pMethods = &w_methods;
	return SQLITE_OK;
}

static int w_delete(sqlite3_vfs *v, const char *n, int sync) { (void)v; return real_vfs->xDelete(real_vfs, n, sync); }
static int w_access(sqlite3_vfs *v, const char *n, int fl, int *out) { (void)v; return real_vfs->xAccess(real_vfs, n, fl, out); }
static int w_full(sqlite3_vfs *v, const char *n, int len, char *out) { (void)v; return real_vfs->xFullPathname(real_vfs, n, len, out); }
static int w_random(sqlite3_vfs *v, int n, char *out) { (void)v; return real_vfs->xRandomness(real_vfs, n, out); }
static int w_sleep(sqlite3_vfs *v, int us) { (void)v; return real_vfs->xSleep(real_vfs, us); }
static int w_time(sqlite3_vfs *v, double *out) { (void)v; return real_vfs->xCurrentTime(real_vfs, out); }
static int w_lasterr(sqlite3_vfs *v, int n, char *out) { (void)v; return real_vfs->xGetLastError(real_vfs, n, out); }

static sqlite3_vfs w_vfs = {
	1, 0, 0, NULL, "unit_store_busy", NULL, w_open, w_delete, w_access,
	w_full, NULL, NULL, NULL, NULL, w_random, w_sleep, w_time, w_lasterr,
	NULL, NULL, NULL, NULL,
};

/* --- the cases --- */

/* A store on a new database in a temporary folder (dir: its name). */
static struct store *
open_store(char *dir)
{
	char path[256];
	struct store *s = NULL;
	struct sl_err err;

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		exit(99);
	}
	snprintf(path, sizeof path, "%s/sluice.db", dir);
	sl_err_clear(&err);
	if (store_open(path, &s, &err) < 0) {
		fprintf(stderr, "store_open: %s\n", err.msg);
		exit(99);
	}
	return s;
}

static void
remove_dir(const char *dir)
{
	static const char *const names[] = { "sluice.db", "sluice.db-wal",
					     "sluice.db-shm" };
	char path[256];

	for (size_t i = 0; i < SL_ARRAY_LEN(names); i++) {
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
}

/* One write in a transaction whose commit meets code; returns what
 * store_commit did. */
static int
commit_meeting(struct store *s, int code)
{
	int rc;

	CHECK_EQ_INT(0, store_begin(s));
	CHECK_EQ_INT(0, store_audit(s, "unit", "test", NULL, NULL));
	wal_write_fails = code;
	rc = store_commit(s);
	wal_write_fails = 0;
	return rc;
}

/* A lock met by the commit: busy, after the rollback too. Before, the
 * rollback's success was read: not busy, and the scheduler said at once
 * what it says of a lock only once it lasts. */
static void
test_commit_busy(void)
{
	char dir[] = "/tmp/unit_store_busy.XXXXXX";
	struct store *s = open_store(dir);

	CHECK_EQ_INT(-1, commit_meeting(s, SQLITE_BUSY));
	CHECK_EQ_INT(1, store_busy(s));
	CHECK_MSG(strstr(store_errmsg(s), "locked") != NULL, "%s", store_errmsg(s));
	/* and the store works again */
	CHECK_EQ_INT(0, commit_meeting(s, 0));
	store_close(s);
	remove_dir(dir);
}

/* A full disk: not busy, said as SQLite says it; a lock noted before it
 * in another transaction does not make it look busy. */
static void
test_commit_full(void)
{
	char dir[] = "/tmp/unit_store_busy.XXXXXX";
	struct store *s = open_store(dir);

	CHECK_EQ_INT(-1, commit_meeting(s, SQLITE_BUSY));
	CHECK_EQ_INT(-1, commit_meeting(s, SQLITE_FULL));
	CHECK_EQ_INT(0, store_busy(s));
	CHECK_MSG(strstr(store_errmsg(s), "full") != NULL, "%s", store_errmsg(s));
	store_close(s);
	remove_dir(dir);
}

int
main(void)
{
	real_vfs = sqlite3_vfs_find(NULL);
	w_vfs.szOsFile = (int)sizeof(struct wfile) + real_vfs->szOsFile;
	w_vfs.mxPathname = real_vfs->mxPathname;
	if (sqlite3_vfs_register(&w_vfs, 1) != SQLITE_OK) {
		fprintf(stderr, "cannot register the test VFS\n");
		return 99;
	}
	RUN(test_commit_busy);
	RUN(test_commit_full);
	return UNIT_END();
}
