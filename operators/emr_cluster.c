/*
 * emr_cluster.c: transient EMR clusters (emr_cluster.h): a task's
 * create_cluster: mapping turned into a RunJobFlow request by tables of
 * keys (checked at load time and again at run time, the same way),
 * DescribeCluster until a state, TerminateJobFlows.
 */
#include "operators/emr_cluster.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "operators/aws_client.h"
#include "operators/aws_json.h"
#include "operators/op_external.h"
#include "operators/op_log.h"
#include "operators/op_stop.h"
#include "operators/operator.h"

/* What a create_cluster key holds and how it goes into the request. */
enum emr_field_kind {
	EF_STR,		/* string */
	EF_INT,		/* integer (or a string of digits) */
	EF_BOOL,	/* true/false */
	EF_SECONDS,	/* a duration ("1h"), sent as seconds */
	EF_STRS,	/* a list of strings */
	EF_APPS,	/* applications: [Spark, Hive] → [{Name}] */
	EF_TAGS,	/* a mapping → [{Key, Value}] */
	EF_GROUPS,	/* instance_groups */
	EF_FLEETS,	/* instance_fleets */
	EF_BOOTSTRAP,	/* bootstrap_actions */
	EF_AS_IS,	/* configurations: AWS's own shape, passed through */
};

struct emr_field {
	const char *key;	/* as the DAG file writes it */
	const char *aws;	/* where it goes: "Instances.Ec2SubnetId" */
	enum emr_field_kind kind;
	int required;
};

static const struct emr_field cluster_fields[] = {
	{ "name", "Name", EF_STR, 0 },
	{ "release_label", "ReleaseLabel", EF_STR, 1 },
	{ "applications", "Applications", EF_APPS, 0 },
	{ "instance_groups", "Instances.InstanceGroups", EF_GROUPS, 0 },
	{ "instance_fleets", "Instances.InstanceFleets", EF_FLEETS, 0 },
	{ "service_role", "ServiceRole", EF_STR, 0 },
	{ "job_flow_role", "JobFlowRole", EF_STR, 0 },
	{ "log_uri", "LogUri", EF_STR, 0 },
	{ "tags", "Tags", EF_TAGS, 0 },
	{ "subnet_id", "Instances.Ec2SubnetId", EF_STR, 0 },
	{ "subnet_ids", "Instances.Ec2SubnetIds", EF_STRS, 0 },
	{ "ec2_key_name", "Instances.Ec2KeyName", EF_STR, 0 },
	{ "keep_alive", "Instances.KeepJobFlowAliveWhenNoSteps", EF_BOOL, 0 },
	{ "termination_protected", "Instances.TerminationProtected", EF_BOOL, 0 },
	{ "idle_timeout", "AutoTerminationPolicy.IdleTimeout", EF_SECONDS, 0 },
	{ "bootstrap_actions", "BootstrapActions", EF_BOOTSTRAP, 0 },
	{ "configurations", "Configurations", EF_AS_IS, 0 },
	{ "security_configuration", "SecurityConfiguration", EF_STR, 0 },
	{ "step_concurrency", "StepConcurrencyLevel", EF_INT, 0 },
	{ NULL, NULL, 0, 0 },
};

static const struct emr_field group_fields[] = {
	{ "role", "InstanceRole", EF_STR, 1 },
	{ "instance_type", "InstanceType", EF_STR, 1 },
	{ "count", "InstanceCount", EF_INT, 1 },
	{ "market", "Market", EF_STR, 0 },
	{ "bid_price", "BidPrice", EF_STR, 0 },
	{ "name", "Name", EF_STR, 0 },
	{ NULL, NULL, 0, 0 },
};

static const struct emr_field fleet_fields[] = {
	{ "role", "InstanceFleetType", EF_STR, 1 },
	{ "instance_types", "InstanceTypeConfigs", EF_AS_IS, 1 },
	{ "target_on_demand", "TargetOnDemandCapacity", EF_INT, 0 },
	{ "target_spot", "TargetSpotCapacity", EF_INT, 0 },
	{ "name", "Name", EF_STR, 0 },
	{ NULL, NULL, 0, 0 },
};

static const struct emr_field fleet_type_fields[] = {
	{ "instance_type", "InstanceType", EF_STR, 1 },
	{ "weighted_capacity", "WeightedCapacity", EF_INT, 0 },
	{ "bid_price", "BidPrice", EF_STR, 0 },
	{ NULL, NULL, 0, 0 },
};

static const struct emr_field bootstrap_fields[] = {
	{ "name", "Name", EF_STR, 1 },
	{ "path", "ScriptBootstrapAction.Path", EF_STR, 1 },
	{ "args", "ScriptBootstrapAction.Args", EF_STRS, 0 },
	{ NULL, NULL, 0, 0 },
};

/* The place at fault, then the message; returns -1. */
static int
emr_fail(char *path, size_t n, const char *where, struct sl_err *err,
	 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int
emr_fail(char *path, size_t n, const char *where, struct sl_err *err,
	 const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	snprintf(path, n, "%s", where);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return sl_err_set(err, "%s", msg);
}

/* where.key, or where.i when key is NULL, into at (size 256; a longer
 * place is cut, it only names where an error is). */
static void
emr_at(char *at, const char *where, const char *key, size_t i)
{
	int w = key != NULL ? snprintf(at, 256, "%s.%s", where, key)
			    : snprintf(at, 256, "%s.%zu", where, i);

	if (w < 0)
		at[0] = '\0';
}

/* Set dotted key "A.B" of obj (objects made on the way); takes v. */
static void
emr_set(json_t *obj, const char *dotted, json_t *v)
{
	const char *dot = strchr(dotted, '.');
	char head[64];
	json_t *sub;

	if (dot == NULL) {
		json_object_set_new(obj, dotted, v);
		return;
	}
	snprintf(head, sizeof head, "%.*s", (int)(dot - dotted), dotted);
	sub = json_object_get(obj, head);
	if (!json_is_object(sub)) {
		sub = json_object();
		json_object_set_new(obj, head, sub);
	}
	emr_set(sub, dot + 1, v);
}

static int
emr_templated(const json_t *v)
{
	return json_is_string(v) && strstr(json_string_value(v), "{{") != NULL;
}

static int emr_map(const json_t *in, const struct emr_field *fields,
		   int at_load, json_t *out, char *path, size_t n,
		   const char *where, struct sl_err *err);

/* A list whose items are mappings of fields: [{...}, ...] → [{AWS...}]. */
static int
emr_list_of(const json_t *v, const struct emr_field *fields, int at_load,
	    json_t **out, char *path, size_t n, const char *where,
	    struct sl_err *err)
{
	char at[256];
	json_t *item;
	size_t i;

	if (!json_is_array(v) || json_array_size(v) == 0)
		return emr_fail(path, n, where, err, "expected a non-empty list");
	*out = json_array();
	json_array_foreach(v, i, item) {
		json_t *o = json_object();

		emr_at(at, where, NULL, i);
		json_array_append_new(*out, o);
		if (emr_map(item, fields, at_load, o, path, n, at, err) < 0) {
			json_decref(*out);
			*out = NULL;
			return -1;
		}
	}
	return 0;
}

/* One value of kind k at `where` → *out (a new reference). */
static int
emr_value(const json_t *v, const struct emr_field *f, int at_load,
	  json_t **out, char *path, size_t n, const char *where,
	  struct sl_err *err)
{
	const char *s = json_string_value(v), *k;
	json_t *item;
	size_t i;

	*out = NULL;
	switch (f->kind) {
	case EF_STR:
		if (s == NULL)
			return emr_fail(path, n, where, err, "expected a string");
		*out = json_string(s);
		return 0;
	case EF_INT: {
		long long x = 0;
		char *end = NULL;

		if (json_is_integer(v)) {
			x = json_integer_value(v);
		} else if (at_load && emr_templated(v)) {
			*out = json_integer(0);
			return 0;
		} else if (s != NULL) {
			x = strtoll(s, &end, 10);
			if (end == s || *end != '\0')
				s = NULL;
		}
		if ((s == NULL && !json_is_integer(v)) || x < 0 || x > 1000000)
			return emr_fail(path, n, where, err,
					"expected a number from 0 to 1000000");
		*out = json_integer(x);
		return 0;
	}
	case EF_BOOL:
		if (json_is_boolean(v))
			*out = json_boolean(json_is_true(v));
		else if (s != NULL && (strcasecmp(s, "true") == 0 ||
				       strcasecmp(s, "yes") == 0))
			*out = json_true();
		else if (s != NULL && (strcasecmp(s, "false") == 0 ||
				       strcasecmp(s, "no") == 0))
			*out = json_false();
		else if (at_load && emr_templated(v))
			*out = json_true();
		else
			return emr_fail(path, n, where, err,
					"expected true or false");
		return 0;
	case EF_SECONDS: {
		int64_t ms = 0;

		if (at_load && emr_templated(v)) {
			*out = json_integer(0);
			return 0;
		}
		if (s == NULL || sl_parse_duration(s, &ms) < 0 || ms < 1000)
			return emr_fail(path, n, where, err,
					"expected a duration (\"1h\", \"30m\")");
		*out = json_integer(ms / 1000);
		return 0;
	}
	case EF_STRS:
	case EF_APPS:
		if (json_is_string(v)) {
			*out = json_array();
			json_array_append_new(*out, f->kind == EF_APPS ?
			    json_pack("{s:s}", "Name", s) : json_string(s));
			return 0;
		}
		if (!json_is_array(v))
			return emr_fail(path, n, where, err,
					"expected a list of strings");
		*out = json_array();
		json_array_foreach(v, i, item) {
			if (!json_is_string(item)) {
				char at[256];

				json_decref(*out);
				*out = NULL;
				emr_at(at, where, NULL, i);
				return emr_fail(path, n, at, err,
						"expected a string");
			}
			json_array_append_new(*out, f->kind == EF_APPS ?
			    json_pack("{s:O}", "Name", item) :
			    json_incref(item));
		}
		return 0;
	case EF_TAGS:
		if (!json_is_object(v))
			return emr_fail(path, n, where, err,
					"expected a mapping of tag: value");
		*out = json_array();
		json_object_foreach((json_t *)v, k, item) {
			if (!json_is_string(item)) {
				char at[256];

				json_decref(*out);
				*out = NULL;
				emr_at(at, where, k, 0);
				return emr_fail(path, n, at, err,
						"expected a string");
			}
			json_array_append_new(*out, json_pack("{s:s, s:O}",
			    "Key", k, "Value", item));
		}
		return 0;
	case EF_GROUPS:
		return emr_list_of(v, group_fields, at_load, out, path, n,
				   where, err);
	case EF_FLEETS:
		return emr_list_of(v, fleet_fields, at_load, out, path, n,
				   where, err);
	case EF_BOOTSTRAP:
		return emr_list_of(v, bootstrap_fields, at_load, out, path, n,
				   where, err);
	case EF_AS_IS:
		*out = json_deep_copy(v);
		return 0;
	}
	return emr_fail(path, n, where, err, "unknown kind");
}

/* An instance fleet's instance_types: a list of type names or of
 * {instance_type, weighted_capacity, bid_price}. */
static int
emr_fleet_types(const json_t *v, int at_load, json_t **out, char *path,
		size_t n, const char *where, struct sl_err *err)
{
	char at[256];
	json_t *item;
	size_t i;

	if (!json_is_array(v) || json_array_size(v) == 0)
		return emr_fail(path, n, where, err,
				"expected a non-empty list of instance types");
	*out = json_array();
	json_array_foreach(v, i, item) {
		json_t *o = json_object();

		json_array_append_new(*out, o);
		emr_at(at, where, NULL, i);
		if (json_is_string(item)) {
			json_object_set(o, "InstanceType", item);
			continue;
		}
		if (emr_map(item, fleet_type_fields, at_load, o, path, n, at,
			    err) < 0) {
			json_decref(*out);
			*out = NULL;
			return -1;
		}
	}
	return 0;
}

static int
emr_map(const json_t *in, const struct emr_field *fields, int at_load,
	json_t *out, char *path, size_t n, const char *where,
	struct sl_err *err)
{
	const struct emr_field *f;
	const char *k;
	json_t *v;
	char at[256];

	if (!json_is_object(in))
		return emr_fail(path, n, where, err, "expected a mapping");
	json_object_foreach((json_t *)in, k, v) {
		char known[512];
		size_t off = 0;

		for (f = fields; f->key != NULL; f++)
			if (strcmp(f->key, k) == 0)
				break;
		if (f->key != NULL)
			continue;
		known[0] = '\0';
		for (f = fields; f->key != NULL && off < sizeof known; f++)
			off += (size_t)snprintf(known + off, sizeof known - off,
						"%s%s", off ? ", " : "", f->key);
		emr_at(at, where, k, 0);
		return emr_fail(path, n, at, err, "unknown key (known: %s)",
				known);
	}
	for (f = fields; f->key != NULL; f++) {
		json_t *conv = NULL;

		v = json_object_get(in, f->key);
		emr_at(at, where, f->key, 0);
		if (v == NULL) {
			if (f->required)
				return emr_fail(path, n, at, err, "is required");
			continue;
		}
		if (fields == fleet_fields && f->kind == EF_AS_IS) {
			if (emr_fleet_types(v, at_load, &conv, path, n, at,
					    err) < 0)
				return -1;
		} else if (emr_value(v, f, at_load, &conv, path, n, at,
				     err) < 0) {
			return -1;
		}
		emr_set(out, f->aws, conv);
	}
	return 0;
}

int
emr_cluster_request(const json_t *create, const char *name_default,
		    const json_t *tags, int at_load, json_t **req, char *path,
		    size_t n, struct sl_err *err)
{
	json_t *r = json_object(), *inst, *t, *v;
	const char *k;

	if (req != NULL)
		*req = NULL;
	if (emr_map(create, cluster_fields, at_load, r, path, n,
		    "create_cluster", err) < 0)
		goto fail;
	inst = json_object_get(r, "Instances");
	if ((json_object_get(inst, "InstanceGroups") != NULL) ==
	    (json_object_get(inst, "InstanceFleets") != NULL)) {
		emr_fail(path, n, "create_cluster", err, "needs exactly one of "
			 "instance_groups or instance_fleets");
		goto fail;
	}
	if (json_object_get(r, "Name") == NULL)
		json_object_set_new(r, "Name", json_string(name_default));
	if (json_object_get(r, "ServiceRole") == NULL)
		json_object_set_new(r, "ServiceRole",
				    json_string("EMR_DefaultRole"));
	if (json_object_get(r, "JobFlowRole") == NULL)
		json_object_set_new(r, "JobFlowRole",
				    json_string("EMR_EC2_DefaultRole"));
	/* a cluster made to take later tasks' steps waits for them */
	if (json_object_get(inst, "KeepJobFlowAliveWhenNoSteps") == NULL)
		json_object_set_new(inst, "KeepJobFlowAliveWhenNoSteps",
				    json_true());
	json_object_set_new(r, "VisibleToAllUsers", json_true());
	t = json_object_get(r, "Tags");
	if (t == NULL && json_object_size(tags) > 0) {
		t = json_array();
		json_object_set_new(r, "Tags", t);
	}
	json_object_foreach((json_t *)tags, k, v)
		json_array_append_new(t, json_pack("{s:s, s:O}", "Key", k,
						   "Value", v));
	if (req != NULL)
		*req = r;
	else
		json_decref(r);
	return 0;
fail:
	json_decref(r);
	return -1;
}

static const char *
str_or(const char *s, const char *def)
{
	return s != NULL ? s : def;
}

static int
emr_terminated(const char *state)
{
	return strcmp(state, "TERMINATED") == 0 ||
	       strcmp(state, "TERMINATED_WITH_ERRORS") == 0;
}

enum emr_wait
emr_cluster_wait(struct aws_client *emr, const char *cluster,
		 const char *until, int64_t poll, int ignore_stop, char *state,
		 size_t n)
{
	json_t *req = json_pack("{s:s}", "ClusterId", cluster), *resp = NULL;
	enum emr_wait rc = EMR_WAIT_ERROR;
	struct sl_err err;

	state[0] = '\0';
	for (;;) {
		json_t *c, *st, *why;
		const char *now, *code, *msg;

		json_decref(resp);
		resp = NULL;
		if (aws_json_call(emr, "ElasticMapReduce.DescribeCluster", req,
				  &resp, NULL, &err) < 0) {
			op_log("%s", err.msg);
			break;
		}
		c = json_object_get(resp, "Cluster");
		st = json_object_get(c, "Status");
		now = json_string_value(json_object_get(st, "State"));
		if (now == NULL) {
			op_log("DescribeCluster %s: answer has no State", cluster);
			break;
		}
		if (strcmp(state, now) != 0) {
			why = json_object_get(st, "StateChangeReason");
			code = json_string_value(json_object_get(why, "Code"));
			msg = json_string_value(json_object_get(why, "Message"));
			if (code != NULL || msg != NULL)
				op_log("cluster %s: %s (%s%s%s)", cluster, now,
				       str_or(code, ""), code && msg ? ": " : "",
				       str_or(msg, ""));
			else
				op_log("cluster %s: %s", cluster, now);
			snprintf(state, n, "%s", now);
		}
		if (until != NULL && strcmp(now, until) == 0) {
			const char *dns = json_string_value(json_object_get(c,
			    "MasterPublicDnsName"));

			if (dns != NULL)
				op_log("cluster %s: master %s", cluster, dns);
			rc = EMR_WAIT_REACHED;
			break;
		}
		if (emr_terminated(now)) {
			rc = EMR_WAIT_ENDED;
			break;
		}
		if (op_stop_wait_ms(poll) && !ignore_stop) {
			rc = EMR_WAIT_STOPPED;
			break;
		}
	}
	json_decref(req);
	json_decref(resp);
	return rc;
}

int
emr_cluster_terminate(struct aws_client *emr, const char *cluster)
{
	json_t *req = json_pack("{s:[s]}", "JobFlowIds", cluster), *resp = NULL;
	struct sl_err err;
	int rc = 0;

	op_log("TerminateJobFlows %s", cluster);
	if (aws_json_call(emr, "ElasticMapReduce.TerminateJobFlows", req,
			  &resp, NULL, &err) < 0) {
		op_log("%s", err.msg);
		rc = -1;
	}
	json_decref(req);
	json_decref(resp);
	return rc;
}

/* The task's output cluster_id, where the try has an output file. */
static void
emr_cluster_output(const char *cluster)
{
	const char *path = getenv("SLUICE_OUTPUT");
	FILE *f;

	if (path == NULL || *path == '\0')
		return;
	f = fopen(path, "a");
	if (f == NULL)
		return;
	fprintf(f, "cluster_id=%s\n", cluster);
	fclose(f);
}

int
emr_cluster_create_run(const json_t *spec, struct aws_client *emr,
		       struct op_external *x)
{
	const char *dag = str_or(json_string_value(json_object_get(spec,
	    "dag")), "sluice");
	const char *task = str_or(json_string_value(json_object_get(spec,
	    "task")), "cluster");
	const char *partition = json_string_value(json_object_get(spec,
	    "partition"));
	int64_t poll = op_opt_int(spec, "poll_interval", 30000);
	json_t *req = NULL, *resp = NULL, *tags;
	char *cluster = NULL, *name, path[256], state[64];
	enum op_external_prior prior;
	enum emr_wait w;
	struct sl_err err;
	int rc = 1;

	prior = op_external_prior(x, "emr_cluster",
				  op_opt_bool(spec, "reattach", 1), &cluster);
	if (prior == OP_EXT_CANCEL) {
		emr_cluster_terminate(emr, cluster);
		free(cluster);
		cluster = NULL;
	}
	if (cluster == NULL) {
		name = xasprintf("%s.%s%s%s", dag, task, partition ? " " : "",
				 partition ? partition : "");
		tags = json_pack("{s:s, s:s}", "sluice:dag", dag, "sluice:task",
				 task);
		if (partition != NULL)
			json_object_set_new(tags, "sluice:partition",
					    json_string(partition));
		sl_err_clear(&err);
		if (emr_cluster_request(json_object_get(json_object_get(spec,
		    "options"), "create_cluster"), name, tags, 0, &req, path,
		    sizeof path, &err) < 0) {
			op_log("%s: %s", path, err.msg);
			free(name);
			json_decref(tags);
			return 1;
		}
		json_decref(tags);
		op_log("creating EMR cluster '%s' (%s, %s)", json_string_value(
		    json_object_get(req, "Name")), json_string_value(
		    json_object_get(req, "ReleaseLabel")),
		    aws_client_describe(emr));
		free(name);
		if (aws_json_call(emr, "ElasticMapReduce.RunJobFlow", req,
				  &resp, NULL, &err) < 0) {
			op_log("%s", err.msg);
			goto out;
		}
		if (!json_is_string(json_object_get(resp, "JobFlowId"))) {
			op_log("RunJobFlow: answer has no JobFlowId");
			goto out;
		}
		cluster = xstrdup(json_string_value(json_object_get(resp,
		    "JobFlowId")));
		op_log("cluster %s created", cluster);
		op_external_record(x, "emr_cluster", cluster);
	}
	w = emr_cluster_wait(emr, cluster, "WAITING", poll, 0, state,
			     sizeof state);
	if (w == EMR_WAIT_STOPPED) {
		/* a timeout or clear: a half-made cluster is not left behind */
		op_stop_reset();
		op_log("stopping: terminating cluster %s", cluster);
		emr_cluster_terminate(emr, cluster);
		op_external_ended(x);
		goto out;
	}
	if (w == EMR_WAIT_ERROR)
		goto out;
	op_external_ended(x);
	if (w == EMR_WAIT_ENDED) {
		op_log("cluster %s ended before it was ready: %s", cluster,
		       state);
		goto out;
	}
	op_log("cluster_id=%s", cluster);
	emr_cluster_output(cluster);
	rc = 0;
out:
	json_decref(req);
	json_decref(resp);
	free(cluster);
	return rc;
}

char *
emr_cluster_of(const json_t *spec, struct op_external *x)
{
	const char *id = op_opt_str(spec, "cluster_id", NULL);
	const char *from = op_opt_str(spec, "cluster_from", NULL);
	char *c;

	if (id != NULL)
		return xstrdup(id);
	if (from == NULL) {
		op_log("no cluster: give cluster_id or cluster_from");
		return NULL;
	}
	c = op_external_of_task(x, from, "emr_cluster");
	if (c != NULL)
		op_log("cluster %s, created by task %s", c, from);
	return c;
}
