// Starting the simplefs binary for the Node.js tests (tests/browser, tests/tus): a free loopback
// port, a storage root, and a wait until /readyz answers 200. CMake copies this file beside each
// test script (simplefs_node_test in cmake/test_node.cmake).
import { spawn } from "node:child_process";
import { mkdir } from "node:fs/promises";
import { createServer } from "node:net";

export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

// Starts `bin` on 127.0.0.1 with the storage root `data` (made if missing) and the extra
// arguments. Resolves with {proc, url, log()} once /readyz is 200; otherwise stops it and
// rejects with what it printed.
export async function startSimplefs(bin, data, extra = [], wait = 15_000) {
  await mkdir(data, { recursive: true });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = spawn(bin, ["--host", "127.0.0.1", "--port", String(port), "--storage-root", data, ...extra],
                     { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  proc.stdout.on("data", (d) => { output += d; });
  proc.stderr.on("data", (d) => { output += d; });
  const deadline = Date.now() + wait;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) {
      throw new Error(`simplefs exited with ${proc.exitCode}:\n${output}`);
    }
    try {
      if ((await fetch(url + "/readyz")).ok) return { proc, url, log: () => output };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  proc.kill("SIGTERM");
  throw new Error(`simplefs was not ready within ${wait} ms:\n${output}`);
}
