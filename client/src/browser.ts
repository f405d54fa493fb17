/**
 * The reference page and the service's own docs in headless Chromium (Debian's, driven by
 * playwright-core), with every request to a host other than 127.0.0.1/localhost aborted
 * and recorded: the page, served from another origin than the API, signs in, lists
 * objectives, checks in, loses a race (412 shown, typed) and wins after a reload; then
 * Swagger UI (/docs) and GraphiQL (/graphql) must render from the service alone.
 *
 * Usage: node build/browser.js BASE_URL ADMIN_TOKEN PAGE_PORT
 * Env: CHROMIUM (default /usr/bin/chromium).
 */
import { readFile, mkdir } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { type BrowserContext, type Page, chromium } from "playwright-core";
import { connect, etagOf } from "./api";

const CLIENT = new URL("../", import.meta.url); // build/ sits in client/
const ARTIFACTS = new URL("artifacts/", CLIENT);
const LOCAL_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** The page's origin: index.html and the bundle, nothing else. */
async function servePage(port: number): Promise<Server> {
  const files: Record<string, [URL, string]> = {
    "/": [new URL("page/index.html", CLIENT), "text/html; charset=utf-8"],
    "/app.js": [new URL("build/page/app.js", CLIENT), "text/javascript; charset=utf-8"],
  };
  const server = createServer((request, response) => {
    const file = files[new URL(request.url ?? "/", "http://x").pathname];
    if (file === undefined) return void response.writeHead(404).end();
    readFile(file[0]).then(
      (body) => response.writeHead(200, { "Content-Type": file[1] }).end(body),
      () => response.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return server;
}

/** Abort what would leave the machine, and remember it: the checks fail on any. */
async function offline(context: BrowserContext, external: string[]): Promise<void> {
  await context.route("**/*", (route) => {
    const url = new URL(route.request().url());
    if (url.protocol === "data:" || url.protocol === "blob:" || LOCAL_HOSTS.has(url.hostname)) {
      return route.continue();
    }
    external.push(url.href);
    return route.abort("blockedbyclient");
  });
}

async function snap(page: Page, name: string): Promise<string> {
  const path = new URL(`${name}.png`, ARTIFACTS).pathname;
  await page.screenshot({ path, fullPage: true });
  return path;
}

async function referencePage(page: Page, baseUrl: string, token: string, pageUrl: string) {
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  await page.goto(`${pageUrl}/?api=${encodeURIComponent(baseUrl)}`);
  await page.fill("input[name=token]", token);
  await page.click("#sign-in button[type=submit]");
  await page.waitForSelector("#who:has-text('Signed in as')");
  await page.waitForSelector("#objectives li.kr");
  const listed = await page.locator("#objectives > li").count();
  const shots = [await snap(page, "page-objectives")];

  const open = page.locator(
    "li.kr:is([data-kind=number],[data-kind=percent],[data-kind=currency]) button",
  );
  await open.first().click();
  await page.waitForSelector("#editor:not([hidden])");
  const before = await page.textContent("#kr-current");
  const value = String(Number(before) + 1);
  await page.fill("#check-in input[name=value]", value);
  await page.fill("#check-in input[name=note]", "from the reference page");
  await page.click("#check-in button[type=submit]");
  await page.waitForSelector(`#notice:has-text('Checked in: ${value}')`);
  await page.waitForSelector(`#kr-current:has-text('${value}')`);
  shots.push(await snap(page, "page-checked-in"));

  // Someone else renames the KR meanwhile: the version the page holds goes stale.
  const id = await open.first().getAttribute("data-kr");
  const api = connect(baseUrl, token);
  const path = { key_result_id: id ?? "" };
  const read = await api.GET("/v1/key-results/{key_result_id}", { params: { path } });
  if (read.data === undefined) throw new Error(`getKeyResult: ${read.error?.code}`);
  const other = await api.PATCH("/v1/key-results/{key_result_id}", {
    params: { path, header: { "If-Match": etagOf(read.response) } },
    body: { title: `${read.data.title} (renamed elsewhere)` },
  });
  if (other.error) throw new Error(`the concurrent rename failed: ${other.error.code}`);

  await page.fill("#rename input[name=title]", "Renamed on the page");
  await page.click("#rename button[type=submit]");
  await page.waitForSelector("#problem:has-text('stale_version')");
  const problem = (await page.textContent("#problem")) ?? "";
  shots.push(await snap(page, "page-stale-version"));
  if (!problem.includes("Precondition failed")) throw new Error(`problem shown: ${problem}`);

  await page.click("#reload");
  await page.fill("#rename input[name=title]", "Renamed on the page");
  await page.click("#rename button[type=submit]");
  await page.waitForSelector("#notice:has-text('Saved')");
  if (errors.length > 0) throw new Error(`page errors: ${errors.join("; ")}`);
  return (
    `${listed} objectives, check-in ${before} -> ${value}, stale rename shown as ` +
    `"${problem}", saved after reload; ${shots.join(", ")}`
  );
}

async function swaggerUi(page: Page, baseUrl: string): Promise<string> {
  await page.goto(`${baseUrl}/docs`);
  await page.waitForSelector(".swagger-ui .opblock");
  const operations = await page.locator(".swagger-ui .opblock").count();
  return `${operations} operations rendered; ${await snap(page, "docs")}`;
}

async function graphiql(page: Page, baseUrl: string, token: string): Promise<string> {
  // Strawberry's GraphiQL page takes the query and the headers from its URL (decoded with
  // decodeURIComponent: a "+" stays a "+", so no URLSearchParams here).
  const headers = encodeURIComponent(JSON.stringify({ Authorization: `Bearer ${token}` }));
  const query = "{ me { name roles } }";
  await page.goto(`${baseUrl}/graphql?q=${encodeURIComponent(query)}&headers=${headers}`);
  try {
    await page.waitForSelector(".graphiql-container .graphiql-query-editor");
    await page.click(".graphiql-execute-button");
    await page.waitForSelector('.graphiql-response:has-text("ADMIN")');
  } finally {
    await snap(page, "graphiql");
  }
  const answer = (await page.textContent(".graphiql-response")) ?? "";
  const name = /"name":\s*"([^"]*)"/.exec(answer)?.[1];
  return `editor rendered, ran ${query} -> ${name}; ${new URL("graphiql.png", ARTIFACTS).pathname}`;
}

async function main(baseUrl: string, token: string, pagePort: number): Promise<void> {
  await mkdir(ARTIFACTS, { recursive: true });
  const server = await servePage(pagePort);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: [
      ...(process.getuid?.() === 0 ? ["--no-sandbox"] : []), // root has no user namespace sandbox
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  const pageUrl = `http://127.0.0.1:${pagePort}`;
  const failures: string[] = [];
  try {
    const checks: [string, (page: Page) => Promise<string>][] = [
      ["reference page", (page) => referencePage(page, baseUrl, token, pageUrl)],
      ["Swagger UI /docs", (page) => swaggerUi(page, baseUrl)],
      ["GraphiQL /graphql", (page) => graphiql(page, baseUrl, token)],
    ];
    for (const [name, run] of checks) {
      // A fresh context each: its own storage, and its own record of blocked requests.
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const external: string[] = [];
      await offline(context, external);
      const page = await context.newPage();
      page.setDefaultTimeout(15_000);
      let outcome = "";
      let failure = "";
      try {
        outcome = await run(page);
      } catch (error) {
        failure = String(error).split("\n")[0] ?? "";
      } finally {
        await context.close();
      }
      if (external.length > 0) {
        failure = `${failure} requests beyond 127.0.0.1 (aborted): ${external.join(", ")}`;
      }
      if (failure === "") {
        console.log(`  ok   ${name}: ${outcome}`);
      } else {
        failures.push(name);
        console.log(`  FAIL ${name}: ${failure.trim()}`);
      }
    }
  } finally {
    await browser.close();
    server.close();
  }
  if (failures.length > 0) throw new Error(`browser checks failed: ${failures.join(", ")}`);
}

const [baseUrl, token, pagePort] = process.argv.slice(2);
if (baseUrl === undefined || token === undefined || pagePort === undefined) {
  console.error("usage: browser.js BASE_URL TOKEN PAGE_PORT");
  process.exit(2);
}
await main(baseUrl, token, Number(pagePort)).catch((error: unknown) => {
  console.error(`  ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
