/*
 * dag_schema.h: the JSON Schema of a DAG file (`sluice dags schema`),
 * generated from the loader's key tables (dag_keys.h) and the registered
 * task types' keys (operator.h), for editors' completion and checks.
 */
#ifndef SLUICE_DAG_SCHEMA_H
#define SLUICE_DAG_SCHEMA_H

#include <jansson.h>

/* A new reference: a draft-07 schema of a DAG file (as YAML read into
 * JSON with the YAML 1.2 core schema). */
json_t *dag_schema_json(void);

#endif
