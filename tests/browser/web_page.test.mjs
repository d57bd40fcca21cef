// The page at / in a real browser: Debian's chromium driven by playwright-core. Starts the
// simplefs binary (SIMPLEFS_BIN) on a free loopback port with a temporary root and a 1 MiB
// upload limit, then uploads by the picker and by drag-and-drop, downloads, deletes, checks that
// a 413 is shown, and uses a token against a second server with --auth-tokens; large files go
// through /uploads/ (tus) against a third server with a larger limit, resumed after a dropped
// PATCH and after a reload, and cancelled. Screenshots go to SIMPLEFS_BROWSER_ARTIFACTS (default
// ./artifacts).
//
//   SIMPLEFS_BIN=build/release/simplefs node --test tests/browser/web_page.test.mjs
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { access, mkdtemp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";
import { startSimplefs } from "./simplefs_server.mjs";

const BIN = process.env.SIMPLEFS_BIN;
const CHROMIUM = process.env.SIMPLEFS_CHROMIUM || "/usr/bin/chromium";
const ARTIFACTS = path.resolve(process.env.SIMPLEFS_BROWSER_ARTIFACTS || "artifacts");
const MiB = 1024 * 1024;
const LIMIT = MiB;
const WAIT = 15_000;  // generous: a busy 2-core machine

let root, base, browser;
const servers = [];
const TOKEN = "browser-test-token-0123456789";

// Starts simplefs on a free port with the storage root `data` and the page tests' upload limit;
// answers its base URL.
async function startServer(data, ...extra) {
  const server = await startSimplefs(BIN, data, ["--max-upload-size", String(LIMIT), ...extra], WAIT);
  servers.push(server.proc);
  return server.url;
}

// Bytes that differ per position, so a truncated or shifted download shows.
function pattern(size, seed) {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i += 1) bytes[i] = (i * 31 + seed) & 0xff;
  return bytes;
}

before(async () => {
  assert.ok(BIN, "SIMPLEFS_BIN must name the simplefs binary");
  await mkdir(ARTIFACTS, { recursive: true });
  await access(CHROMIUM).catch(() => {
    throw new Error(`${CHROMIUM} not found: apt-get install chromium (scripts/install-deps test), ` +
                    "or set SIMPLEFS_CHROMIUM");
  });
  root = await mkdtemp(path.join(tmpdir(), "simplefs-browser-"));
  base = await startServer(path.join(root, "data"));
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true,
                                    args: ["--no-sandbox"] });
});

after(async () => {
  await browser?.close();
  for (const proc of servers) {
    if (proc.exitCode === null) {
      proc.kill("SIGTERM");
      await once(proc, "exit");
    }
  }
  if (root) await rm(root, { recursive: true, force: true });
});

test("upload, list, download, delete and errors on the page", async () => {
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1200, height: 850 } });
  const page = await context.newPage();
  const pageErrors = [];
  page.on("pageerror", (e) => pageErrors.push(String(e)));
  // Console errors too (a Content-Security-Policy violation shows there), except the failed
  // requests the test causes on purpose (the 413, the new folder's 404).
  page.on("console", (m) => {
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) {
      pageErrors.push(m.text());
    }
  });
  await page.goto(base + "/");
  await page.getByRole("heading", { name: "Files" }).waitFor();

  // Two files through the picker.
  const alpha = pattern(300_000, 1);
  const beta = Buffer.from("beta: a small text file\n");
  await page.setInputFiles("#file-input", [
    { name: "alpha.bin", mimeType: "application/octet-stream", buffer: alpha },
    { name: "beta.txt", mimeType: "text/plain", buffer: beta },
  ]);
  // One by drag-and-drop: a drop event carrying a DataTransfer built in the page.
  await page.evaluate(() => {
    const data = new DataTransfer();
    data.items.add(new File(["gamma dropped\n"], "gamma.txt", { type: "text/plain" }));
    const zone = document.getElementById("upload-form");
    zone.dispatchEvent(new DragEvent("dragenter", { dataTransfer: data, bubbles: true, cancelable: true }));
    zone.dispatchEvent(new DragEvent("drop", { dataTransfer: data, bubbles: true, cancelable: true }));
  });

  const uploads = page.locator("#transfer-list progress");
  await page.waitForFunction(() => {
    const bars = [...document.querySelectorAll("#transfer-list progress")];
    return bars.length === 3 && bars.every((b) => b.value === 100);
  }, null, { timeout: WAIT });
  assert.equal(await uploads.count(), 3);
  assert.equal(await page.locator("#overall-progress").evaluate((b) => b.value), 100);
  await page.locator("#overall-text", { hasText: "3 of 3 finished" }).waitFor({ timeout: WAIT });

  const rows = page.locator("#rows");
  for (const name of ["alpha.bin", "beta.txt", "gamma.txt"]) {
    await rows.getByRole("link", { name, exact: true }).waitFor({ timeout: WAIT });
  }
  assert.deepEqual(await readFile(path.join(root, "data", "gamma.txt"), "utf8"), "gamma dropped\n");
  await page.screenshot({ path: path.join(ARTIFACTS, "desktop.png"), fullPage: true });

  // Sorting by size puts the largest last, then first.
  await page.getByRole("button", { name: "Size" }).click();
  const firstName = () => rows.locator("a.name").first().textContent();
  assert.equal(await page.locator('th[data-key="size"]').getAttribute("aria-sort"), "ascending");
  await page.getByRole("button", { name: "Size" }).click();
  assert.equal(await firstName(), "alpha.bin");
  // The filter hides what does not match.
  await page.fill("#filter", "gam");
  assert.equal(await rows.locator("a.name").count(), 1);
  await page.fill("#filter", "");
  // By keyboard: the column headers are buttons; the live region tells what is shown.
  await page.focus('th[data-key="modified"] button');
  await page.keyboard.press("Enter");
  assert.equal(await page.locator('th[data-key="modified"]').getAttribute("aria-sort"), "ascending");
  assert.match(await page.locator("#status").textContent(), /3 items in the top folder/);

  // Download alpha.bin and compare the bytes.
  const [download] = await Promise.all([
    page.waitForEvent("download", { timeout: WAIT }),
    page.getByRole("button", { name: "Download alpha.bin" }).click(),
  ]);
  const saved = path.join(root, "downloaded.bin");
  await download.saveAs(saved);
  assert.ok((await readFile(saved)).equals(alpha), "the downloaded bytes differ from the upload");

  // Delete beta.txt, accepting the confirmation.
  page.once("dialog", (dialog) => {
    assert.equal(dialog.type(), "confirm");
    dialog.accept();
  });
  await page.getByRole("button", { name: "Delete beta.txt" }).click();
  await rows.getByRole("link", { name: "beta.txt", exact: true }).waitFor({ state: "detached", timeout: WAIT });
  const listing = await (await fetch(base + "/files/")).json();
  assert.deepEqual(listing.files.map((f) => f.name).sort(), ["alpha.bin", "gamma.txt"]);

  // A name that is listed already: the page asks before replacing it. No: nothing is sent.
  const transfers = page.locator("#transfer-list li");
  const before = await transfers.count();
  const alphaAgain = [{ name: "alpha.bin", mimeType: "application/octet-stream", buffer: pattern(1000, 9) }];
  let question = "";
  page.once("dialog", (dialog) => {
    question = dialog.message();
    dialog.dismiss();
  });
  await page.setInputFiles("#file-input", alphaAgain);
  await until(async () => question !== "", "the replace question");
  assert.match(question, /exists already: alpha\.bin\. Replace it\?/);
  assert.equal(await transfers.count(), before);
  assert.ok((await readFile(path.join(root, "data", "alpha.bin"))).equals(alpha), "alpha.bin was replaced");
  // Yes: it is replaced.
  page.once("dialog", (dialog) => dialog.accept());
  await page.setInputFiles("#file-input", alphaAgain);
  await until(async () => (await transfers.count()) === before + 1, "the replacing upload's row");
  await page.locator('#transfer-list li[data-state="done"]').nth(before).waitFor({ timeout: WAIT });
  assert.ok((await readFile(path.join(root, "data", "alpha.bin"))).equals(alphaAgain[0].buffer));

  // Over the limit: the 413 is explained on the upload's row.
  await page.setInputFiles("#file-input", [
    { name: "huge.bin", mimeType: "application/octet-stream", buffer: pattern(LIMIT + 4096, 7) },
  ]);
  const failed = page.locator('#transfer-list li[data-state="failed"]', { hasText: "huge.bin" });
  await failed.waitFor({ timeout: WAIT });
  assert.match(await failed.locator(".note").textContent(), /Too large/);
  // The failed file sends nothing more: the overall bar is full once the others are done.
  await page.locator("#overall-text", { hasText: "5 of 5 finished, 1 failed" }).waitFor({ timeout: WAIT });
  assert.equal(await page.locator("#overall-progress").evaluate((b) => b.value), 100);
  const names = (await (await fetch(base + "/files/")).json()).files.map((f) => f.name);
  assert.ok(!names.includes("huge.bin"), "the over-limit file was stored");

  // A new folder opens empty and says how it comes to exist; an upload into it makes it.
  await page.getByRole("button", { name: "New folder" }).click();
  await page.fill("#folder-name", "reports 2026");
  await page.keyboard.press("Enter");
  await page.locator("#empty", { hasText: "exists once you upload" }).waitFor({ timeout: WAIT });
  await page.setInputFiles("#file-input", [{ name: "q4.txt", mimeType: "text/plain", buffer: Buffer.from("q4\n") }]);
  await rows.getByRole("link", { name: "q4.txt", exact: true }).waitFor({ timeout: WAIT });
  assert.equal(await readFile(path.join(root, "data", "reports 2026", "q4.txt"), "utf8"), "q4\n");
  assert.match(await page.evaluate(() => location.hash), /^#\/reports%202026\/$/);
  await page.getByRole("link", { name: "Top folder" }).click();
  await rows.getByRole("link", { name: "reports 2026/" }).waitFor({ timeout: WAIT });

  // A dropped folder: its files keep their paths below the current folder. The browser's
  // FileSystemEntry objects are stood in for (a test cannot drop a real folder); the page's walk
  // through them, batches and an empty folder included, is what runs.
  await page.evaluate(() => {
    const fileEntry = (name, text) => ({ isFile: true, isDirectory: false, name,
      file: (ok) => ok(new File([text], name, { type: "text/plain" })) });
    const folderEntry = (name, batches) => ({ isFile: false, isDirectory: true, name,
      createReader: () => {
        let next = 0;
        return { readEntries: (ok) => setTimeout(() => ok(batches[next++] || []), 0) };
      } });
    const album = folderEntry("album", [[fileEntry("a.txt", "in album\n")],
                                        [folderEntry("2026", [[fileEntry("b.txt", "deeper\n")]]),
                                         folderEntry("empty", [])]]);
    const drop = new Event("drop", { bubbles: true, cancelable: true });
    Object.defineProperty(drop, "dataTransfer", {
      value: { files: [], items: [{ kind: "file", webkitGetAsEntry: () => album }] } });
    document.dispatchEvent(drop);
  });
  await uploadedFully(page, "album/a.txt");
  await uploadedFully(page, "album/2026/b.txt");
  assert.equal(await readFile(path.join(root, "data", "album", "a.txt"), "utf8"), "in album\n");
  assert.equal(await readFile(path.join(root, "data", "album", "2026", "b.txt"), "utf8"), "deeper\n");
  await rows.getByRole("link", { name: "album/" }).waitFor({ timeout: WAIT });
  await page.screenshot({ path: path.join(ARTIFACTS, "desktop-after.png"), fullPage: true });

  // A phone-sized screen: the same page, fewer columns, nothing wider than the screen.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.reload();
  await rows.getByRole("link", { name: "alpha.bin", exact: true }).waitFor({ timeout: WAIT });
  await page.screenshot({ path: path.join(ARTIFACTS, "phone.png"), fullPage: true });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than a phone screen`);

  assert.deepEqual(pageErrors, []);
  await context.close();
});

test("the page works without JavaScript: the original's form posts", async () => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(base + "/");
  await page.setInputFiles('form[action="/files/"] input[name="file"]', [
    { name: "plain.txt", mimeType: "text/plain", buffer: Buffer.from("no script\n") },
  ]);
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url() === base + "/files/" && r.request().method() === "POST"),
    page.getByRole("button", { name: "Submit" }).click(),
  ]);
  assert.equal(response.status(), 202);
  assert.deepEqual(await response.json(), { message: "plain.txt upload task submitted." });
  assert.equal(await readFile(path.join(root, "data", "plain.txt"), "utf8"), "no script\n");
  await context.close();
});

test("caching: the page revalidates, versioned assets are immutable", async () => {
  const index = await fetch(base + "/");
  assert.equal(index.headers.get("cache-control"), "no-cache");
  const etag = index.headers.get("etag");
  assert.ok(etag);
  assert.equal((await fetch(base + "/", { headers: { "If-None-Match": etag } })).status, 304);
  const html = await index.text();
  const script = html.match(/src="(\/ui\/app\.js\?v=[0-9a-f]{16})"/);
  assert.ok(script, "app.js is not linked with a version");
  const asset = await fetch(base + script[1]);
  assert.equal(asset.status, 200);
  assert.match(asset.headers.get("cache-control"), /max-age=31536000/);
  assert.equal((await fetch(base + "/ui/app.js")).headers.get("cache-control"), "no-cache");
  assert.equal((await fetch(base + "/ui/nope.js")).status, 404);
});

test("with access control: 401 explained, then the token from the field is sent", async () => {
  const tokens = path.join(root, "tokens");
  await writeFile(tokens, `${TOKEN} browser read,write,delete,list\n`);
  const secured = await startServer(path.join(root, "secured"), "--auth-tokens", tokens,
                                    "--max-upload-size", String(16 * MiB));
  const context = await browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  await page.goto(secured + "/");
  await page.locator("#message", { hasText: "An access token is needed" }).waitFor({ timeout: WAIT });
  assert.equal(await page.locator("#token-box").evaluate((d) => d.open), true);

  await page.fill("#token", TOKEN);
  await page.getByRole("button", { name: "Use token" }).click();
  await page.locator("#message").waitFor({ state: "hidden", timeout: WAIT });
  assert.equal(await page.evaluate(() => sessionStorage.getItem("simplefs.token")), TOKEN);

  const secret = pattern(50_000, 3);
  await page.setInputFiles("#file-input", [{ name: "secret.bin", buffer: secret, mimeType: "application/octet-stream" }]);
  const link = page.locator("#rows").getByRole("link", { name: "secret.bin", exact: true });
  await link.waitFor({ timeout: WAIT });
  const [download] = await Promise.all([
    page.waitForEvent("download", { timeout: WAIT }),
    page.getByRole("button", { name: "Download secret.bin" }).click(),
  ]);
  const saved = path.join(root, "secret-downloaded.bin");
  await download.saveAs(saved);
  assert.ok((await readFile(saved)).equals(secret), "the download with the token differs");

  // A large one goes through /uploads/ with the token too.
  const large = pattern(9 * MiB, 4);
  const uploads = [];
  page.on("request", (r) => {
    if (new URL(r.url()).pathname.startsWith("/uploads/")) uploads.push(r.headers().authorization);
  });
  await page.setInputFiles("#file-input", [{ name: "secret-large.bin", buffer: large, mimeType: "application/octet-stream" }]);
  await page.locator("#rows").getByRole("link", { name: "secret-large.bin", exact: true }).waitFor({ timeout: WAIT });
  assert.ok((await readFile(path.join(root, "secured", "secret-large.bin"))).equals(large));
  assert.ok(uploads.length >= 3 && uploads.every((a) => a === `Bearer ${TOKEN}`), String(uploads));
  await context.close();
});

// Where the page's tus uploads (web/page/app.js, from 8 MiB on) went: /uploads/ requests in order.
function tusLog(page) {
  const log = [];
  page.on("request", (request) => {
    const url = new URL(request.url());
    const put = url.pathname.startsWith("/files/") && request.method() === "PUT";
    if (url.pathname.startsWith("/uploads/") || put) {
      log.push({ method: request.method(), path: url.pathname, offset: request.headers()["upload-offset"] });
    }
  });
  return log;
}

async function until(check, what) {
  const deadline = Date.now() + WAIT;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`no ${what} within ${WAIT} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function uploadedFully(page, name) {
  await page.waitForFunction((n) => {
    const row = [...document.querySelectorAll("#transfer-list li")].find((li) => li.textContent.includes(n));
    return row?.dataset.state === "done" && row.querySelector("progress").value === 100;
  }, name, { timeout: WAIT });
}

test("large files upload through tus: resumed after a dropped PATCH and after a reload, cancel terminates", async () => {
  const data = path.join(root, "tus");
  const limit = 40 * MiB;
  const server = await startServer(data, "--max-upload-size", String(limit));
  const context = await browser.newContext();
  const page = await context.newPage();
  const pageErrors = [];
  page.on("pageerror", (e) => pageErrors.push(String(e)));
  page.on("console", (m) => {
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) pageErrors.push(m.text());
  });
  const log = tusLog(page);
  // Into a folder: the page sends it as the `path` metadata, the name as `filename`.
  await page.goto(server + "/#/big%20files/");
  await page.getByRole("heading", { name: "Files" }).waitFor();
  const tusKeys = () => page.evaluate(
    () => Object.keys(localStorage).filter((k) => k.startsWith("simplefs.tus.")));

  // 20 MiB in 8 MiB PATCHes; the network drops the first one: the page asks HEAD and goes on.
  const first = pattern(20 * MiB + 5, 11);
  await writeFile(path.join(root, "first.bin"), first);
  let cut = false;
  await page.route("**/uploads/*", (route) => {
    if (!cut && route.request().method() === "PATCH") {
      cut = true;
      return route.abort("connectionreset");
    }
    return route.continue();
  });
  await page.setInputFiles("#file-input", path.join(root, "first.bin"));
  await uploadedFully(page, "first.bin");
  await page.unrouteAll();
  assert.ok(cut, "no PATCH was sent");
  const calls = log.map((r) => r.method + " " + (r.offset ?? ""));
  assert.deepEqual(calls, ["OPTIONS ", "POST ", "PATCH 0", "HEAD ", "PATCH 0", `PATCH ${8 * MiB}`,
                           `PATCH ${16 * MiB}`]);
  assert.ok((await readFile(path.join(data, "big files", "first.bin"))).equals(first), "first.bin differs");
  assert.deepEqual(await tusKeys(), [], "a finished upload left its address behind");

  // 24 MiB; the second PATCH never leaves the browser, the page reloads: the same file picked
  // again continues from what the server has (8 MiB) instead of starting anew.
  const second = pattern(24 * MiB, 12);
  await writeFile(path.join(root, "second.bin"), second);
  let held = null;
  await page.route("**/uploads/*", (route) => {
    if (route.request().method() === "PATCH" && route.request().headers()["upload-offset"] !== "0") {
      held = route;  // neither continued nor aborted: the request hangs
      return undefined;
    }
    return route.continue();
  });
  await page.setInputFiles("#file-input", path.join(root, "second.bin"));
  await until(() => held, "second PATCH");
  assert.equal((await tusKeys()).length, 1, "the upload's address is not kept");
  // Reloaded while the PATCH is held (unrouting first would let it go on to the server).
  await page.reload();
  await page.unrouteAll({ behavior: "ignoreErrors" });
  await page.getByRole("heading", { name: "Files" }).waitFor();
  log.length = 0;
  await page.setInputFiles("#file-input", path.join(root, "second.bin"));
  await uploadedFully(page, "second.bin");
  const resumed = log.filter((r) => r.method !== "OPTIONS").map((r) => r.method + " " + (r.offset ?? ""));
  assert.deepEqual(resumed, ["HEAD ", `PATCH ${8 * MiB}`, `PATCH ${16 * MiB}`]);
  assert.ok((await readFile(path.join(data, "big files", "second.bin"))).equals(second), "second.bin differs");

  // Cancel during an upload: the page deletes the tus upload (termination).
  await writeFile(path.join(root, "third.bin"), pattern(16 * MiB, 13));
  held = null;
  await page.route("**/uploads/*", (route) => {
    if (route.request().method() === "PATCH" && route.request().headers()["upload-offset"] !== "0") {
      held = route;
      return undefined;
    }
    return route.continue();
  });
  log.length = 0;
  await page.setInputFiles("#file-input", path.join(root, "third.bin"));
  await until(() => held, "second PATCH");
  await page.getByRole("button", { name: "Cancel the upload of third.bin" }).click();
  await page.locator('#transfer-list li[data-state="cancelled"]', { hasText: "third.bin" }).waitFor({ timeout: WAIT });
  await page.unrouteAll({ behavior: "ignoreErrors" });
  await until(() => log.some((r) => r.method === "DELETE"), "DELETE after cancel");
  const deleted = log.find((r) => r.method === "DELETE");
  assert.equal(deleted.path, log.find((r) => r.method === "PATCH").path);
  const headStatus = async () => {
    const res = await fetch(server + deleted.path, { method: "HEAD", headers: { "Tus-Resumable": "1.0.0" } });
    return res.status;
  };
  await until(async () => (await headStatus()) === 404, "404 for the cancelled upload");
  assert.deepEqual(await tusKeys(), []);
  assert.equal((await fetch(server + "/files/big%20files/third.bin", { method: "HEAD" })).status, 404);

  // Over the server's limit: the tus creation answers 413, explained on the row as for a PUT.
  await writeFile(path.join(root, "toolarge.bin"), Buffer.alloc(limit + 1));
  await page.setInputFiles("#file-input", path.join(root, "toolarge.bin"));
  const failed = page.locator('#transfer-list li[data-state="failed"]', { hasText: "toolarge.bin" });
  await failed.waitFor({ timeout: WAIT });
  assert.match(await failed.locator(".note").textContent(), /Too large/);
  assert.ok(!log.some((r) => r.method === "PUT"), "a large file went by PUT");
  await page.screenshot({ path: path.join(ARTIFACTS, "tus.png"), fullPage: true });

  assert.deepEqual(pageErrors, []);
  await context.close();
});
