// Swagger UI in a real browser: Debian's chromium, headless, driven by
// playwright-core (which never downloads a browser). Run inside
// tools/with-server.sh (it sets ONBOARDING_URL and the tokens):
//
//   tools/with-server.sh node tools/browsercheck/swagger-ui.mjs
//
// Opens /api/docs/, checks that every operation of openapi.yaml is rendered
// and that no vendor extension (x-…) is shown, authorizes with
// `Token <key>`, runs "Try it out" on start_verification and on the list
// (which must not send a filter nobody typed), expects 200s, and saves a
// screenshot to $SCREENSHOT (default artifacts/swagger-ui.png).
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { load } from "js-yaml";
import { chromium } from "playwright-core";

const base = mustEnv("ONBOARDING_URL");
const token = mustEnv("ONBOARDING_OWNER_TOKEN");
const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const screenshot = process.env.SCREENSHOT ?? "artifacts/swagger-ui.png";

function mustEnv(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run me inside tools/with-server.sh`);
  return v;
}

const spec = load(readFileSync(new URL("../../openapi.yaml", import.meta.url), "utf8"));
const methods = ["get", "put", "post", "delete", "patch"];
const operations = Object.entries(spec.paths).flatMap(([path, item]) =>
  methods.filter((m) => item[m]).map((m) => ({ method: m.toUpperCase(), path, id: item[m].operationId })),
);

const failures = [];
const userDataDir = mkdtempSync(join(tmpdir(), "swagger-ui-check-"));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath,
  headless: true,
  args: [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
  viewport: { width: 1280, height: 900 },
});
try {
  const page = context.pages()[0] ?? (await context.newPage());
  // Everything the page loads comes from the service: a request elsewhere fails the check.
  page.on("request", (req) => {
    if (!req.url().startsWith(base) && !req.url().startsWith("data:")) failures.push(`request outside the service: ${req.url()}`);
  });
  page.on("pageerror", (err) => failures.push(`page error: ${err.message}`));

  await page.goto(`${base}/api/docs/`);
  await page.waitForSelector(".opblock", { timeout: 30_000 });

  // Every operation rendered, with its method and path.
  const rendered = await page.$$eval(".opblock-summary", (els) =>
    els.map((el) => ({
      method: el.querySelector(".opblock-summary-method")?.textContent.trim(),
      path: el.querySelector(".opblock-summary-path")?.getAttribute("data-path"),
    })),
  );
  const seen = new Set(rendered.map((r) => `${r.method} ${r.path}`));
  const missing = operations.filter((o) => !seen.has(`${o.method} ${o.path}`));
  for (const o of missing) failures.push(`not rendered: ${o.method} ${o.path} (${o.id})`);
  console.log(`rendered ${rendered.length} operations; openapi.yaml has ${operations.length}, ${missing.length} missing`);

  // Authorize with the DRF token.
  await page.click(".auth-wrapper .btn.authorize");
  await page.fill(".modal-ux input[type=text], .modal-ux input[type=password]", `Token ${token}`);
  await page.click(".modal-ux .auth-btn-wrapper .btn.modal-btn.authorize");
  await page.click(".modal-ux .btn-done, .modal-ux .close-modal");

  const tryOut = async (operationId, body) => {
    const op = page.locator(`[id$="-${operationId}"].opblock`);
    await op.locator(".opblock-summary").first().click();
    // Vendor extensions are for generators: none may be shown.
    if (await op.locator(".opblock-body").getByText(/x-(go|enum|oapi)/).count()) failures.push(`${operationId}: a vendor extension is shown`);
    await op.locator(".try-out__btn").click();
    if (body !== undefined) await op.locator("textarea.body-param__text").fill(JSON.stringify(body));
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url().startsWith(`${base}/api/`) && r.request().method() !== "OPTIONS"),
      op.locator("button.execute").click(),
    ]);
    await op.locator(".live-responses-table tbody .response-col_status").first().waitFor();
    const shown = (await op.locator(".live-responses-table tbody .response-col_status").first().textContent()).trim();
    const req = response.request();
    console.log(`${operationId}: ${req.method()} ${req.url()} → ${response.status()} (Swagger UI shows ${shown})`);
    if (req.headers()["authorization"] !== `Token ${token}`) failures.push(`${operationId}: sent without the token`);
    if (response.status() !== 200 || !shown.startsWith("200")) failures.push(`${operationId}: ${response.status()}, want 200`);
    return { url: new URL(req.url()), body: await response.json() };
  };

  const started = await tryOut("onboarding_verifications_start_verification", {
    country: "EE", legal_person_identifier: "12417834", person_identifier: "48001010005",
  });
  if (started.body.status !== "pending") failures.push(`start_verification: status ${started.body.status}, want pending`);
  const listed = await tryOut("onboarding_verifications_list");
  const filters = ["status", "country", "legal_person_identifier", "legal_name", "user"].filter((f) => listed.url.searchParams.has(f));
  if (filters.length) failures.push(`list: Try it out pre-filled the filters ${filters.join(", ")}: ${listed.url}`);
  if (!Array.isArray(listed.body) || !listed.body.some((v) => v.uuid === started.body.uuid))
    failures.push("list: the verification just started is not listed");

  mkdirSync(dirname(screenshot), { recursive: true });
  await page.screenshot({ path: screenshot, fullPage: true });
  console.log(`screenshot: ${screenshot}`);
} finally {
  await context.close();
  rmSync(userDataDir, { recursive: true, force: true });
}

if (failures.length) {
  console.error(`Swagger UI check failed:\n  ${failures.join("\n  ")}`);
  process.exit(1);
}
console.log("Swagger UI check passed");
