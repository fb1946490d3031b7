/* unit_aws_parse: the AWS client's parsers, table-driven: s3:// URLs, XML
 * answers (namespaces dropped, errors found, bad XML refused), the
 * task types' load-time checks, and where a Slurm job's output is. */
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

#include "operators/aws_s3.h"
#include "operators/aws_xml.h"
#include "operators/cluster_job.h"
#include "operators/operator.h"
#include "tests/unit.h"

static void
test_s3_url(void)
{
	static const struct { const char *url; int ok; const char *b, *k; } t[] = {
		{ "s3://bucket/key/part.csv", 0, "bucket", "key/part.csv" },
		{ "s3://bucket/", 0, "bucket", "" },
		{ "s3://bucket", 0, "bucket", "" },
		{ "s3://b/a b+c", 0, "b", "a b+c" },
		{ "s3:///key", -1, NULL, NULL },
		{ "s3://", -1, NULL, NULL },
		{ "http://bucket/key", -1, NULL, NULL },
		{ "file:///x", -1, NULL, NULL },
	};

	for (size_t i = 0; i < SL_ARRAY_LEN(t); i++) {
		char *b, *k;
		struct sl_err err;
		int rc = s3_url_parse(t[i].url, &b, &k, &err);

		CHECK_MSG(rc == t[i].ok, "%s: rc %d", t[i].url, rc);
		if (rc == 0 && t[i].ok == 0)
			CHECK_MSG(strcmp(b, t[i].b) == 0 && strcmp(k, t[i].k) == 0,
			      "%s: '%s' '%s'", t[i].url, b, k);
		free(b);
		free(k);
	}
}

struct collect {
	char out[2048];
};

static int
collect_cb(void *arg, const char *path, const char *text)
{
	struct collect *c = arg;
	size_t n = strlen(c->out);

	if (*text)
		snprintf(c->out + n, sizeof c->out - n, "%s=%s;", path, text);
	return 0;
}

static void
test_xml(void)
{
	static const struct { const char *xml; const char *want; } t[] = {
		/* AWS's namespace and s3rver's differ: names are what count */
		{ "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
		  "<Contents><Key>a/b.csv</Key><Size>12</Size></Contents>"
		  "<IsTruncated>false</IsTruncated></ListBucketResult>",
		  "ListBucketResult/Contents/Key=a/b.csv;ListBucketResult/Contents/Size=12;"
		  "ListBucketResult/IsTruncated=false;" },
		{ "<?xml version=\"1.0\"?><s3:Error xmlns:s3=\"urn:x\"><s3:Code>NoSuchKey</s3:Code></s3:Error>",
		  "Error/Code=NoSuchKey;" },
		{ "<a><b>x &amp; y</b><c><![CDATA[<z>]]></c></a>", "a/b=x & y;a/c=<z>;" },
	};

	for (size_t i = 0; i < SL_ARRAY_LEN(t); i++) {
		struct collect c = { "" };
		struct sl_err err;

		CHECK_MSG(aws_xml_parse(t[i].xml, strlen(t[i].xml), collect_cb, &c,
				    &err) == 0, "parse %zu: %s", i, err.msg);
		CHECK_MSG(strcmp(c.out, t[i].want) == 0, "xml %zu: %s", i, c.out);
	}
	{
		const char *sts = "<ErrorResponse><Error><Type>Sender</Type>"
				  "<Code>AccessDenied</Code><Message>no</Message>"
				  "</Error></ErrorResponse>";
		char *code = aws_xml_find(sts, strlen(sts), "Error/Code");
		char *none = aws_xml_find(sts, strlen(sts), "Error/Nope");

		CHECK_MSG(code && strcmp(code, "AccessDenied") == 0, "find: %s", code);
		CHECK_MSG(none == NULL, "find missing");
		free(code);
	}
	{
		static const char *const bad[] = { "<a><b></a>", "", "<a>",
			"not xml" };

		for (size_t i = 0; i < SL_ARRAY_LEN(bad); i++) {
			struct collect c = { "" };
			struct sl_err err;

			CHECK_MSG(aws_xml_parse(bad[i], strlen(bad[i]), collect_cb,
					    &c, &err) < 0, "bad xml '%s' accepted",
			      bad[i]);
		}
	}
	{
		/* nesting past the limit is refused, not followed */
		struct buf deep;
		struct collect c = { "" };
		struct sl_err err;

		buf_init(&deep, 0);
		for (int i = 0; i < 40; i++)
			buf_adds(&deep, "<d>");
		for (int i = 0; i < 40; i++)
			buf_adds(&deep, "</d>");
		CHECK_MSG(aws_xml_parse(deep.data, deep.len, collect_cb, &c, &err) < 0,
		      "deep XML accepted");
		buf_free(&deep);
	}
}

static void
test_validate(void)
{
	static const struct { const char *type, *options, *bad_key, *msg; } t[] = {
		{ "s3_sensor", "{\"url\":\"s3://b/p/\",\"min_objects\":3}", NULL, NULL },
		{ "s3_sensor", "{\"url\":\"file://lake/x/\"}", NULL, NULL },
		{ "s3_sensor", "{\"url\":\"gs://b/k\"}", "url", "must start with s3://" },
		{ "s3_sensor", "{\"url\":\"s3:///k\"}", "url", "no bucket" },
		{ "s3_sensor", "{\"url\":\"s3://b/k\",\"min_objects\":2}", "min_objects", "prefix" },
		{ "s3_sensor", "{\"url\":\"s3://b/p/\",\"min_objects\":0}", "min_objects", "at least 1" },
		{ "crawler", "{\"name\":\"c\"}", NULL, NULL },
		{ "crawler", "{\"url\":\"s3://b/p/\"}", NULL, NULL },
		{ "crawler", "{\"backend\":\"glue\"}", "name", "needs the crawler's name" },
		{ "crawler", "{\"backend\":\"athena\",\"url\":\"s3://b/\"}", "backend", "unknown backend" },
		{ "crawler", "{\"backend\":\"builtin\"}", "url", "needs url" },
		{ "cluster_job", "{\"backend\":\"emr\",\"cluster_id\":\"j-1\",\"spark_submit\":[\"a.py\"]}", NULL, NULL },
		{ "cluster_job", "{\"backend\":\"emr\",\"spark_submit\":[\"a.py\"]}", "cluster_id", "cluster_id" },
		{ "cluster_job", "{\"backend\":\"emr\",\"cluster_id\":\"j\",\"jar\":\"x\",\"spark_submit\":[]}", "spark_submit", "exactly one" },
		{ "cluster_job", "{\"backend\":\"slurm\",\"command\":\"x\"}", NULL, NULL },
		{ "cluster_job", "{\"backend\":\"slurm\"}", "script", "exactly one" },
		{ "cluster_job", "{\"backend\":\"command\",\"submit\":\"s\",\"status\":\"t\"}", "cancel", "needs cancel" },
		{ "cluster_job", "{}", "backend", "required" },
	};

	for (size_t i = 0; i < SL_ARRAY_LEN(t); i++) {
		const struct operator *op = operator_find(t[i].type);
		json_t *o = json_loads(t[i].options, 0, NULL);
		char bad[SL_ERR_PATH];
		struct sl_err err;
		int rc;

		CHECK_MSG(op != NULL && o != NULL, "case %zu", i);
		if (op == NULL || o == NULL)
			continue;
		err.msg[0] = '\0';
		rc = op_check_first(op, o, bad, sizeof bad, &err);
		if (t[i].msg == NULL) {
			CHECK_MSG(rc == 0, "%s %s: %s", t[i].type, t[i].options, err.msg);
		} else {
			CHECK_MSG(rc < 0 && strstr(err.msg, t[i].msg) != NULL,
			      "%s %s: '%s'", t[i].type, t[i].options, err.msg);
			CHECK_MSG(strcmp(bad, t[i].bad_key) == 0,
			      "%s %s: bad key %s", t[i].type, t[i].options,
			      bad[0] != '\0' ? bad : "(none)");
		}
		json_decref(o);
	}
}

/* A check lists every error ("path: msg; ..."); a key the loader
 * already reported (in_error) is not also called missing. */
static void
test_check_all(void)
{
	static const struct {
		const char *type, *options, *in_error, *want;
	} t[] = {
		{ "cluster_job", "{\"backend\":\"command\"}", "{}",
		  "submit: backend command needs submit; "
		  "status: backend command needs status; "
		  "cancel: backend command needs cancel; " },
		{ "cluster_job", "{\"backend\":\"command\",\"submit\":\"s\"}",
		  "{\"status\":true}",
		  "cancel: backend command needs cancel; " },
		{ "cluster_job", "{}", "{\"backend\":true}", "" },
		{ "cluster_job", "{\"backend\":\"emr\"}", "{}",
		  "cluster_id: backend emr needs exactly one of cluster_id, "
		  "cluster_from or create_cluster; "
		  "spark_submit: backend emr needs exactly one of spark_submit "
		  "or jar; " },
		{ "crawler", "{\"backend\":\"glue\",\"url\":\"s3://b/\"}", "{}",
		  "name: backend glue needs the crawler's name; "
		  "url: url is for backend builtin; a Glue crawler has its own "
		  "targets; " },
		{ "crawler", "{\"url\":\"s3://b/\"}", "{\"name\":true}",
		  "url: url is for backend builtin; a Glue crawler has its own "
		  "targets; " },
		{ "athena_query", "{\"query\":\" \",\"output_location\":\"x/\"}",
		  "{}", "query: query is empty; "
		  "output_location: output_location must be an s3:// URL; " },
		{ "athena_query", "{}", "{\"query\":true}", "" },
		{ "s3_sensor", "{\"url\":\"gs://b/k\",\"min_size\":-1}", "{}",
		  "url: url must start with s3:// or file://; "
		  "min_size: min_size must not be negative; " },
	};

	for (size_t i = 0; i < SL_ARRAY_LEN(t); i++) {
		const struct operator *op = operator_find(t[i].type);
		json_t *o = json_loads(t[i].options, 0, NULL);
		json_t *bad = json_loads(t[i].in_error, 0, NULL);
		struct op_check c;
		char got[2048];
		size_t off = 0;

		CHECK_MSG(op != NULL && op->check != NULL && o != NULL &&
			  bad != NULL, "case %zu", i);
		if (op == NULL || op->check == NULL || o == NULL || bad == NULL)
			continue;
		got[0] = '\0';
		op_check_init(&c, o, bad);
		op->check(&c);
		for (size_t k = 0; k < c.n && off < sizeof got; k++)
			off += (size_t)snprintf(got + off, sizeof got - off,
						"%s: %s; ", c.errs[k].path,
						c.errs[k].msg);
		op_check_free(&c);
		CHECK_EQ_STR(t[i].want, got);
		json_decref(o);
		json_decref(bad);
	}
}

/* A Slurm job's output file: the last --output/-o and --chdir/-D of
 * sbatch's arguments (every form), scontrol's StdOut first when known,
 * Slurm's patterns expanded as far as they can be known. */
static void
test_slurm_out(void)
{
	static const struct {
		const char *args;	/* sbatch's, split at ' ' */
		const char *reported;
		const char *want;
	} t[] = {
		{ "--output=sluice-d-t-%j.out --wrap=x", NULL,
		  "/home/u/sluice-d-t-42.out" },
		{ "--output=sluice-d-t-%j.out --output=/x/custom-%j.log --wrap=x",
		  NULL, "/x/custom-42.log" },
		{ "--output=a-%j.out -o /x/b-%j.log", NULL, "/x/b-42.log" },
		{ "--output=a-%j.out -o/x/c-%j.log", NULL, "/x/c-42.log" },
		{ "--output=a-%j.out --output /x/d.log", NULL, "/x/d.log" },
		{ "--job-name=sluice-d-t --output=/x/%x-%j.log", NULL,
		  "/x/sluice-d-t-42.log" },
		{ "-J first --job-name=second --output=/x/%x.log", NULL,
		  "/x/second.log" },
		{ "--output=o-%j.out --chdir=/x", NULL, "/x/o-42.out" },
		{ "--output=o-%j.out -D rel", NULL, "/home/u/rel/o-42.out" },
		{ "--output=o-%j.out --chdir=/x -D /y", NULL, "/y/o-42.out" },
		{ "--output=/abs/o.out --chdir=/x", NULL, "/abs/o.out" },
		{ "--output=/x/%u-%5j-%A-%a-%%-%N.out", NULL,
		  "/x/u-00042-42-4294967294-%-%N.out" },
		{ "--array=1-3 --output=/x/%A_%a.out", NULL, "/x/42_%a.out" },
		{ "--wrap=x", NULL, "/home/u/slurm-42.out" },
		/* Slurm's own answer wins (a script's #SBATCH --output),
		 * its leftovers expanded */
		{ "--output=a-%j.out", "/s/from-script-%%-%3j.log",
		  "/s/from-script-%-042.log" },
	};

	for (size_t i = 0; i < SL_ARRAY_LEN(t); i++) {
		char *copy = xstrdup(t[i].args), *argv[16], *save = NULL;
		size_t n = 0;
		char *got;

		argv[n++] = "sbatch";
		for (char *w = strtok_r(copy, " ", &save); w != NULL && n < 15;
		     w = strtok_r(NULL, " ", &save))
			argv[n++] = w;
		argv[n] = NULL;
		got = cluster_job_slurm_out(argv, t[i].reported, "42", "u",
					    "/home/u");
		CHECK_MSG(strcmp(got, t[i].want) == 0, "%s: got %s, want %s",
			  t[i].args, got, t[i].want);
		free(got);
		free(copy);
	}
}

/* A batch script's own #SBATCH --output: found in its directive block
 * (so sluice passes no default over it), not after its first command. */
static void
test_slurm_script_output(void)
{
	static const struct {
		const char *script, *want;
	} t[] = {
		{ "#!/bin/bash\n#SBATCH --output=/o/%j.log\necho\n", "/o/%j.log" },
		{ "#!/bin/sh\n\n# note\n#SBATCH -o /o/a b\n", "/o/a" },
		{ "#SBATCH -o'/o/q x.log' # why\n", "/o/q x.log" },
		{ "#SBATCH --ntasks=1 --output \"/o/2.log\"\n"
		  "#SBATCH --output=/o/last.log\n", "/o/last.log" },
		{ "#!/bin/bash\necho hi\n#SBATCH --output=/o/late.log\n", NULL },
		{ "#SBATCH --error=/o/e.log\n#SBATCHX --output=/o/x\n", NULL },
		{ "  #SBATCH --output=/o/indented\n", NULL },
	};
	char path[] = "/tmp/unit-sbatch-XXXXXX";
	int fd = mkstemp(path);

	CHECK(fd >= 0);
	close(fd);
	for (size_t i = 0; i < SL_ARRAY_LEN(t); i++) {
		FILE *f = fopen(path, "w");
		char *got;

		fputs(t[i].script, f);
		fclose(f);
		got = cluster_job_script_opt(path, "--output", "-o");
		CHECK_MSG(t[i].want == NULL ? got == NULL :
			  got != NULL && strcmp(got, t[i].want) == 0,
			  "%zu: got %s, want %s", i, got ? got : "(none)",
			  t[i].want ? t[i].want : "(none)");
		free(got);
	}
	unlink(path);
	CHECK(cluster_job_script_opt(path, "--output", "-o") == NULL);
}

int
main(void)
{
	operators_register();
	RUN(test_s3_url);
	RUN(test_xml);
	RUN(test_validate);
	RUN(test_check_all);
	RUN(test_slurm_out);
	RUN(test_slurm_script_output);
	return UNIT_END();
}
