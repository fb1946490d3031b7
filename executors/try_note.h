/*
 * try_note.h: sluice's own lines in a try's log (the scheduler's notes,
 * an executor's header, waits and kills), in one form, so that whoever
 * reads the log (try_reason.c, which quotes the task's last line as the
 * try's error) tells them from the task's output: "[TIME sluice] text",
 * TIME the UTC time as 2026-12-07T16:50:00+00:00.
 */
#ifndef SLUICE_TRY_NOTE_H
#define SLUICE_TRY_NOTE_H

#include <stddef.h>
#include <stdint.h>

/* The prefix of a note written at now_ms (ms since 1970) into out (size
 * n, 64 is enough): "[TIME sluice] "; returns out. */
char *try_note_prefix(int64_t now_ms, char *out, size_t n);
/* Is line (n bytes, without its newline) a note? */
int try_note_is(const char *line, size_t n);

#endif
