/*
 * local_spare.h: spent status files kept for the next tries (the local
 * executor's status folder). A try's status file is made when the try
 * starts and is spent once the scheduler has committed its end (it says
 * so through the executor's recorded(); for a caller that never says
 * it, status_until_recorded unset, 30 s after the end was reported);
 * making a file
 * and removing one are what cost most in that folder (an inode found and
 * later freed each time; on ext4 without a journal every new file is
 * looked for past all inodes freed in the last minutes, so the cost of
 * a try grew with the files removed before it). A removed status file is
 * instead renamed to a spare (`.spare-PID-N` in the same folder, hidden:
 * no try's status); a starting try renames a spare to its own
 * `KEY.status.tmp` and zeroes it. At most LOCAL_SPARES_MAX spares exist;
 * the rest are removed as before. When the executor stops, its spares
 * are removed with the status files it no longer needs (a next executor
 * makes its first files anew, so a full disk is still reported before a
 * try starts); those of a killed scheduler are taken by the next one.
 * Thread-safe: kept from the loop, taken by the starter thread.
 */
#ifndef SLUICE_LOCAL_SPARE_H
#define SLUICE_LOCAL_SPARE_H

/* Spares kept at most (one file of one block each). */
#define LOCAL_SPARES_MAX 10000

struct local_spares;

/* The pool of folder DIR, with the spares a previous executor left
 * there. Never NULL. */
struct local_spares *local_spares_open(const char *dir);

/* A try's status file (PATH, and PATH.tmp if the try never ended) is no
 * longer needed: keep PATH as a spare, else remove both. */
void local_spares_keep(struct local_spares *sp, const char *path);

/*
 * A spare, renamed to TMP and holding 4096 zero bytes (as the status file
 * a starting try gets: room for its final record already on disk), open
 * for writing (close-on-exec); -1 when there is none (the caller makes a
 * new file).
 */
int local_spares_take(struct local_spares *sp, const char *tmp);

/* Remove the spares and free the pool (NULL: nothing). */
void local_spares_close(struct local_spares *sp);

#endif
