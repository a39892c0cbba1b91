/**
 * A stand-in for the Hugging Face Hub on 127.0.0.1, in the Hub's URL layout, for kneepoint and the real Python
 * libraries (huggingface_hub, datasets, transformers) pointed at it with HF_ENDPOINT:
 *   HEAD|GET /<repo>/resolve/<rev>/<file>, /datasets/<repo>/resolve/<rev>/<file>   X-Repo-Commit, ETag (git blob
 *            sha1) or, for LFS files, X-Linked-Etag (sha256) + X-Linked-Size; Range → 206; X-Error-Code on errors
 *   GET  /api/<models|datasets>/<repo>[/revision/<rev>]                             repo info with siblings
 *   GET  /api/<models|datasets>/<repo>/tree/<rev>[/<path>]                          file list
 *   POST /api/<models|datasets>/<repo>/paths-info/<rev>                             entries for given paths
 * Faults for tests: a gated repo (401 without its token), a download cut after N bytes, corrupted bytes.
 * Every request is recorded (method, path, Authorization, Range).
 */
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface HubRepoSpec {
  type: "dataset" | "model";
  id: string;
  files: Record<string, string | Buffer>;
  /** Files served as LFS files (sha256 ETag in X-Linked-Etag). */
  lfs?: string[];
  /** Answer 401 GatedRepo unless `Authorization: Bearer <token>`. */
  gatedToken?: string;
  /** LFS files answer 302 to a "CDN" (another port), as the Hub does, with the X-Linked-* headers on the 302. */
  lfsRedirect?: boolean;
}

export interface HubRequest {
  method: string;
  path: string;
  authorization: string | null;
  range: string | null;
}

export interface HubFaults {
  /** Cut the next GET of this file after this many bytes (the socket is destroyed mid-body). */
  cut?: { file: string; afterBytes: number } | null;
  /** Serve this file with its first byte changed (the ETag stays the true one). */
  corrupt?: string | null;
}

export interface RunningHub {
  url: string;
  requests: HubRequest[];
  faults: HubFaults;
  commitOf(repoId: string): string;
  close(): Promise<void>;
}

interface Entry {
  content: Buffer;
  lfs: boolean;
  gitSha: string;
  sha256: string;
}

const gitBlobSha = (b: Buffer) => createHash("sha1").update(`blob ${b.length}\0`).update(b).digest("hex");

function entriesOf(spec: HubRepoSpec): Map<string, Entry> {
  const m = new Map<string, Entry>();
  for (const [path, raw] of Object.entries(spec.files)) {
    const content = Buffer.isBuffer(raw) ? raw : Buffer.from(raw);
    m.set(path, { content, lfs: spec.lfs?.includes(path) ?? false, gitSha: gitBlobSha(content), sha256: createHash("sha256").update(content).digest("hex") });
  }
  return m;
}

function treeEntry(path: string, e: Entry): Record<string, unknown> {
  return { type: "file", oid: e.gitSha, size: e.content.length, path, ...(e.lfs ? { lfs: { oid: e.sha256, size: e.content.length, pointerSize: 134 } } : {}) };
}

export async function startHubServer(specs: HubRepoSpec[]): Promise<RunningHub> {
  const repos = new Map(specs.map((s) => [`${s.type}:${s.id}`, { spec: s, entries: entriesOf(s), commit: createHash("sha1").update(s.id).digest("hex") }]));
  const requests: HubRequest[] = [];
  const faults: HubFaults = {};

  const fail = (res: ServerResponse, status: number, code: string, commit?: string) =>
    void res.writeHead(status, { "x-error-code": code, "content-type": "application/json", ...(commit ? { "x-repo-commit": commit } : {}) }).end(JSON.stringify({ error: code }));

  function repoFor(type: "dataset" | "model", id: string, req: IncomingMessage, res: ServerResponse) {
    const repo = repos.get(`${type}:${id}`);
    if (!repo) return void fail(res, 404, "RepoNotFound");
    if (repo.spec.gatedToken && req.headers.authorization !== `Bearer ${repo.spec.gatedToken}`) return void fail(res, 401, "GatedRepo");
    return repo;
  }

  function resolve(req: IncomingMessage, res: ServerResponse, type: "dataset" | "model", id: string, rev: string, file: string) {
    const repo = repoFor(type, id, req, res);
    if (!repo) return;
    if (rev !== "main" && rev !== repo.commit) return fail(res, 404, "RevisionNotFound");
    const e = repo.entries.get(file);
    if (!e) return fail(res, 404, "EntryNotFound", repo.commit);
    let body = e.content;
    if (faults.corrupt === file && req.method === "GET") {
      body = Buffer.from(body);
      body[0] = body[0]! ^ 0xff;
    }
    const headers: Record<string, string | number> = {
      "x-repo-commit": repo.commit,
      "accept-ranges": "bytes",
      "content-type": "application/octet-stream",
      etag: `"${e.lfs ? e.sha256 : e.gitSha}"`,
      ...(e.lfs ? { "x-linked-etag": `"${e.sha256}"`, "x-linked-size": e.content.length } : {}),
    };
    if (repo.spec.lfsRedirect && e.lfs) {
      delete headers["content-type"];
      return void res.writeHead(302, { ...headers, location: `${cdnUrl}/${e.sha256}` }).end();
    }
    sendBytes(req, res, file, body, headers);
  }

  function sendBytes(req: IncomingMessage, res: ServerResponse, file: string, content: Buffer, headers: Record<string, string | number>) {
    let body = content;
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? "");
    let status = 200;
    if (range) {
      const start = Number(range[1]);
      const end = range[2] ? Number(range[2]) : body.length - 1;
      if (start >= body.length) return void res.writeHead(416, { "content-range": `bytes */${body.length}` }).end();
      headers["content-range"] = `bytes ${start}-${Math.min(end, body.length - 1)}/${body.length}`;
      body = body.subarray(start, Math.min(end, body.length - 1) + 1);
      status = 206;
    }
    headers["content-length"] = body.length;
    res.writeHead(status, headers);
    if (req.method === "HEAD") return void res.end();
    const cut = faults.cut;
    if (cut && cut.file === file) {
      faults.cut = null;
      res.write(body.subarray(0, cut.afterBytes));
      setTimeout(() => res.destroy(), 50);
      return;
    }
    res.end(body);
  }

  function api(req: IncomingMessage, res: ServerResponse, type: "dataset" | "model", id: string, rest: string, body: string) {
    const repo = repoFor(type, id, req, res);
    if (!repo) return;
    const json = (v: unknown) => void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(v));
    if (rest === "" || /^\/revision\/[^/]+$/.test(rest)) {
      return json({ _id: repo.commit.slice(0, 24), id, sha: repo.commit, private: false, gated: repo.spec.gatedToken ? "manual" : false, disabled: false, lastModified: "2024-01-01T00:00:00.000Z", tags: [], cardData: {}, siblings: [...repo.entries.keys()].map((rfilename) => ({ rfilename })) });
    }
    const tree = /^\/tree\/([^/]+)(?:\/(.*))?$/.exec(rest);
    if (tree) {
      const folder = tree[2] ? decodeURIComponent(tree[2]).replace(/\/$/, "") : "";
      const recursive = new URL(req.url!, "http://x").searchParams.get("recursive") === "true";
      const out: Record<string, unknown>[] = [];
      const dirs = new Set<string>();
      for (const [path, e] of repo.entries) {
        if (folder && !path.startsWith(`${folder}/`)) continue;
        const below = folder ? path.slice(folder.length + 1) : path;
        if (!recursive && below.includes("/")) dirs.add((folder ? `${folder}/` : "") + below.split("/")[0]);
        else out.push(treeEntry(path, e));
      }
      if (recursive) for (const p of repo.entries.keys()) for (let i = p.indexOf("/"); i > 0; i = p.indexOf("/", i + 1)) if (!folder || p.slice(0, i).startsWith(`${folder}/`)) dirs.add(p.slice(0, i));
      if (folder && out.length === 0 && dirs.size === 0) return fail(res, 404, "EntryNotFound", repo.commit);
      return json([...[...dirs].sort().map((path) => ({ type: "directory", oid: "0".repeat(40), size: 0, path })), ...out]);
    }
    if (/^\/paths-info\/[^/]+$/.test(rest)) {
      const params = new URLSearchParams(body);
      let paths = params.getAll("paths");
      if (paths.length === 0 && body.startsWith("{")) paths = (JSON.parse(body) as { paths?: string[] }).paths ?? [];
      const out: Record<string, unknown>[] = [];
      for (const p of paths) {
        const e = repo.entries.get(p);
        if (e) out.push(treeEntry(p, e));
        else if ([...repo.entries.keys()].some((k) => k.startsWith(`${p}/`))) out.push({ type: "directory", oid: "0".repeat(40), size: 0, path: p });
      }
      return json(out);
    }
    return fail(res, 404, "EntryNotFound");
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
      requests.push({ method: req.method ?? "", path: req.url ?? "", authorization: req.headers.authorization ?? null, range: req.headers.range ?? null });
      const a = /^\/api\/(models|datasets)\/([^/]+\/[^/]+)(\/.*)?$/.exec(path);
      if (a) return api(req, res, a[1] === "datasets" ? "dataset" : "model", a[2]!, a[3] ?? "", Buffer.concat(chunks).toString());
      const r = /^\/(datasets\/)?([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(path);
      if (r && (req.method === "GET" || req.method === "HEAD")) return resolve(req, res, r[1] ? "dataset" : "model", r[2]!, r[3]!, r[4]!);
      fail(res, 404, "RepoNotFound");
    });
  });
  // The CDN: LFS blobs by sha256, no auth (the Hub's signed URLs need none), Range as above.
  const blobs = new Map<string, { file: string; e: Entry }>();
  for (const r of repos.values()) for (const [file, e] of r.entries) if (e.lfs) blobs.set(e.sha256, { file, e });
  const cdn = createServer((req, res) => {
    requests.push({ method: req.method ?? "", path: `cdn:${req.url ?? ""}`, authorization: req.headers.authorization ?? null, range: req.headers.range ?? null });
    const blob = blobs.get((req.url ?? "").slice(1));
    if (!blob) return void res.writeHead(404).end();
    let body = blob.e.content;
    if (faults.corrupt === blob.file && req.method === "GET") {
      body = Buffer.from(body);
      body[0] = body[0]! ^ 0xff;
    }
    sendBytes(req, res, blob.file, body, { "accept-ranges": "bytes", "content-type": "application/octet-stream", etag: `"${blob.e.sha256}"` });
  });
  await new Promise<void>((r) => cdn.listen(0, "127.0.0.1", r));
  const cdnUrl = `http://127.0.0.1:${(cdn.address() as AddressInfo).port}`;
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    faults,
    commitOf: (id) => [...repos.values()].find((r) => r.spec.id === id)!.commit,
    close: async () => {
      for (const srv of [server, cdn]) await new Promise<void>((r) => (srv.closeAllConnections(), srv.close(() => r())));
    },
  };
}
