/*
 * try.h: the try model: everything that names or builds one try of a task
 * instance, in one place for the scheduler, `sluice test`, `sluice logs`,
 * the web and the email notifier.
 *
 * On-disk layout of logs: LOGS_DIR/DAG/PARTITION-DIR/TASK/try-N.log, where
 * PARTITION-DIR encodes the partition key injectively (no two keys share a
 * folder): '%', '/', '\\' and control characters become %XX, and a leading
 * '.' becomes %2E (so "." and ".." are never path steps). Keys made of
 * letters, digits and "-:+_T." (every scheduled key) are kept as they are.
 */
#ifndef SLUICE_TRY_H
#define SLUICE_TRY_H

/* The folder name of a partition key (caller frees). */
char *try_partition_dir(const char *partition);
/* LOGS_DIR/DAG/PARTITION-DIR/TASK (caller frees). */
char *try_log_dir(const char *logs_dir, const char *dag, const char *partition,
		  const char *task);
/* LOGS_DIR/DAG/PARTITION-DIR/TASK/try-N.log (caller frees). */
char *try_log_path(const char *logs_dir, const char *dag,
		   const char *partition, const char *task, int try_number);

#endif
