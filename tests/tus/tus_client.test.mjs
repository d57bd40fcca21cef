// Resumable uploads at /uploads/ (tus 1.0.0) through the real tus-js-client in Node.js. Starts
// the simplefs binary (SIMPLEFS_BIN) on a free loopback port with a temporary storage root, then:
// a big file (SIMPLEFS_TUS_BIG_MIB, default 256) aborted at a random offset and finished by a
// fresh Upload found through its stored fingerprint; a parallel upload (concatenation of four
// partial uploads); Upload-Checksum on every PATCH, which tus-js-client does not send by itself,
// added by a wrapping HTTP stack, and a wrong one refused with 460; termination; and the
// `filename` and `path` metadata that name the file under /files/.
//
//   SIMPLEFS_BIN=build/release/simplefs node --test tests/tus/tus_client.test.mjs
//   (from a folder where `npm ci` of tests/tus/package.json ran: the build tree's tests/tus)
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { once } from "node:events";
import { createReadStream } from "node:fs";
import { mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { DefaultHttpStack, FileUrlStorage, Upload } from "tus-js-client";
import { startSimplefs } from "./simplefs_server.mjs";

const BIN = process.env.SIMPLEFS_BIN;
const MiB = 1024 * 1024;
const BIG = Number(process.env.SIMPLEFS_TUS_BIG_MIB || 256) * MiB;
const WAIT = 15_000;  // generous: a busy 2-core machine
// Retries after 409/423 and dropped connections, as a real client would configure them.
const RETRY_DELAYS = [0, 250, 1000, 3000];

let root, base, server;

// Random bytes into `file`; answers their SHA-256 (hex).
async function randomFile(file, size) {
  const hash = createHash("sha256");
  const handle = await open(file, "w");
  try {
    for (let written = 0; written < size;) {
      const piece = randomBytes(Math.min(8 * MiB, size - written));
      hash.update(piece);
      await handle.write(piece);
      written += piece.length;
    }
  } finally {
    await handle.close();
  }
  return hash.digest("hex");
}

// GET url, streamed through SHA-256: {status, size, sha256}.
async function download(url) {
  const res = await fetch(url);
  const hash = createHash("sha256");
  let size = 0;
  for await (const piece of res.body) {
    hash.update(piece);
    size += piece.length;
  }
  return { status: res.status, size, sha256: hash.digest("hex") };
}

function head(url) {
  return fetch(url, { method: "HEAD", headers: { "Tus-Resumable": "1.0.0" } });
}

// Runs an Upload to its end: resolves with onSuccess's payload, rejects with onError's error.
function run(source, options, prepare = async () => {}) {
  return new Promise((resolve, reject) => {
    const upload = new Upload(source, { ...options, onSuccess: resolve, onError: reject });
    prepare(upload).then(() => upload.start(), reject);
  });
}

// tus-js-client sends no Upload-Checksum (checksum extension); this HTTP stack wraps the default
// one and adds it to every request with a body. `corrupt` counts the next requests that get the
// digest of other bytes instead. Every request is logged with its answer.
class ChecksumHttpStack {
  constructor(algorithm) {
    this.inner = new DefaultHttpStack();
    this.algorithm = algorithm;
    this.corrupt = 0;
    this.sent = [];
  }

  createRequest(method, url) {
    return new ChecksumRequest(this, this.inner.createRequest(method, url));
  }

  getName() {
    return "ChecksumHttpStack";
  }
}

class ChecksumRequest {
  constructor(stack, inner) {
    this.stack = stack;
    this.inner = inner;
  }

  getMethod() { return this.inner.getMethod(); }
  getURL() { return this.inner.getURL(); }
  setHeader(name, value) { this.inner.setHeader(name, value); }
  getHeader(name) { return this.inner.getHeader(name); }
  setProgressHandler(handler) { this.inner.setProgressHandler(handler); }
  abort() { return this.inner.abort(); }
  getUnderlyingObject() { return this.inner.getUnderlyingObject(); }

  async send(body = null) {
    // The file source hands out each chunk as a ReadStream: read it whole to hash it first.
    let bytes = body;
    if (body !== null && !(body instanceof Uint8Array)) {
      const pieces = [];
      for await (const piece of body) pieces.push(piece);
      bytes = Buffer.concat(pieces);
    }
    let checksum = null;
    if (bytes !== null && bytes.length > 0) {
      const hashed = this.stack.corrupt > 0 ? Buffer.from("other bytes") : bytes;
      this.stack.corrupt = Math.max(0, this.stack.corrupt - 1);
      checksum = `${this.stack.algorithm} ${createHash(this.stack.algorithm).update(hashed).digest("base64")}`;
      this.inner.setHeader("Upload-Checksum", checksum);
      this.inner.setHeader("Content-Length", String(bytes.length));
    }
    const started = Date.now();
    const res = await this.inner.send(bytes);
    this.stack.sent.push({ method: this.getMethod(), length: bytes?.length ?? 0, checksum,
                           status: res.getStatus(), ms: Date.now() - started });
    return res;
  }
}

before(async () => {
  assert.ok(BIN, "SIMPLEFS_BIN must name the simplefs binary");
  root = await mkdtemp(path.join(tmpdir(), "simplefs-tus-"));
  server = await startSimplefs(BIN, path.join(root, "data"), [], WAIT);
  base = server.url;
});

// A clean exit on SIGTERM: in sanitizer builds a report makes it fail.
after(async () => {
  let exit = [0, null];
  if (server?.proc.exitCode === null) {
    server.proc.kill("SIGTERM");
    exit = await once(server.proc, "exit");
  }
  if (root) await rm(root, { recursive: true, force: true });
  assert.equal(exit[0], 0, `simplefs exited with ${exit[0] ?? exit[1]} after SIGTERM:\n${server?.log()}`);
});

test("OPTIONS /uploads/ announces what the client relies on", async () => {
  const res = await fetch(base + "/uploads/", { method: "OPTIONS" });
  assert.ok(res.status === 200 || res.status === 204, `OPTIONS answered ${res.status}`);
  assert.match(res.headers.get("tus-version") ?? "", /\b1\.0\.0\b/);
  const extensions = (res.headers.get("tus-extension") ?? "").split(",").map((e) => e.trim());
  for (const name of ["creation", "termination", "checksum", "concatenation"]) {
    assert.ok(extensions.includes(name), `Tus-Extension lacks ${name}: ${extensions}`);
  }
  const algorithms = (res.headers.get("tus-checksum-algorithm") ?? "").split(",").map((a) => a.trim());
  assert.ok(algorithms.includes("sha1") && algorithms.includes("sha256"),
            `Tus-Checksum-Algorithm: ${algorithms}`);
});

test("a big upload aborted at a random offset is finished by a fresh client", async (t) => {
  const source = path.join(root, "big.bin");
  const sha256 = await randomFile(source, BIG);
  const urls = new FileUrlStorage(path.join(root, "tus-urls.json"));
  const options = {
    endpoint: base + "/uploads/",
    chunkSize: BIG / 16,
    urlStorage: urls,
    retryDelays: RETRY_DELAYS,
    metadata: { filename: "big.bin", filetype: "application/octet-stream" },
  };

  // First client: stopped in the middle of a PATCH: once its progress passes a random point
  // between 15 % and 75 % (progress also reports each chunk's start, before its PATCH is sent)
  // and then 0 to 20 ms more, so that the server may be cut off anywhere in a chunk.
  const abortAt = Math.floor(BIG * (0.15 + 0.6 * Math.random()));
  const started = Date.now();
  let triggered = false;
  let lastSent = 0;
  await new Promise((resolve, reject) => {
    const upload = new Upload(createReadStream(source), {
      ...options,
      onProgress(sent) {
        lastSent = sent;
        if (sent >= abortAt && sent % options.chunkSize !== 0 && !triggered) {
          triggered = true;
          setTimeout(() => upload.abort().then(resolve, reject), Math.floor(Math.random() * 21));
        }
      },
      onSuccess: () => reject(new Error("the upload finished before it was aborted")),
      onError: reject,
    });
    upload.start();
  });
  const firstPart = Date.now() - started;

  // What the fingerprint left behind, and what the server kept.
  const stored = await urls.findAllUploads();
  assert.equal(stored.length, 1, "one upload URL stored for the file");
  const uploadUrl = stored[0].uploadUrl;
  assert.ok(uploadUrl.startsWith(base + "/uploads/"), uploadUrl);
  const interrupted = await head(uploadUrl);
  assert.equal(interrupted.status, 200);
  assert.equal(interrupted.headers.get("upload-length"), String(BIG));
  const kept = Number(interrupted.headers.get("upload-offset"));
  assert.ok(kept > 0 && kept < BIG, `the server kept ${kept} of ${BIG} bytes`);

  // Second client: a new Upload over a new stream of the same file, resumed from storage.
  const requests = [];
  const heads = [];
  const resumed = Date.now();
  const { lastResponse } = await run(createReadStream(source), {
    ...options,
    removeFingerprintOnSuccess: true,
    onBeforeRequest(req) {
      requests.push({ method: req.getMethod(), offset: req.getHeader("Upload-Offset") });
    },
    onAfterResponse(req, res) {
      if (req.getMethod() === "HEAD") heads.push(Number(res.getHeader("Upload-Offset")));
    },
  }, async (upload) => {
    const previous = await upload.findPreviousUploads();
    assert.equal(previous.length, 1);
    upload.resumeFromPreviousUpload(previous[0]);
  });
  const secondPart = Date.now() - resumed;

  assert.ok(!requests.some((r) => r.method === "POST"), "the second client created a new upload");
  assert.equal(requests[0].method, "HEAD");
  const firstPatch = requests.find((r) => r.method === "PATCH");
  assert.ok(Number(firstPatch.offset) >= kept, `resumed at ${firstPatch.offset}, the server had ${kept}`);
  assert.equal(Number(firstPatch.offset), heads[0]);
  assert.equal(lastResponse.getHeader("Upload-Offset"), String(BIG));
  assert.equal(lastResponse.getHeader("Upload-File"), "/files/big.bin");

  const finished = await head(uploadUrl);
  assert.equal(finished.headers.get("upload-offset"), String(BIG));
  assert.equal(finished.headers.get("upload-file"), "/files/big.bin");
  const got = await download(base + "/files/big.bin");
  assert.deepEqual(got, { status: 200, size: BIG, sha256 });
  t.diagnostic(`${BIG / MiB} MiB: aborted after ${lastSent} bytes sent (${firstPart} ms), ` +
               `server kept ${kept}, resumed at ${firstPatch.offset}, finished in ${secondPart} ms`);
});

test("a parallel upload: four partial uploads concatenated, named by filename and path", async (t) => {
  const size = 40 * MiB + 12345;  // parts of unequal size
  const source = path.join(root, "parallel.bin");
  const sha256 = await randomFile(source, size);
  const posts = [];
  const started = Date.now();
  const { lastResponse } = await run(createReadStream(source), {
    endpoint: base + "/uploads/",
    chunkSize: 8 * MiB,
    parallelUploads: 4,
    retryDelays: RETRY_DELAYS,
    metadata: { filename: "parallel.bin", path: "tus/parts" },
    onBeforeRequest(req) {
      if (req.getMethod() === "POST") posts.push(req.getHeader("Upload-Concat"));
    },
  });
  const took = Date.now() - started;

  assert.equal(posts.filter((c) => c === "partial").length, 4);
  const finals = posts.filter((c) => c?.startsWith("final;"));
  assert.equal(finals.length, 1);
  assert.equal(finals[0].slice("final;".length).split(" ").length, 4);
  assert.equal(lastResponse.getStatus(), 201);
  assert.equal(lastResponse.getHeader("Upload-File"), "/files/tus/parts/parallel.bin");
  const got = await download(base + "/files/tus/parts/parallel.bin");
  assert.deepEqual(got, { status: 200, size, sha256 });
  t.diagnostic(`${(size / MiB).toFixed(1)} MiB in 4 parts: ${took} ms`);
});

test("Upload-Checksum on every PATCH; a wrong one answers 460 and that PATCH is discarded", async () => {
  const size = 20 * MiB + 7;
  const source = path.join(root, "checked.bin");
  const sha256 = await randomFile(source, size);

  // sha256 on each of the 6 PATCHes (4 MiB chunks), all accepted.
  const stack = new ChecksumHttpStack("sha256");
  await run(createReadStream(source), {
    endpoint: base + "/uploads/",
    chunkSize: 4 * MiB,
    httpStack: stack,
    retryDelays: RETRY_DELAYS,
    metadata: { filename: "checked.bin" },
  });
  const patches = stack.sent.filter((r) => r.method === "PATCH");
  assert.equal(patches.length, 6);
  for (const patch of patches) {
    assert.match(patch.checksum, /^sha256 [A-Za-z0-9+/]{43}=$/);
    assert.equal(patch.status, 204);
  }
  assert.deepEqual(await download(base + "/files/checked.bin"), { status: 200, size, sha256 });

  // sha1, the first PATCH's digest wrong: 460 is final for the client (no retry on a 4xx), the
  // server keeps nothing of it, and the same Upload started again finishes.
  const sha1 = new ChecksumHttpStack("sha1");
  sha1.corrupt = 1;
  let upload;
  const options = {
    endpoint: base + "/uploads/",
    chunkSize: 4 * MiB,
    httpStack: sha1,
    retryDelays: RETRY_DELAYS,
    metadata: { filename: "checked-sha1.bin" },
  };
  const refused = await new Promise((resolve, reject) => {
    upload = new Upload(createReadStream(source), {
      ...options,
      onSuccess: () => reject(new Error("a wrong checksum was accepted")),
      onError: resolve,
    });
    upload.start();
  });
  assert.equal(refused.originalResponse?.getStatus(), 460, String(refused));
  assert.deepEqual(sha1.sent.map((r) => [r.method, r.status]), [["POST", 201], ["PATCH", 460]]);
  assert.match(sha1.sent[1].checksum, /^sha1 [A-Za-z0-9+/]{27}=$/);
  // Answered once the body is read, not when the server's idle timeout (60 s) ends a response
  // that had no length: a generous bound for 4 MiB on loopback.
  assert.ok(sha1.sent[1].ms < 30_000, `the 460 took ${sha1.sent[1].ms} ms`);
  assert.equal((await head(upload.url)).headers.get("upload-offset"), "0");

  await new Promise((resolve, reject) => {
    upload.options.onSuccess = resolve;
    upload.options.onError = reject;
    upload.start();
  });
  const again = sha1.sent.slice(2);
  assert.equal(again[0].method, "HEAD");
  assert.ok(again.filter((r) => r.method === "PATCH").every((r) => r.status === 204 && r.checksum));
  assert.deepEqual(await download(base + "/files/checked-sha1.bin"), { status: 200, size, sha256 });
});

test("termination: abort(true) deletes the upload on the server", async () => {
  const bytes = randomBytes(4 * MiB);
  let upload;
  await new Promise((resolve, reject) => {
    upload = new Upload(bytes, {
      endpoint: base + "/uploads/",
      chunkSize: MiB,
      retryDelays: RETRY_DELAYS,
      metadata: { filename: "terminated.bin" },
      onChunkComplete(_chunk, accepted) {
        if (accepted === MiB) upload.abort(true).then(resolve, reject);
      },
      onSuccess: () => reject(new Error("the upload finished before it was terminated")),
      onError: reject,
    });
    upload.start();
  });
  assert.equal((await head(upload.url)).status, 404);
  assert.equal((await fetch(base + "/files/terminated.bin", { method: "HEAD" })).status, 404);
});
