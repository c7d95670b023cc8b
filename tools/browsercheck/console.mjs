// The review console in a real browser: Debian's chromium, headless, driven
// by playwright-core (which never downloads a browser), with axe-core over
// every page. Run inside tools/with-server.sh (make console-check does, on
// SQLite and on PostgreSQL):
//
//   tools/with-server.sh node tools/browsercheck/console.mjs
//
// Walks what a reviewer depends on: sign in as staff, filter the queue,
// open an escalated case with a PDF, view the PDF, approve with a reason
// and create the customer, land on the next case; then asks the API that
// the verification is verified, the customer exists and the events were
// written. Also: support sees no decision controls and its forged write is
// refused, a cross-origin POST is refused, the XSS names render as text,
// an idle session returns to sign-in, two reviewers cannot claim one case.
// Screenshots of each page at 1280×800 and 390 px wide go to $ARTIFACTS
// (default artifacts/console).
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const base = mustEnv("ONBOARDING_URL");
const ownerToken = mustEnv("ONBOARDING_OWNER_TOKEN");
const staffToken = mustEnv("ONBOARDING_STAFF_TOKEN");
const idleSeconds = Number(mustEnv("ONBOARDING_CONSOLE_IDLE_TIMEOUT").replace(/s$/, ""));
const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const artifacts = process.env.ARTIFACTS ?? "artifacts/console";
const password = "correct horse battery staple";
const xssName = "<script>alert(1)</script>";
const xssText = '"><img src=x onerror=alert(1)>';
const axeSource = readFileSync(new URL("../../node_modules/axe-core/axe.min.js", import.meta.url), "utf8");

function mustEnv(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run me inside tools/with-server.sh`);
  return v;
}

const failures = [];
function check(ok, what) {
  if (!ok) failures.push(what);
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
}

// Console users with passwords, made with the CLI as an administrator would.
function user(name, ...flags) {
  execFileSync("./bin/onboarding", ["user", "create", "--username", name, ...flags, "--password-stdin"], { input: password + "\n" });
}
user("rita", "--staff");
user("rob", "--staff");
user("sue", "--support");

async function api(method, path, token, body, form) {
  const headers = { Authorization: `Token ${token}` };
  let payload;
  if (form) payload = form;
  else if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  const res = await fetch(base + path, { method, headers, body: payload });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

// The cases, in Denmark (no checklist there, so a customer can be created
// at once): an escalated one with XSS names and a PDF, and a failed one
// after it in the queue, both justified.
async function escalatedCase(code, name, justification) {
  const v = (await api("POST", "/api/onboarding-verifications/start_verification/", ownerToken,
    { country: "DK", legal_person_identifier: code, first_name: "Anna", last_name: "Berg", legal_name: name })).body;
  await api("POST", `/api/onboarding-verifications/${v.uuid}/run_validation/`, ownerToken);
  const j = (await api("POST", "/api/onboarding-justifications/", ownerToken, { verification_uuid: v.uuid, user_justification: justification })).body;
  return { v: v.uuid, j: j.uuid };
}
const first = await escalatedCase("30000021", xssName, xssText + " I was appointed last week.");
const pdf = new FormData();
pdf.append("file", new Blob(["%PDF-1.4\n%%EOF\n"], { type: "application/pdf" }), "minutes.pdf");
check((await api("POST", `/api/onboarding-justifications/${first.j}/attach_document/`, ownerToken, undefined, pdf)).status === 200, "setup: the PDF is attached");
const second = await escalatedCase("30000005", "Second company", "The register is wrong.");

mkdirSync(artifacts, { recursive: true });
const userDataDir = mkdtempSync(join(tmpdir(), "console-check-"));
const browser = await chromium.launch({
  executablePath, headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});

async function newPage(width = 1280, height = 800) {
  const context = await browser.newContext({ viewport: { width, height } });
  const page = await context.newPage();
  page.on("request", (req) => {
    if (!req.url().startsWith(base) && !req.url().startsWith("data:")) failures.push(`request outside the service: ${req.url()}`);
  });
  page.on("pageerror", (err) => failures.push(`page error: ${err.message}`));
  page.on("dialog", (d) => d.accept()); // the confirmation before a decision
  return page;
}

async function signIn(page, name) {
  await page.goto(`${base}/console/`);
  await page.fill("#username", name);
  await page.fill("#password", password);
  await page.click("button[type=submit]");
  await page.waitForLoadState();
}

// axe over the page: no serious or critical violation.
async function accessible(page, what) {
  await page.evaluate(axeSource);
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
  const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  check(bad.length === 0, `axe: ${what} has no serious or critical violation${bad.length ? ": " + bad.map((v) => `${v.id} (${v.nodes.length})`).join(", ") : ""}`);
}

async function shoot(page, name) {
  await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
}

try {
  // Sign-in page, at both widths.
  const narrow = await newPage(390, 844);
  await narrow.goto(`${base}/console/`);
  await accessible(narrow, "the sign-in page");
  await shoot(narrow, "sign-in-390");

  // Staff: sign in, filter the queue, open the escalated case.
  const rita = await newPage();
  await signIn(rita, "rita");
  check(rita.url().startsWith(`${base}/console/`) && (await rita.locator(".who").textContent()).includes("rita"), "staff signs in and sees the queue");
  await accessible(rita, "the queue");
  await shoot(rita, "queue-1280");
  await rita.fill("#country", "DK");
  await rita.selectOption("#assignee", "unassigned");
  await rita.click(".filters button[type=submit]");
  await rita.waitForLoadState();
  check(new URL(rita.url()).searchParams.get("country") === "DK", "the filters are kept in the URL");
  const rows = await rita.locator("tbody tr").count();
  check(rows === 2, `the filtered queue lists both cases (${rows})`);
  await rita.click(`a[href^="/console/cases/${first.v}"]`);
  await rita.waitForLoadState();
  check((await rita.locator("h1").textContent()).includes(xssName), "the legal name renders as text");
  check((await rita.locator("blockquote").textContent()).includes(xssText), "the justification renders as text");
  check((await rita.locator("script:not([src])").count()) === 0 && (await rita.locator("img[src=x]").count()) === 0, "no injected element exists");
  await accessible(rita, "the case page");
  await shoot(rita, "case-1280");

  // View the PDF: inline, from a sandboxed response.
  const pdfHref = await rita.locator(".docs a", { hasText: "View" }).getAttribute("href");
  const pdfRes = await rita.request.get(base + pdfHref);
  check(pdfRes.status() === 200 && pdfRes.headers()["content-type"] === "application/pdf" && pdfRes.headers()["content-security-policy"] === "sandbox",
    "the PDF is served inline from a sandboxed response");

  // Two reviewers cannot claim one case.
  await rita.click("form[action$='/claim'] button");
  await rita.waitForLoadState();
  const rob = await newPage();
  await signIn(rob, "rob");
  await rob.goto(`${base}/console/cases/${first.v}`);
  check((await rob.locator(".claim strong").textContent()) === "rita", "another reviewer sees who holds the case");
  const robClaim = await rob.request.post(`${base}/console/cases/${first.v}/claim`, { form: { back: "" }, headers: { Origin: base } });
  check(robClaim.status() === 409, `a second reviewer cannot claim it (${robClaim.status()})`);

  // A cross-origin POST is refused.
  const cross = await rita.request.post(`${base}/console/justifications/${first.j}/decide`,
    { form: { decision: "approved", reason: "Other" }, headers: { Origin: "https://evil.example", "Sec-Fetch-Site": "cross-site" } });
  check(cross.status() === 403, `a cross-origin POST is refused (${cross.status()})`);

  // Approve with a reason, create the customer, land on the next case.
  await rita.keyboard.press("a"); // asks, then approves (create the customer is ticked)
  await rita.waitForURL((u) => u.pathname === `/console/cases/${second.v}`);
  check(true, "after the decision the next case of the queue opens");
  check((await rita.locator(".flash").textContent()).includes("customer was created"), "the console says the customer was created");
  await shoot(rita, "next-case-1280");
  const v = (await api("GET", `/api/onboarding-verifications/${first.v}/`, ownerToken)).body;
  check(v.status === "verified", `the API shows the verification verified (${v.status})`);
  const customers = (await api("GET", "/api/customers/", ownerToken)).body;
  check(customers.some((c) => c.registration_code === "30000021"), "the API shows the customer");
  const kinds = (await api("GET", `/api/onboarding-verifications/${first.v}/events/`, staffToken)).body.map((e) => e.kind);
  check(kinds.includes("approved") && kinds.includes("customer_created"), `the events are written (${kinds.join(", ")})`);

  // Support: everything visible, no decision controls, writes refused.
  const sue = await newPage(390, 844);
  await signIn(sue, "sue");
  await sue.goto(`${base}/console/cases/${second.v}`);
  check((await sue.locator("form.approve, form.reject").count()) === 0, "support sees no decision controls");
  await accessible(sue, "the case page, 390 px wide");
  await shoot(sue, "case-390");
  await sue.goto(`${base}/console/?tab=all`);
  await shoot(sue, "queue-390");
  const forged = await sue.request.post(`${base}/console/justifications/${second.j}/decide`,
    { form: { decision: "approved", reason: "Other" }, headers: { Origin: base } });
  check(forged.status() === 403, `support's forged write is refused (${forged.status()})`);
  const stillEscalated = (await api("GET", `/api/onboarding-verifications/${second.v}/`, staffToken)).body;
  check(stillEscalated.status === "failed", `the refused write changed nothing (${stillEscalated.status})`);

  // The Alerts view, linked from the header.
  await rita.click('header a[href="/console/alerts"]');
  await rita.waitForLoadState();
  check(new URL(rita.url()).pathname === "/console/alerts", "the header links to the alerts");
  await accessible(rita, "the alerts page");
  await shoot(rita, "alerts-1280");

  // An idle session returns to sign-in.
  const idle = await newPage();
  await signIn(idle, "rob");
  await new Promise((r) => setTimeout(r, (idleSeconds + 1) * 1000));
  await idle.goto(`${base}/console/`);
  check(new URL(idle.url()).pathname === "/console/sign-in", "an expired session returns to sign-in");
} finally {
  await browser.close();
  rmSync(userDataDir, { recursive: true, force: true });
}

if (failures.length) {
  console.error(`console check: ${failures.length} failed:\n  ${failures.join("\n  ")}`);
  process.exit(1);
}
console.log("console check: passed");
