// The file browser at /: lists a folder (GET /files/<folder>/), uploads with PUT and progress (large
// files resumably through /uploads/, tus 1.0.0), downloads, deletes. Plain JavaScript, no build
// step; the page's form works without it.
"use strict";

const $ = (id) => document.getElementById(id);
const TOKEN_KEY = "simplefs.token";
const PAGE_SIZE = 1000;
const PARALLEL_UPLOADS = 3;
// Files from this size on go through tus at /uploads/ in chunks, when the server offers it: a
// dropped connection or a reloaded page then resumes where the server stands.
const TUS_THRESHOLD = 8 * 1024 * 1024;
const TUS_CHUNK = 8 * 1024 * 1024;
const TUS_RETRY_DELAYS = [1000, 3000, 5000, 10000];
const TUS_KEY = "simplefs.tus.";

const state = {
  folder: "",        // "" or "a/b/"
  files: [],         // {name, size, modified, content_type} of the loaded pages
  folders: [],       // ["a/b/c/", ...]
  next: null,        // cursor of the next page
  missing: false,    // the folder has no files yet (404)
  sortKey: "name",
  sortUp: true,
};
const uploads = [];  // {file, name, folder, loaded, state, xhr, stop, tusUrl, row, bar, note}

// ---------------------------------------------------------------- helpers

function token() {
  return sessionStorage.getItem(TOKEN_KEY) || "";
}

function authHeaders() {
  const t = token();
  return t ? { Authorization: "Bearer " + t } : {};
}

// "/files/a%20b/c.txt" for "a b/c.txt": every segment percent-encoded.
function fileUrl(name) {
  return "/files/" + name.split("/").map(encodeURIComponent).join("/");
}

function baseName(name) {
  const trimmed = name.endsWith("/") ? name.slice(0, -1) : name;
  return trimmed.slice(trimmed.lastIndexOf("/") + 1);
}

function formatSize(bytes) {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return (unit === 0 ? value : value.toFixed(value < 10 ? 1 : 0)) + " " + units[unit];
}

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  Object.assign(node, props);
  for (const child of children) {
    node.append(child);
  }
  return node;
}

function announce(text) {
  $("status").textContent = text;
}

function showMessage(text) {
  const box = $("message");
  box.textContent = text;
  box.hidden = !text;
}

// A sentence for a failed request, from its status and the server's {"detail": ...}.
function explain(status, detail) {
  const said = detail ? " (" + detail + ")" : "";
  switch (status) {
    case 0:
      return "The server could not be reached; check the connection and try again.";
    case 401:
      $("token-box").open = true;
      return "An access token is needed: enter one under \u201cAccess token\u201d" + said + ".";
    case 403:
      $("token-box").open = true;
      return "This token may not do that" + said + ".";
    case 404:
      return "Not found: it may have been deleted meanwhile" + said + ".";
    case 409:
      return "A folder already has that name" + said + ".";
    case 413:
      return "Too large: the file is bigger than the server accepts" + said + ".";
    case 507:
      return "The storage is full: the server has no room for this file" + said + ".";
    default:
      return "The server answered " + status + said + ".";
  }
}

function detailOf(text) {
  try {
    const body = JSON.parse(text);
    return typeof body.detail === "string" ? body.detail : "";
  } catch {
    return "";
  }
}

// ---------------------------------------------------------------- listing

// "#/a%20b/c/" for the folder "a b/c/": the folder is in the address, so back and bookmarks work.
function folderHash(folder) {
  return "#/" + folder.split("/").map(encodeURIComponent).join("/");
}

function folderFromHash() {
  let folder = "";
  try {
    folder = decodeURIComponent(location.hash.replace(/^#\/?/, ""));
  } catch {
    return "";  // not valid percent-encoding: the top folder
  }
  if (folder && !folder.endsWith("/")) {
    folder += "/";
  }
  return folder;
}

async function loadFolder(more = false) {
  const folder = state.folder;
  const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (more && state.next) {
    params.set("cursor", state.next);
  }
  const url = (folder ? fileUrl(folder.slice(0, -1)) + "/" : "/files/") + "?" + params;
  let res;
  try {
    res = await fetch(url, { headers: authHeaders(), cache: "no-store" });
  } catch {
    showMessage(explain(0));
    return;
  }
  if (folder !== state.folder) {
    return;  // the user went elsewhere meanwhile
  }
  if (!more) {
    state.files = [];
    state.folders = [];
  }
  state.missing = res.status === 404 && folder !== "";
  if (res.ok) {
    const page = await res.json();
    state.files.push(...page.files);
    state.folders.push(...page.folders);
    state.next = page.next;
    showMessage("");
  } else {
    state.next = null;
    if (!state.missing) {
      showMessage("Could not list the folder. " + explain(res.status, detailOf(await res.text())));
    }
  }
  render();
}

function openFolder(folder) {
  const hash = folderHash(folder);
  if (location.hash !== hash) {
    location.hash = hash;  // hashchange loads it
  } else {
    state.folder = folder;
    loadFolder();
  }
}

function sortValue(entry, key) {
  if (key === "name") return baseName(entry.name).toLowerCase();
  if (key === "size") return entry.size ?? -1;
  if (key === "modified") return entry.modified ?? "";
  return (entry.content_type ?? "").toLowerCase();
}

function compareBy(key, up) {
  return (a, b) => {
    const x = sortValue(a, key);
    const y = sortValue(b, key);
    const order = x < y ? -1 : x > y ? 1 : 0;
    return up ? order : -order;
  };
}

function renderCrumbs() {
  const nav = $("crumbs");
  nav.replaceChildren();
  const parts = state.folder.split("/").filter(Boolean);
  const list = el("ol");
  const crumb = (label, folder, current) => {
    const link = el("a", { href: folderHash(folder), textContent: label });
    if (current) link.setAttribute("aria-current", "page");
    list.append(el("li", {}, link));
  };
  crumb("Top folder", "", parts.length === 0);
  parts.forEach((part, i) => crumb(part, parts.slice(0, i + 1).join("/") + "/", i === parts.length - 1));
  nav.append(list);
  for (const node of document.querySelectorAll(".current-folder")) {
    node.textContent = state.folder ? "/" + state.folder : "the top folder";
  }
}

function actionButton(label, title, onClick) {
  const button = el("button", { type: "button", textContent: label });
  button.setAttribute("aria-label", title);
  button.addEventListener("click", onClick);
  return button;
}

function fileRow(file) {
  const name = baseName(file.name);
  const link = el("a", { href: fileUrl(file.name), textContent: name, className: "name" });
  link.setAttribute("download", name);
  link.addEventListener("click", (event) => {
    if (token()) {
      event.preventDefault();
      downloadWithToken(file);
    }
  });
  const modified = new Date(file.modified);
  const actions = el("td", {}, el("div", { className: "actions" },
    actionButton("Download", "Download " + name, () => link.click()),
    actionButton("Copy link", "Copy the link to " + name, () => copyLink(file)),
    actionButton("Delete", "Delete " + name, () => deleteFile(file))));
  return el("tr", {},
    el("td", {}, el("span", { className: "kind" }), link),
    el("td", { className: "num", textContent: formatSize(file.size) }),
    el("td", { className: "col-modified" },
      el("time", { dateTime: file.modified, textContent: modified.toLocaleString() })),
    el("td", { className: "col-type", textContent: file.content_type.split(";")[0] }),
    actions);
}

function folderRow(folder) {
  const link = el("a", { href: folderHash(folder), textContent: baseName(folder) + "/", className: "name" });
  return el("tr", { className: "folder" },
    el("td", {}, el("span", { className: "kind" }), link),
    el("td", { className: "num", textContent: "\u2014" }),
    el("td", { className: "col-modified", textContent: "\u2014" }),
    el("td", { className: "col-type", textContent: "folder" }),
    el("td"));
}

function render() {
  renderCrumbs();
  const needle = $("filter").value.trim().toLowerCase();
  const match = (name) => !needle || baseName(name).toLowerCase().includes(needle);
  const folders = state.folders.filter(match).map((name) => ({ name }));
  const files = state.files.filter((f) => match(f.name));
  // Folders stay first, by name; files follow the chosen column.
  folders.sort(compareBy("name", state.sortKey !== "name" || state.sortUp));
  files.sort(compareBy(state.sortKey, state.sortUp));

  const rows = [];
  if (state.folder) {
    const parent = state.folder.split("/").slice(0, -2).join("/");
    const up = el("a", { href: folderHash(parent ? parent + "/" : ""), textContent: "\u2191 Parent folder" });
    rows.push(el("tr", { className: "folder" }, el("td", { colSpan: 5 }, up)));
  }
  rows.push(...folders.map((f) => folderRow(f.name)), ...files.map(fileRow));
  $("rows").replaceChildren(...rows);

  for (const th of document.querySelectorAll("#files th[data-key]")) {
    th.setAttribute("aria-sort", th.dataset.key === state.sortKey ? (state.sortUp ? "ascending" : "descending") : "none");
  }
  const empty = $("empty");
  const shown = folders.length + files.length;
  empty.hidden = shown > 0;
  if (state.missing) {
    empty.textContent = "This folder is new and empty: it exists once you upload a file into it.";
  } else if (needle) {
    empty.textContent = "No name here contains \u201c" + needle + "\u201d.";
  } else {
    empty.textContent = "Nothing here yet: drop files above to upload them.";
  }
  $("more").hidden = !state.next;
  announce(shown + " item" + (shown === 1 ? "" : "s") + " in " + (state.folder ? "/" + state.folder : "the top folder"));
}

// ---------------------------------------------------------------- file actions

async function downloadWithToken(file) {
  // A link cannot carry the Authorization field: fetch the file and save it from memory.
  const res = await fetch(fileUrl(file.name), { headers: authHeaders() });
  if (!res.ok) {
    showMessage("Could not download " + baseName(file.name) + ". " + explain(res.status, detailOf(await res.text())));
    return;
  }
  const url = URL.createObjectURL(await res.blob());
  const link = el("a", { href: url, download: baseName(file.name) });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

async function copyLink(file) {
  const url = new URL(fileUrl(file.name), location.href).href;
  try {
    await navigator.clipboard.writeText(url);
    announce("Link copied: " + url);
  } catch {
    // No clipboard outside secure contexts: let the user copy it by hand.
    window.prompt("Copy this link:", url);
  }
}

async function deleteFile(file) {
  const name = baseName(file.name);
  if (!window.confirm("Delete \u201c" + file.name + "\u201d? This cannot be undone.")) {
    return;
  }
  let res;
  try {
    res = await fetch(fileUrl(file.name), { method: "DELETE", headers: authHeaders() });
  } catch {
    showMessage(explain(0));
    return;
  }
  if (res.ok || res.status === 404) {
    state.files = state.files.filter((f) => f.name !== file.name);
    render();
    announce("Deleted " + name);
    $("files-title").focus();
  } else {
    showMessage("Could not delete " + name + ". " + explain(res.status, detailOf(await res.text())));
  }
}

// ---------------------------------------------------------------- uploads

// fileList: Files (the picker, a drop of files), or {file, relative} with a path below the
// current folder (a dropped folder: "album/2026/a.jpg").
function queueFiles(fileList) {
  let picked = Array.from(fileList, (f) => (f instanceof File ? { file: f, relative: f.name } : f));
  // Replacing is what a PUT does; ask first when a name is already listed here (the loaded pages).
  const clashes = picked.filter((p) => state.files.some((known) => known.name === state.folder + p.relative));
  if (clashes.length > 0) {
    const names = clashes.map((p) => p.relative);
    const shown = names.slice(0, 5).join(", ") + (names.length > 5 ? ", \u2026" : "");
    const question = (names.length === 1 ? "This file exists already: " : names.length + " files exist already: ") +
      shown + ". Replace " + (names.length === 1 ? "it?" : "them?");
    if (!window.confirm(question)) {
      picked = picked.filter((p) => !clashes.includes(p));
    }
  }
  if (picked.length === 0) return;
  $("transfers").hidden = false;
  for (const { file, relative } of picked) {
    const folder = state.folder + relative.slice(0, relative.length - file.name.length);
    const item = { file, name: folder + file.name, folder, loaded: 0, state: "waiting", xhr: null,
                   stop: null, tusUrl: null };
    item.bar = el("progress", { max: 100, value: 0 });
    item.bar.setAttribute("aria-label", "Upload of " + file.name);
    item.note = el("span", { className: "note", textContent: "waiting" });
    item.cancel = actionButton("Cancel", "Cancel the upload of " + file.name, () => cancelUpload(item));
    item.row = el("li", { className: "transfer" },
      el("span", { className: "transfer-name", textContent: item.name }),
      el("span", { className: "muted", textContent: formatSize(file.size) }),
      item.bar, item.note, item.cancel);
    $("transfer-list").append(item.row);
    uploads.push(item);
  }
  announce(picked.length + " file" + (picked.length === 1 ? "" : "s") + " queued for upload");
  pump();
}

// The files below dropped entries (FileSystemEntry), each with its path from the drop:
// [{file, relative: "album/2026/a.jpg"}]. Empty folders give nothing: folders exist through files.
async function filesOfEntries(entries) {
  const picked = [];
  const walk = async (entry, prefix) => {
    if (entry.isFile) {
      const file = await new Promise((resolve, reject) => entry.file(resolve, reject));
      picked.push({ file, relative: prefix + file.name });
    } else if (entry.isDirectory) {
      const reader = entry.createReader();
      // readEntries gives a folder in batches, then an empty one.
      for (;;) {
        const batch = await new Promise((resolve, reject) => reader.readEntries(resolve, reject));
        if (batch.length === 0) break;
        for (const child of batch) await walk(child, prefix + entry.name + "/");
      }
    }
  };
  for (const entry of entries) await walk(entry, "");
  return picked;
}

function pump() {
  const running = uploads.filter((u) => u.state === "sending").length;
  const waiting = uploads.filter((u) => u.state === "waiting");
  for (const item of waiting.slice(0, Math.max(0, PARALLEL_UPLOADS - running))) {
    startUpload(item);
  }
  updateOverall();
}

function startUpload(item) {
  item.state = "sending";
  item.note.textContent = "0%";
  item.stop = () => finishUpload(item, "cancelled", "cancelled");
  if (item.file.size < TUS_THRESHOLD) {
    sendWhole(item);
    return;
  }
  offersTus().then((yes) => {
    if (item.state !== "sending") return;  // cancelled meanwhile
    if (yes) {
      sendResumable(item);
    } else {
      sendWhole(item);
    }
  });
}

function showProgress(item, loaded) {
  item.loaded = loaded;
  const percent = item.file.size ? Math.floor((100 * loaded) / item.file.size) : 0;
  item.bar.value = percent;
  item.note.textContent = percent + "%";
  updateOverall();
}

// The whole file in one PUT.
function sendWhole(item) {
  const xhr = new XMLHttpRequest();
  item.xhr = xhr;
  item.stop = () => xhr.abort();
  xhr.open("PUT", fileUrl(item.name));
  for (const [key, value] of Object.entries(authHeaders())) {
    xhr.setRequestHeader(key, value);
  }
  if (item.file.type) {
    xhr.setRequestHeader("Content-Type", item.file.type);
  }
  xhr.upload.addEventListener("progress", (event) => showProgress(item, event.loaded));
  xhr.addEventListener("load", () => {
    if (xhr.status === 200 || xhr.status === 201) {
      finishUpload(item, "done", "100% \u2014 uploaded");
    } else {
      finishUpload(item, "failed", explain(xhr.status, detailOf(xhr.responseText)));
    }
  });
  xhr.addEventListener("error", () => finishUpload(item, "failed", explain(0)));
  xhr.addEventListener("abort", () => finishUpload(item, "cancelled", "cancelled"));
  xhr.send(item.file);
}

// ---------------------------------------------------------------- resumable uploads (tus 1.0.0)

let tusOffer = null;  // Promise<boolean>, asked once per page

function offersTus() {
  if (!tusOffer) {
    tusOffer = fetch("/uploads/", { method: "OPTIONS", headers: authHeaders() })
      .then((res) => (res.headers.get("Tus-Version") || "").split(",").map((v) => v.trim()).includes("1.0.0"))
      .catch(() => {
        tusOffer = null;  // ask again next time
        return false;
      });
  }
  return tusOffer;
}

function tusHeaders(extra = {}) {
  return { "Tus-Resumable": "1.0.0", ...authHeaders(), ...extra };
}

// Upload-Metadata values are base64 of the UTF-8 bytes.
function base64(text) {
  let binary = "";
  for (const byte of new TextEncoder().encode(text)) {
    binary += String.fromCharCode(byte);
  }
  return btoa(binary);
}

function offsetOf(text) {
  return text !== null && /^[0-9]+$/.test(text) ? Number(text) : null;
}

// The same file picked again, after a reload too, finds its upload by name, size and date.
function tusKey(item) {
  return TUS_KEY + JSON.stringify([item.name, item.file.size, item.file.lastModified]);
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// Where the server stands: its Upload-Offset, or null with the status when it cannot say.
async function tusOffset(url) {
  try {
    const res = await fetch(url, { method: "HEAD", headers: tusHeaders(), cache: "no-store" });
    return { status: res.status, offset: res.ok ? offsetOf(res.headers.get("Upload-Offset")) : null,
             length: res.headers.get("Upload-Length") };
  } catch {
    return { status: 0, offset: null };
  }
}

async function tusCreate(item) {
  const metadata = ["filename " + base64(item.file.name)];
  if (item.folder) metadata.push("path " + base64(item.folder.slice(0, -1)));
  if (item.file.type) metadata.push("content_type " + base64(item.file.type));
  const res = await fetch("/uploads/", {
    method: "POST",
    headers: tusHeaders({ "Upload-Length": String(item.file.size), "Upload-Metadata": metadata.join(",") }),
  });
  const location = res.headers.get("Location");
  const url = res.status === 201 && location ? new URL(location, window.location.href).href : null;
  return { status: res.status, url, detail: detailOf(await res.text()) };
}

// One PATCH of up to TUS_CHUNK bytes from offset: {status (0: no answer), offset, detail}.
function tusPatch(item, url, offset) {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    item.xhr = xhr;
    xhr.open("PATCH", url);
    const headers = tusHeaders({ "Upload-Offset": String(offset), "Content-Type": "application/offset+octet-stream" });
    for (const [key, value] of Object.entries(headers)) {
      xhr.setRequestHeader(key, value);
    }
    xhr.upload.addEventListener("progress", (event) => {
      if (item.state === "sending") showProgress(item, offset + event.loaded);
    });
    xhr.addEventListener("load", () => resolve({
      status: xhr.status,
      offset: offsetOf(xhr.getResponseHeader("Upload-Offset")),
      detail: detailOf(xhr.responseText),
    }));
    xhr.addEventListener("error", () => resolve({ status: 0 }));
    xhr.addEventListener("abort", () => resolve({ status: 0 }));
    xhr.send(item.file.slice(offset, offset + TUS_CHUNK));
  });
}

// Worth another try after a pause: no answer, the offset moved (409), locked by another request
// (423), or the server was briefly unable (502-504).
function tusRetryable(status) {
  return status === 0 || status === 409 || status === 423 || (status >= 502 && status <= 504);
}

async function sendResumable(item) {
  const key = tusKey(item);
  const size = item.file.size;
  const fail = (status, detail) => finishUpload(item, "failed", explain(status, detail));
  item.stop = () => {
    finishUpload(item, "cancelled", "cancelled");
    item.xhr?.abort();
    localStorage.removeItem(key);
    if (item.tusUrl) {
      // Termination: the server frees what it kept. Best effort; expiry removes it otherwise.
      fetch(item.tusUrl, { method: "DELETE", headers: tusHeaders() }).catch(() => {});
    }
  };

  let offset = null;
  const stored = localStorage.getItem(key);
  if (stored) {
    const head = await tusOffset(stored);
    if (item.state !== "sending") return;
    if (head.offset !== null && head.length === String(size)) {
      item.tusUrl = stored;
      offset = head.offset;
      showProgress(item, offset);
      item.note.textContent = "resuming at " + item.bar.value + "%";
    } else if (head.status === 0 || head.status === 401 || head.status === 403) {
      fail(head.status);  // the upload may still be there: keep its address for another try
      return;
    } else {
      localStorage.removeItem(key);  // gone, expired or not this file: start anew
    }
  }
  if (offset === null) {
    let created;
    try {
      created = await tusCreate(item);
    } catch {
      if (item.state === "sending") fail(0);
      return;
    }
    if (item.state !== "sending") {
      if (created.url) fetch(created.url, { method: "DELETE", headers: tusHeaders() }).catch(() => {});
      return;
    }
    if (created.status === 501) {
      tusOffer = Promise.resolve(false);  // this storage keeps no upload state
      sendWhole(item);
      return;
    }
    if (!created.url) {
      fail(created.status, created.detail);
      return;
    }
    item.tusUrl = created.url;
    localStorage.setItem(key, created.url);
    offset = 0;
  }

  let attempt = 0;
  while (offset < size) {
    const sent = await tusPatch(item, item.tusUrl, offset);
    if (item.state !== "sending") return;
    const accepted = sent.status >= 200 && sent.status < 300;
    if (accepted && sent.offset !== null && sent.offset > offset) {
      offset = sent.offset;
      attempt = 0;
      continue;
    }
    // An accepted PATCH that moved nothing is retried like a lost one, never looped on.
    if (!(accepted || tusRetryable(sent.status)) || attempt === TUS_RETRY_DELAYS.length) {
      if (sent.status === 404 || sent.status === 410) localStorage.removeItem(key);
      fail(sent.status, sent.detail);
      return;
    }
    item.note.textContent = "interrupted, resuming\u2026";
    await sleep(TUS_RETRY_DELAYS[attempt]);
    attempt += 1;
    if (item.state !== "sending") return;
    const head = await tusOffset(item.tusUrl);
    if (item.state !== "sending") return;
    if (head.offset !== null) {
      offset = head.offset;
    } else if (head.status !== 0 && !tusRetryable(head.status)) {
      if (head.status === 404 || head.status === 410) localStorage.removeItem(key);
      fail(head.status);
      return;
    }
  }
  localStorage.removeItem(key);
  finishUpload(item, "done", "100% \u2014 uploaded");
}

function finishUpload(item, outcome, text) {
  if (item.state !== "sending" && item.state !== "waiting") return;
  item.state = outcome;
  item.row.dataset.state = outcome;
  item.note.textContent = text;
  item.cancel.remove();
  if (outcome === "done") {
    item.loaded = item.file.size;
    item.bar.value = 100;
    announce("Uploaded " + item.name);
  } else if (outcome === "failed") {
    item.note.setAttribute("role", "alert");
    announce("Upload of " + item.name + " failed: " + text);
  }
  pump();
  if (outcome === "done" && item.folder.startsWith(state.folder)) {
    loadFolderSoon();
  }
}

let reloadTimer = null;
// Many uploads finishing together cause one listing, not one each.
function loadFolderSoon() {
  clearTimeout(reloadTimer);
  reloadTimer = setTimeout(() => loadFolder(), 200);
}

function cancelUpload(item) {
  if (item.state === "sending") {
    item.stop();
  } else if (item.state === "waiting") {
    finishUpload(item, "cancelled", "cancelled");
  }
}

function updateOverall() {
  const active = uploads.filter((u) => u.state !== "cancelled");
  // The bar measures what is sent of what will be: a failed file will send nothing more.
  const going = active.filter((u) => u.state !== "failed");
  const total = going.reduce((sum, u) => sum + u.file.size, 0);
  const loaded = going.reduce((sum, u) => sum + (u.state === "done" ? u.file.size : u.loaded), 0);
  const settled = active.filter((u) => u.state === "done" || u.state === "failed").length;
  const percent = total ? Math.floor((100 * loaded) / total) : (active.length && settled === active.length ? 100 : 0);
  $("overall-progress").value = percent;
  const failed = active.filter((u) => u.state === "failed").length;
  $("overall-text").textContent = percent + "% \u2014 " + settled + " of " + active.length + " finished" +
    (failed ? ", " + failed + " failed" : "");
}

// ---------------------------------------------------------------- wiring

function setUp() {
  document.documentElement.classList.add("js");
  const form = $("upload-form");
  const input = $("file-input");
  input.addEventListener("change", () => {
    queueFiles(input.files);
    input.value = "";
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    queueFiles(input.files);
  });
  // Dropping anywhere on the page uploads; the form lights up while something is dragged.
  let depth = 0;
  document.addEventListener("dragenter", (event) => {
    event.preventDefault();
    depth += 1;
    form.classList.add("dragging");
  });
  document.addEventListener("dragleave", () => {
    depth = Math.max(0, depth - 1);
    if (depth === 0) form.classList.remove("dragging");
  });
  document.addEventListener("dragover", (event) => event.preventDefault());
  document.addEventListener("drop", (event) => {
    event.preventDefault();
    depth = 0;
    form.classList.remove("dragging");
    if (!event.dataTransfer) return;
    // The entries must be taken during the event; a dropped folder is then read asynchronously.
    const entries = Array.from(event.dataTransfer.items || [],
      (item) => (item.kind === "file" && item.webkitGetAsEntry ? item.webkitGetAsEntry() : null));
    if (entries.some((entry) => entry && entry.isDirectory)) {
      filesOfEntries(entries.filter(Boolean))
        .then(queueFiles)
        .catch(() => showMessage("Could not read the dropped folder."));
    } else {
      queueFiles(event.dataTransfer.files);
    }
  });

  $("cancel-all").addEventListener("click", () => uploads.forEach(cancelUpload));
  $("clear-done").addEventListener("click", () => {
    for (let i = uploads.length - 1; i >= 0; i -= 1) {
      if (uploads[i].state !== "sending" && uploads[i].state !== "waiting") {
        uploads[i].row.remove();
        uploads.splice(i, 1);
      }
    }
    $("transfers").hidden = uploads.length === 0;
    updateOverall();
  });

  $("filter").addEventListener("input", render);
  $("refresh").addEventListener("click", () => loadFolder());
  $("more").addEventListener("click", () => loadFolder(true));
  for (const th of document.querySelectorAll("#files th[data-key]")) {
    th.querySelector("button").addEventListener("click", () => {
      state.sortUp = state.sortKey === th.dataset.key ? !state.sortUp : true;
      state.sortKey = th.dataset.key;
      render();
    });
  }

  const box = $("folder-box");
  $("new-folder").addEventListener("click", (event) => {
    box.hidden = !box.hidden;
    event.currentTarget.setAttribute("aria-expanded", String(!box.hidden));
    if (!box.hidden) $("folder-name").focus();
  });
  const openNew = () => {
    const name = $("folder-name").value.trim().replace(/^\/+|\/+$/g, "");
    if (!name) return;
    if (name.split("/").some((part) => part === "" || part === "." || part === "..")) {
      showMessage("A folder name cannot contain empty parts, \u201c.\u201d or \u201c..\u201d.");
      return;
    }
    $("folder-name").value = "";
    box.hidden = true;
    $("new-folder").setAttribute("aria-expanded", "false");
    openFolder(state.folder + name + "/");
  };
  $("folder-open").addEventListener("click", openNew);
  $("folder-name").addEventListener("keydown", (event) => {
    if (event.key === "Enter") openNew();
  });

  $("token").value = token();
  $("token-save").addEventListener("click", () => {
    sessionStorage.setItem(TOKEN_KEY, $("token").value.trim());
    announce("Token saved for this tab");
    loadFolder();
  });
  $("token-forget").addEventListener("click", () => {
    sessionStorage.removeItem(TOKEN_KEY);
    $("token").value = "";
    announce("Token forgotten");
    loadFolder();
  });

  window.addEventListener("hashchange", () => {
    state.folder = folderFromHash();
    state.next = null;
    loadFolder();
  });
  state.folder = folderFromHash();
  loadFolder();
}

setUp();
