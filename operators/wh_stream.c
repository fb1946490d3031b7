/* wh_stream.c: a partition's objects read one after another, inflated if
 * gzip'd, decoded as CSV or JSON lines, and handed to a backend, with
 * progress (objects, rows, bytes) in the task's log. */
#include "operators/wh.h"

#include <stdlib.h>
#include <string.h>

/* A progress line at least this often during a long object. */
#define STREAM_PROGRESS_MS 10000

struct stream {
	const struct wh_load *load;
	struct wh_gunzip *gz;
	struct wh_csv *csv;
	struct wh_jsonl *jsonl;
	struct wh_stream_stats *stats;
	int gzipped;		/* the current object */
	FILE *out;
	int64_t started_ms;
	int64_t progress_ms;	/* when progress was last printed */
};

const char *
wh_stream_size(uint64_t bytes, char *out, size_t n)
{
	if (bytes < 1024)
		snprintf(out, n, "%llu B", (unsigned long long)bytes);
	else if (bytes < 1024 * 1024)
		snprintf(out, n, "%.1f KB", (double)bytes / 1024);
	else if (bytes < 1024ull * 1024 * 1024)
		snprintf(out, n, "%.1f MB", (double)bytes / (1024 * 1024));
	else
		snprintf(out, n, "%.2f GB",
			 (double)bytes / (1024.0 * 1024 * 1024));
	return out;
}

static uint64_t
stream_rows(const struct stream *s)
{
	return s->csv != NULL ? wh_csv_records(s->csv) :
	       wh_jsonl_rows(s->jsonl);
}

/* Decoded bytes of the current object, to the CSV or JSON reader. */
static int
stream_decoded(void *arg, const void *data, size_t len, struct sl_err *err)
{
	struct stream *s = arg;

	s->stats->decoded += len;
	if (s->csv != NULL)
		return wh_csv_write(s->csv, data, len, err);
	return wh_jsonl_write(s->jsonl, data, len, err);
}

/* Bytes as the source delivers them. */
static int
stream_raw(void *arg, const void *data, size_t len, struct sl_err *err)
{
	struct stream *s = arg;
	int64_t now;

	s->stats->bytes += len;
	now = sl_mono_ms();
	if (now - s->progress_ms >= STREAM_PROGRESS_MS) {
		char size[32];

		s->progress_ms = now;
		fprintf(s->out, "progress: %llu rows, %s read, %.1fs\n",
			(unsigned long long)stream_rows(s),
			wh_stream_size(s->stats->bytes, size, sizeof size),
			(double)(now - s->started_ms) / 1000);
		fflush(s->out);
	}
	if (s->gzipped)
		return wh_gunzip_write(s->gz, data, len, err);
	return stream_decoded(s, data, len, err);
}

int
wh_stream_run(const struct wh_load *load, struct wh_source *src,
	      const struct wh_objects *objs,
	      const struct wh_stream_sink *sink, FILE *out,
	      struct wh_stream_stats *stats, struct sl_err *err)
{
	struct stream s;
	int r = -1;

	memset(&s, 0, sizeof s);
	memset(stats, 0, sizeof *stats);
	s.load = load;
	s.stats = stats;
	s.out = out;
	s.started_ms = s.progress_ms = sl_mono_ms();
	s.gz = wh_gunzip_new(stream_decoded, &s);
	if (load->format == WH_FORMAT_JSON)
		s.jsonl = wh_jsonl_new(sink->json_row, sink->arg);
	else
		s.csv = wh_csv_new(load->delimiter, load->header_lines,
				   sink->csv_bytes, sink->csv_record,
				   sink->arg);

	for (size_t i = 0; i < objs->n; i++) {
		const char *url = objs->v[i].url;
		uint64_t rows0 = stream_rows(&s), bytes0 = stats->bytes;
		char size[32];
		int ok;

		s.gzipped = wh_load_gzipped(load, url);
		ok = wh_source_get(src, url, stream_raw, &s, err) == 0 &&
		     (!s.gzipped || wh_gunzip_finish(s.gz, err) == 0) &&
		     (s.csv != NULL ? wh_csv_finish(s.csv, err) :
				      wh_jsonl_finish(s.jsonl, err)) == 0;
		if (!ok) {
			char msg[SL_ERR_MSG];

			snprintf(msg, sizeof msg, "%s", err->msg);
			sl_err_set(err, "%s: %s", url, msg);
			goto out;
		}
		stats->objects++;
		fprintf(out, "object %zu/%zu %s: %llu row%s, %s%s\n", i + 1,
			objs->n, url,
			(unsigned long long)(stream_rows(&s) - rows0),
			stream_rows(&s) - rows0 == 1 ? "" : "s",
			wh_stream_size(stats->bytes - bytes0, size,
				       sizeof size),
			s.gzipped ? " gzip'd" : "");
		fflush(out);
	}
	r = 0;
out:
	stats->rows = stream_rows(&s);
	wh_gunzip_free(s.gz);
	wh_csv_free(s.csv);
	wh_jsonl_free(s.jsonl);
	return r;
}

void
wh_stream_report(FILE *out, const struct wh_stream_stats *stats,
		 const struct wh_load *load, int64_t t0)
{
	char size[32];

	fprintf(out, "loaded %zu object%s, %llu rows, %s into %s (%s) in %.2fs\n",
		stats->objects, stats->objects == 1 ? "" : "s",
		(unsigned long long)stats->rows,
		wh_stream_size(stats->bytes, size, sizeof size),
		load->table, wh_mode_name(load->mode),
		(double)(sl_mono_ms() - t0) / 1000);
}
