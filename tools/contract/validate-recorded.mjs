// The second, independent response validator: Ajv (a JSON Schema validator
// that knows OpenAPI 3.0's `nullable` and nothing of kin-openapi) checks
// every response the Go test suite recorded (ONBOARDING_CONTRACT_RECORD)
// against openapi.yaml, as strictly as the Go harness does: the status must
// be declared, formats are checked (ajv-formats), nullable is OpenAPI 3.0's
// (only beside a type, and an enum must list null), and objects may carry
// no undeclared property.
//
// Usage: node tools/contract/validate-recorded.mjs [openapi.yaml] <records dir>
// Prints one line per failure and "N passed, N failed"; exits 1 on any
// failure, or when there is nothing to check.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import Ajv from "ajv";
import addFormats from "ajv-formats";
import { load as loadYAML } from "js-yaml";

const args = process.argv.slice(2);
const specPath = args.length > 1 ? args[0] : "openapi.yaml";
const dir = args.length > 1 ? args[1] : args[0];
if (!dir) {
  console.error("usage: validate-recorded.mjs [openapi.yaml] <records dir>");
  process.exit(2);
}

const spec = loadYAML(readFileSync(specPath, "utf8"));

// Like the Go harness: additionalProperties: false wherever an object
// declares properties and leaves additionalProperties unsaid.
function closeObjects(node) {
  if (Array.isArray(node)) return node.forEach(closeObjects);
  if (node === null || typeof node !== "object") return;
  if (node.properties && typeof node.properties === "object" && !("additionalProperties" in node)) {
    node.additionalProperties = false;
  }
  Object.values(node).forEach(closeObjects);
}
closeObjects(spec);

// JSON Schema has no components: the schemas become definitions of one
// root schema, and every reference points there.
const rewriteRefs = (node) =>
  JSON.parse(JSON.stringify(node).replaceAll('"#/components/schemas/', '"spec#/definitions/'));

const ajv = new Ajv({ strict: true, strictTypes: true, allErrors: true, allowUnionTypes: false });
addFormats(ajv); // uuid, uri, email, date, date-time, int32, int64, float, double, binary, …
ajv.addFormat("decimal", /^-?\d*(?:\.\d*)?$/);
// Annotations and code-generator hints: known, never validated.
const extensions = new Set(["example"]);
(function collect(node) {
  if (Array.isArray(node)) return node.forEach(collect);
  if (node === null || typeof node !== "object") return;
  for (const [k, v] of Object.entries(node)) {
    if (k.startsWith("x-")) extensions.add(k);
    collect(v);
  }
})(spec.components.schemas);
ajv.addVocabulary([...extensions]);
try {
  ajv.addSchema({ $id: "spec", definitions: rewriteRefs(spec.components.schemas) });
  // Compile every schema, requests' too: strict OAS 3.0 problems surface here.
  for (const name of Object.keys(spec.components.schemas)) ajv.getSchema(`spec#/definitions/${name}`);
} catch (err) {
  console.log(`FAIL ${specPath} is not valid under a strict validator: ${err.message}`);
  console.log("ajv: 0 passed, 1 failed");
  process.exit(1);
}

const operations = new Map();
for (const [path, item] of Object.entries(spec.paths)) {
  for (const method of ["get", "put", "post", "patch", "delete"]) {
    if (item[method]) operations.set(item[method].operationId, { path, method, op: item[method] });
  }
}

function resolveResponse(res) {
  const prefix = "#/components/responses/";
  return res && res.$ref && res.$ref.startsWith(prefix) ? spec.components.responses[res.$ref.slice(prefix.length)] : res;
}

const compiled = new Map();
function validatorFor(operation, status) {
  const key = `${operation} ${status}`;
  if (!compiled.has(key)) {
    const { op } = operations.get(operation);
    const res = resolveResponse(op.responses[String(status)]);
    const schema = res && res.content && res.content["application/json"] && res.content["application/json"].schema;
    compiled.set(key, { declared: Boolean(res), validate: schema ? ajv.compile(rewriteRefs(schema)) : null });
  }
  return compiled.get(key);
}

let passed = 0;
let failed = 0;
const failures = new Map(); // message → count, so one defect is not printed a thousand times
const files = readdirSync(dir).filter((f) => f.endsWith(".jsonl"));
for (const file of files) {
  for (const line of readFileSync(join(dir, file), "utf8").split("\n")) {
    if (!line.trim()) continue;
    const r = JSON.parse(line);
    let problem = null;
    if (!operations.has(r.operation)) {
      problem = `${r.operation}: no such operation in ${specPath}`;
    } else {
      const v = validatorFor(r.operation, r.status);
      if (!v.declared) {
        problem = `${r.operation} → ${r.status}: status not declared`;
      } else if (v.validate) {
        if (!(r.content_type || "").startsWith("application/json")) {
          problem = `${r.operation} → ${r.status}: content type ${r.content_type}, want application/json`;
        } else if (r.body === undefined) {
          problem = `${r.operation} → ${r.status}: no JSON body`;
        } else if (!v.validate(r.body)) {
          const errs = v.validate.errors.map((e) => `${e.instancePath || "/"} ${e.message}`).join("; ");
          problem = `${r.operation} → ${r.status}: ${errs}`;
        }
      } else if (r.body !== undefined) {
        problem = `${r.operation} → ${r.status}: a body where none is declared`;
      }
    }
    if (problem) {
      failed++;
      failures.set(problem, (failures.get(problem) || 0) + 1);
    } else {
      passed++;
    }
  }
}
for (const [problem, n] of failures) console.log(`FAIL ${problem}${n > 1 ? ` (${n} responses)` : ""}`);
console.log(`ajv: ${passed} passed, ${failed} failed`);
if (passed + failed === 0) {
  console.error(`no recorded responses in ${dir}: run the tests with ONBOARDING_CONTRACT_RECORD=${dir}`);
  process.exit(1);
}
process.exit(failed > 0 ? 1 : 0);
