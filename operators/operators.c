/*
 * operators.c: the task types of the operators library (libsluice_ops.a:
 * AWS, warehouse, email) and the webhook sender, which runs as
 * `sluice operator webhook` but is no task type (a DAG posts to webhooks
 * with notify:). Linking this library and calling operators_register() is
 * what makes them known; the core knows shell alone. The order here is the
 * order `known: ...` lists them in.
 */
#include "operators/operator.h"

extern const struct operator op_email;
extern const struct operator op_warehouse_copy;
extern const struct operator op_s3_sensor;
extern const struct operator op_crawler;
extern const struct operator op_cluster_job;
extern const struct operator op_emr_terminate;
extern const struct operator op_sql;
extern const struct operator op_athena_query;
extern const struct operator op_glue_job;
extern const struct operator op_lambda_invoke;
extern const struct operator op_webhook;
extern const struct notifier notifier_email;

void
operators_register(void)
{
	operator_register(&op_email);
	operator_register(&op_warehouse_copy);
	operator_register(&op_s3_sensor);
	operator_register(&op_crawler);
	operator_register(&op_cluster_job);
	operator_register(&op_emr_terminate);
	operator_register(&op_sql);
	operator_register(&op_athena_query);
	operator_register(&op_glue_job);
	operator_register(&op_lambda_invoke);
	operator_register_process(&op_webhook,
	    "define webhooks under webhooks: in sluice.yaml, and post a "
	    "DAG's or a task's events to them with notify: [NAME] "
	    "(notify_on: picks the events)");
	notifier_register(&notifier_email);
}
