// The onboarding flow through a TypeScript client generated from openapi.yaml
// by openapi-typescript (schema.gen.ts, types only, never edited by hand) and
// called with openapi-fetch, the way a TypeScript consumer of the API would:
//
//   start_verification → run_validation → retrieve → list (following Link
//   through every page, reading X-Result-Count) → checklist → submit_answers →
//   completion_status → create_customer → retrieve the customer
//
// plus a 400 with field errors and a 409, read through the generated error
// types. Exits non-zero at the first answer that is not what the API
// documents. Build and run (tools/with-server.sh starts a sandbox service):
//
//   npm run client:ts:generate && npm run client:ts:check
//   tools/with-server.sh node examples/clients/ts/dist/flow.js
import createClient from "openapi-fetch";
import type { components, paths } from "./schema.gen.js";

type Schemas = components["schemas"];
type Verification = Schemas["OnboardingVerification"];

const base = process.env.ONBOARDING_URL;
const token = process.env.ONBOARDING_OWNER_TOKEN;
if (!base || !token) throw new Error("set ONBOARDING_URL and ONBOARDING_OWNER_TOKEN (tools/with-server.sh does)");
const headers = { Authorization: `Token ${token}` };
const api = createClient<paths>({ baseUrl: base, headers });

function check(ok: boolean, message: string): asserts ok {
  if (!ok) throw new Error(message);
}

// start_verification: Bolt Technology OÜ, a sandbox company whose register lists the person.
// is_manual_validation is left out: a field with a default is optional in a request.
const started = await api.POST("/api/onboarding-verifications/start_verification/", {
  body: { country: "EE", legal_person_identifier: "12417834", person_identifier: "48001010005" },
});
check(started.response.status === 200 && started.data !== undefined, `start_verification: ${started.response.status} ${JSON.stringify(started.error)}`);
const v: Verification = started.data;
check(v.status === "pending", `start_verification: status ${v.status}, want pending`);
console.log(`started ${v.uuid} (${v.status})`);
const path = { uuid: v.uuid };

const ran = await api.POST("/api/onboarding-verifications/{uuid}/run_validation/", { params: { path } });
check(ran.data !== undefined, `run_validation: ${ran.response.status} ${JSON.stringify(ran.error)}`);
const company = ran.data.verified_company_data.name;
check(ran.data.status === "verified" && typeof company === "string", `run_validation: ${JSON.stringify(ran.data)}`);
console.log(`validated: ${ran.data.status}, ${company}`);

const got = await api.GET("/api/onboarding-verifications/{uuid}/", { params: { path } });
check(got.data?.uuid === v.uuid && got.data.status === "verified", `retrieve: ${got.response.status} ${JSON.stringify(got.data ?? got.error)}`);

// Two more verifications, then every page of two, following Link rel="next" as given.
for (const code of ["10000024", "10000001"]) {
  const more = await api.POST("/api/onboarding-verifications/start_verification/", {
    body: { country: "EE", legal_person_identifier: code, person_identifier: "48001010005" },
  });
  check(more.response.status === 200, `start_verification ${code}: ${more.response.status}`);
}
type ListPage = paths["/api/onboarding-verifications/"]["get"]["responses"][200]["content"]["application/json"];
const first = await api.GET("/api/onboarding-verifications/", { params: { query: { page_size: 2 } } });
check(first.data !== undefined, `list: ${first.response.status} ${JSON.stringify(first.error)}`);
let page: { items: ListPage; response: Response } = { items: first.data, response: first.response };
const seen = new Set<string>();
let total = -1;
let pages = 0;
for (;;) {
  pages++;
  const count = Number(page.response.headers.get("X-Result-Count"));
  check(Number.isInteger(count) && (total < 0 || count === total), `page ${pages}: X-Result-Count ${page.response.headers.get("X-Result-Count")}, first page said ${total}`);
  total = count;
  check(page.items.length <= 2, `page ${pages}: ${page.items.length} items, more than page_size 2`);
  for (const item of page.items) {
    check(!seen.has(item.uuid), `page ${pages}: ${item.uuid} listed twice`);
    seen.add(item.uuid);
  }
  const next = linkRel(page.response.headers.get("Link") ?? "", "next");
  if (!next) break;
  const response = await fetch(next, { headers });
  check(response.status === 200, `page ${pages + 1}: ${response.status}`);
  page = { items: (await response.json()) as ListPage, response };
}
check(seen.size === total && seen.has(v.uuid) && total >= 3 && pages === Math.ceil(total / 2), `${pages} pages with ${seen.size} verifications, X-Result-Count ${total}`);
console.log(`listed ${total} verifications on ${pages} pages`);

// The checklist: answer the unanswered required questions by type until complete.
for (let round = 1; ; round++) {
  const cl = await api.GET("/api/onboarding-verifications/{uuid}/checklist/", { params: { path } });
  check(cl.data !== undefined, `checklist: ${cl.response.status} ${JSON.stringify(cl.error)}`);
  if (cl.data.completion.is_completed) break;
  const unanswered = cl.data.completion.unanswered_required_questions;
  check(round <= 5 && unanswered.length > 0, `checklist not complete after ${round - 1} rounds: ${JSON.stringify(cl.data.completion)}`);
  const answers: Schemas["AnswerSubmitRequest"][] = unanswered.map((u) => {
    const q = cl.data.questions.find((q) => q.uuid === u.uuid);
    check(q !== undefined, `unanswered question ${u.uuid} is not among the checklist's questions`);
    return { question_uuid: q.uuid, answer_data: answerFor(q) };
  });
  const saved = await api.POST("/api/onboarding-verifications/{uuid}/submit_answers/", { params: { path }, body: answers });
  check(saved.data !== undefined, `submit_answers: ${saved.response.status} ${JSON.stringify(saved.error)}`);
  console.log(`submitted ${answers.length} answers: ${saved.data.completion.completion_percentage}% complete`);
}
const status = await api.GET("/api/onboarding-verifications/{uuid}/completion_status/", { params: { path } });
check(status.data?.is_completed === true && status.data.unanswered_required_questions.length === 0, `completion_status: ${JSON.stringify(status.data ?? status.error)}`);

const created = await api.POST("/api/onboarding-verifications/{uuid}/create_customer/", { params: { path } });
check(created.response.status === 201 && created.data !== undefined, `create_customer: ${created.response.status} ${JSON.stringify(created.error)}`);
const customer = await api.GET("/api/customers/{uuid}/", { params: { path: { uuid: created.data.uuid } } });
check(customer.data?.uuid === created.data.uuid && customer.data.name === company, `customers_retrieve: ${JSON.stringify(customer.data ?? customer.error)}`);
console.log(`customer ${customer.data.uuid}: ${customer.data.name}`);

// A 400 with field errors: a registry code whose check digit is wrong.
const bad = await api.POST("/api/onboarding-verifications/start_verification/", {
  body: { country: "EE", legal_person_identifier: "12417835", person_identifier: "48001010005" },
});
check(bad.response.status === 400 && bad.error !== undefined, `bad check digit: ${bad.response.status}`);
// openapi-fetch types `error` as any of the operation's error bodies; the status says which.
const invalid = bad.error as Schemas["ValidationError"];
const fieldMessages = invalid["legal_person_identifier"];
check(invalid.detail === undefined && Array.isArray(fieldMessages) && fieldMessages.length > 0, `bad check digit: ${JSON.stringify(invalid)}, want field errors naming legal_person_identifier`);
console.log(`400 field errors: ${JSON.stringify(invalid)}`);

// A 409: the verification already has its customer.
const again = await api.POST("/api/onboarding-verifications/{uuid}/create_customer/", { params: { path } });
check(again.response.status === 409 && again.error !== undefined, `create_customer twice: ${again.response.status}`);
const conflict = again.error as Schemas["ErrorDetail"];
check(conflict.detail.length > 0, `create_customer twice: ${JSON.stringify(conflict)}`);
console.log(`409: ${conflict.detail}`);
console.log("TypeScript client flow passed");

// linkRel is the URL of relation rel in an RFC 8288 Link header.
function linkRel(header: string, rel: string): string | undefined {
  for (const link of header.split(",")) {
    const [target, ...params] = link.split(";");
    if (target && params.some((p) => p.trim() === `rel="${rel}"`)) return target.trim().replace(/^<|>$/g, "");
  }
  return undefined;
}

// answerFor is a valid answer to q, by its type.
function answerFor(q: Schemas["ChecklistQuestion"]): Schemas["AnswerSubmitRequest"]["answer_data"] {
  const pdf = { name: "extract.pdf", content: Buffer.from("%PDF-1.4\n%%EOF\n").toString("base64") };
  switch (q.question_type) {
    case "boolean": return true;
    case "single_select":
    case "multi_select": {
      const option = q.question_options[0];
      check(option !== undefined, `${q.description}: no options`);
      return [option.uuid];
    }
    case "number": return q.min_value === null ? 1 : Number(q.min_value);
    case "date": return "2024-01-31";
    case "datetime": return "2024-01-31T12:00:00Z";
    case "email": return "info@example.com";
    case "phone_number": return "+37251234567";
    case "url": return "https://example.com";
    case "year": return 2020;
    case "country": return "EE";
    case "rating": return 5;
    case "file": return pdf;
    case "multiple_files": return [pdf];
    default: return "An answer from the TypeScript client example.";
  }
}
