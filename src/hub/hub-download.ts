/**
 * Downloads one file of a Hub repo into the Hugging Face cache (hub-cache.ts) as huggingface_hub's
 * hf_hub_download does: HEAD the resolve URL for the commit (X-Repo-Commit) and the ETag (X-Linked-Etag for LFS
 * files: their sha256; else the ETag: the git blob sha1), reuse blobs/<etag> when present, else GET it into
 * blobs/<etag>.incomplete — resuming a cut download with `Range: bytes=<have>-` — check its hash against the ETag,
 * and link snapshots/<commit>/<file> to it. HF_TOKEN goes as `Authorization: Bearer`. Offline (HF_HUB_OFFLINE),
 * or when the Hub is unreachable, the cached copy is used; without one the error names the file.
 */
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream, existsSync, statSync } from "node:fs";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { EnvironmentError, KneepointError } from "../errors.ts";
import { blobPath, cachedFile, COMMIT_HASH, linkSnapshot, repoFolder, writeRef, type HubRepo } from "./hub-cache.ts";
import { HubNotFoundError, hubHttpError, hubNetworkError, hubOfflineError, repoLabel } from "./hub-errors.ts";
import type { HubSettings } from "./hub-settings.ts";

export interface HubFileRef {
  repo: HubRepo;
  file: string;
  /** Branch, tag or commit (default "main"). */
  revision?: string;
}

export interface DownloadProgress {
  file: string;
  receivedBytes: number;
  totalBytes: number | null;
  done: boolean;
}

export interface HubDownloadOptions {
  settings: HubSettings;
  /** Told when a download starts, every 3 s while it runs, and when it ends. */
  onProgress?: (p: DownloadProgress) => void;
  /** Only files at least this long (or of unknown size) are reported (default 5 MB: a short download says nothing). */
  progressMinBytes?: number;
}

export interface HubFile {
  path: string;
  commit: string;
}

export function resolveUrl(endpoint: string, ref: HubFileRef): string {
  const prefix = ref.repo.type === "dataset" ? "datasets/" : "";
  const file = ref.file.split("/").map(encodeURIComponent).join("/");
  return `${endpoint}/${prefix}${ref.repo.id}/resolve/${encodeURIComponent(ref.revision ?? "main")}/${file}`;
}

function hubHeaders(settings: HubSettings): Record<string, string> {
  return { "user-agent": "kneepoint", "accept-encoding": "identity", ...(settings.token ? { authorization: `Bearer ${settings.token}` } : {}) };
}

/** huggingface_hub's _normalize_etag: W/"x" and "x" both give x. */
export function normalizeEtag(etag: string | null): string | null {
  return etag === null ? null : etag.replace(/^W\//, "").replace(/^"|"$/g, "");
}

interface Metadata {
  commit: string;
  etag: string;
  size: number | null;
  location: string;
}

async function headMetadata(url: string, ref: HubFileRef, settings: HubSettings): Promise<Metadata> {
  let target = url;
  for (let hops = 0; hops < 5; hops++) {
    const res = await fetch(target, { method: "HEAD", redirect: "manual", headers: hubHeaders(settings), signal: AbortSignal.timeout(30_000) });
    const location = res.headers.get("location");
    // Relative redirects (a renamed repo) are followed; an absolute one (LFS → CDN) is where the bytes are.
    if (res.status >= 300 && res.status < 400 && location?.startsWith("/")) {
      target = new URL(location, target).toString();
      continue;
    }
    if (res.status >= 400) {
      throw hubHttpError({ status: res.status, errorCode: res.headers.get("x-error-code"), file: ref.file, repo: ref.repo, revision: ref.revision ?? "main", url, hasToken: settings.token !== null });
    }
    const commit = res.headers.get("x-repo-commit");
    const etag = normalizeEtag(res.headers.get("x-linked-etag") ?? res.headers.get("etag"));
    if (!commit || !etag) throw new EnvironmentError(`${url} answered without X-Repo-Commit or ETag: not a Hugging Face Hub resolve endpoint`, "check HF_ENDPOINT");
    const sizeHeader = res.headers.get("x-linked-size") ?? (res.status < 300 ? res.headers.get("content-length") : null);
    return { commit, etag, size: sizeHeader === null ? null : Number(sizeHeader), location: location ?? target };
  }
  throw new EnvironmentError(`${url} redirects too many times`, "check HF_ENDPOINT");
}

async function fileHash(path: string, algorithm: "sha256" | "sha1", prefix?: string): Promise<string> {
  const hash = createHash(algorithm);
  if (prefix !== undefined) hash.update(prefix);
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** The ETag is the content's sha256 (LFS) or its git blob sha1; other ETags (a mirror's) are not checked. */
async function checkEtag(path: string, etag: string, file: string): Promise<void> {
  const size = statSync(path).size;
  const got = /^[0-9a-f]{64}$/.test(etag) ? await fileHash(path, "sha256") : /^[0-9a-f]{40}$/.test(etag) ? await fileHash(path, "sha1", `blob ${size}\0`) : null;
  if (got !== null && got !== etag) {
    await rm(path, { force: true });
    throw new EnvironmentError(`${file}: the downloaded bytes do not match the Hub's checksum (expected ${etag}, got ${got}); the partial file was removed`, "run again to download it afresh; if it repeats, the mirror at HF_ENDPOINT serves a different file");
  }
}

async function fetchBlob(meta: Metadata, ref: HubFileRef, url: string, opts: HubDownloadOptions): Promise<void> {
  const { settings } = opts;
  const blob = blobPath(settings.cacheDir, ref.repo, meta.etag);
  const partial = `${blob}.incomplete`;
  await mkdir(dirname(blob), { recursive: true });
  const have = existsSync(partial) ? statSync(partial).size : 0;
  if (meta.size === null || have < meta.size) {
    // A redirect to another host (the Hub's CDN, with a signed URL) gets no token: it needs none.
    const sameHost = new URL(meta.location).host === new URL(url).host;
    const { authorization, ...anonymous } = hubHeaders(settings);
    const headers = { ...(sameHost && authorization ? { authorization } : {}), ...anonymous, ...(have > 0 ? { range: `bytes=${have}-` } : {}) };
    let res: Response;
    try {
      res = await fetch(meta.location, { headers });
    } catch (err) {
      throw hubNetworkError(url, ref.file, err);
    }
    if (res.status >= 400 || !res.body) {
      throw hubHttpError({ status: res.status, errorCode: res.headers.get("x-error-code"), file: ref.file, repo: ref.repo, revision: ref.revision ?? "main", url, hasToken: settings.token !== null });
    }
    // 206: the server resumed at `have`; 200: it sends the whole file (no Range support), so start over.
    let received = res.status === 206 ? have : 0;
    const long = meta.size === null || meta.size >= (opts.progressMinBytes ?? 5_000_000);
    const report = (done: boolean) => long && opts.onProgress?.({ file: `${ref.file} (${repoLabel(ref.repo)})`, receivedBytes: received, totalBytes: meta.size, done });
    report(false);
    let last = Date.now();
    const counted = Readable.fromWeb(res.body as import("node:stream/web").ReadableStream<Uint8Array>).on("data", (c: Buffer) => {
      received += c.length;
      if (Date.now() - last >= 3000) {
        last = Date.now();
        report(false);
      }
    });
    try {
      await pipeline(counted, createWriteStream(partial, { flags: res.status === 206 ? "a" : "w" }));
    } catch (err) {
      throw new EnvironmentError(
        `the download of ${ref.file} (${repoLabel(ref.repo)}) from ${url} was cut after ${received}${meta.size !== null ? ` of ${meta.size}` : ""} bytes (${(err as Error).message})`,
        "run again: the download resumes where it stopped",
      );
    }
    report(true);
  }
  const got = statSync(partial).size;
  if (meta.size !== null && got !== meta.size) {
    throw new EnvironmentError(`the download of ${ref.file} (${repoLabel(ref.repo)}) from ${url} ended after ${got} of ${meta.size} bytes`, "run again: the download resumes where it stopped");
  }
  await checkEtag(partial, meta.etag, ref.file);
  await rename(partial, blob);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * One download of a blob at a time on this machine (shards started together share a cache): a lock file holding
 * the downloader's pid under <cache>/.locks/, taken over when that process is gone.
 */
async function withBlobLock<T>(settings: HubSettings, ref: HubFileRef, etag: string, fn: () => Promise<T>): Promise<T> {
  const lock = join(settings.cacheDir, ".locks", repoFolder(settings.cacheDir, ref.repo).slice(settings.cacheDir.length + 1), `${etag}.kneepoint.lock`);
  await mkdir(dirname(lock), { recursive: true });
  const deadline = Date.now() + 30 * 60_000;
  for (;;) {
    try {
      await writeFile(lock, String(process.pid), { flag: "wx" });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const owner = Number(await readFile(lock, "utf8").catch(() => ""));
      if (!Number.isInteger(owner) || owner <= 0 || !processAlive(owner)) {
        await rm(lock, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new EnvironmentError(`${ref.file}: another kneepoint (pid ${owner}) has been downloading it for 30 minutes`, `wait for it, or remove ${lock}`);
      await sleep(250);
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lock, { force: true });
  }
}

/** The local path of `ref.file`, downloading it into the cache when it is not there yet. */
export async function downloadHubFile(ref: HubFileRef, opts: HubDownloadOptions): Promise<HubFile> {
  const { settings } = opts;
  const revision = ref.revision ?? "main";
  const cached = cachedFile(settings.cacheDir, ref.repo, revision, ref.file);
  if (settings.offline) {
    if (cached) return cached;
    throw hubOfflineError(ref.file, ref.repo, revision, settings.cacheDir);
  }
  if (cached && COMMIT_HASH.test(revision)) return cached; // a commit's files never change
  const url = resolveUrl(settings.endpoint, ref);
  let meta: Metadata;
  try {
    meta = await headMetadata(url, ref, settings);
  } catch (err) {
    // The Hub answered (401, 404, …): that answer stands. It did not (no network, DNS, timeout): the cached copy
    // is used, as huggingface_hub falls back to it.
    if (err instanceof KneepointError) throw err;
    if (cached) return cached;
    throw hubNetworkError(url, ref.file, err);
  }
  const blob = blobPath(settings.cacheDir, ref.repo, meta.etag);
  if (!existsSync(blob)) await withBlobLock(settings, ref, meta.etag, async () => (existsSync(blob) ? undefined : fetchBlob(meta, ref, url, opts)));
  await writeRef(settings.cacheDir, ref.repo, revision, meta.commit);
  return { path: await linkSnapshot(settings.cacheDir, ref.repo, meta.commit, ref.file, meta.etag), commit: meta.commit };
}

/**
 * Like downloadHubFile, for a file a repo may lack (tokenizer_config.json, chat_template.jinja): null when the Hub
 * says there is no such file (404), or when offline and it is not cached.
 */
export async function downloadOptionalHubFile(ref: HubFileRef, opts: HubDownloadOptions): Promise<HubFile | null> {
  if (opts.settings.offline) return cachedFile(opts.settings.cacheDir, ref.repo, ref.revision ?? "main", ref.file);
  try {
    return await downloadHubFile(ref, opts);
  } catch (err) {
    if (err instanceof HubNotFoundError && err.errorCode !== "RepoNotFound" && err.errorCode !== "RevisionNotFound") return null;
    throw err;
  }
}
