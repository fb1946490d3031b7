// tests/dags_schema.mjs: validate DAG files against `sluice dags schema`
// with ajv (tests/package.json pins it).
//
//   node dags_schema.mjs SCHEMA.json valid FILE... [invalid FILE...]
//
// Files after `valid` must pass, files after `invalid` must fail; prints
// one line per file and exits 1 when any file does not do what it should.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const Ajv = require("ajv");
const addFormats = require("ajv-formats");
const YAML = require("yaml");

const [schemaPath, ...rest] = process.argv.slice(2);
// strict, except strictTypes: the conditional parts (if/then per task type)
// do not repeat "type": "object" in every subschema
const ajv = new Ajv({ allErrors: true, allowUnionTypes: true, strict: true, strictTypes: false });
addFormats(ajv);
const validate = ajv.compile(JSON.parse(readFileSync(schemaPath, "utf8")));

let want = "valid", bad = 0;
for (const arg of rest) {
	if (arg === "valid" || arg === "invalid") {
		want = arg;
		continue;
	}
	// YAML 1.2 core schema: times stay strings, as the loader reads them
	const doc = YAML.parse(readFileSync(arg, "utf8"), { schema: "core", merge: true });
	const ok = validate(doc);
	const errs = ok ? "" : ajv.errorsText(validate.errors, { separator: "; " });
	if ((want === "valid") !== ok) {
		bad++;
		console.log(`FAIL ${arg}: expected ${want}${ok ? "" : ": " + errs}`);
	} else
		console.log(`ok ${arg} (${want}${ok ? "" : ": " + errs.slice(0, 200)})`);
}
process.exit(bad ? 1 : 0);
