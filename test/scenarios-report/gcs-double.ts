/**
 * A small, faithful double of the Google Cloud Storage JSON API for the calls @google-cloud/storage makes when
 * kneepoint uploads reports (https://cloud.google.com/storage/docs/json_api/v1):
 *   GET  {base}/b/{bucket}                      buckets.get       → bucket resource | 404
 *   GET  {base}/b/{bucket}/o/{object}           objects.get       → object resource | 404
 *   POST /upload/storage/v1/b/{bucket}/o?uploadType=multipart&name=…  objects.insert (multipart/related:
 *        a JSON metadata part, then the media part)   → object resource | 404 for a missing bucket
 * where {base} is /storage/v1 (apiEndpoint) or empty (STORAGE_EMULATOR_HOST without a path, as the library then
 * uses the host itself as base URL). Errors use the API's envelope `{error: {code, message, errors: [...]}}`.
 * Everything else answers 501, so a library call the double does not know fails the test loudly.
 * `failUploads` makes objects.insert answer 403, as GCS does for a caller without storage.objects.create.
 */
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface StoredObject {
  bucket: string;
  name: string;
  contentType: string;
  body: string;
}

export interface GcsDouble {
  url: string;
  objects: Map<string, StoredObject>;
  /** Every request as "METHOD path" (query string dropped), in arrival order. */
  log: string[];
  failUploads: boolean;
  close(): Promise<void>;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=UTF-8", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

function apiError(res: ServerResponse, code: number, message: string, reason: string): void {
  sendJson(res, code, { error: { code, message, errors: [{ message, domain: "global", reason }] } });
}

/** CRC32C (Castagnoli, reflected polynomial 0x82F63B78), as GCS reports it: base64 of the big-endian uint32. */
const CRC32C_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  return c >>> 0;
});
export function crc32cBase64(data: Buffer): string {
  let crc = 0xffffffff;
  for (const byte of data) crc = (CRC32C_TABLE[(crc ^ byte) & 0xff] as number) ^ (crc >>> 8);
  const out = Buffer.alloc(4);
  out.writeUInt32BE((crc ^ 0xffffffff) >>> 0);
  return out.toString("base64");
}

function objectResource(o: StoredObject) {
  const bytes = Buffer.from(o.body, "utf8");
  return {
    kind: "storage#object",
    id: `${o.bucket}/${o.name}/1`,
    name: o.name,
    bucket: o.bucket,
    generation: "1",
    metageneration: "1",
    contentType: o.contentType,
    size: String(bytes.length),
    md5Hash: createHash("md5").update(bytes).digest("base64"),
    crc32c: crc32cBase64(bytes),
  };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** multipart/related → [metadata JSON, media text] (RFC 2387: parts split by `--boundary`, headers, blank line, body). */
function parseMultipartRelated(contentType: string, body: Buffer): { metadata: Record<string, unknown>; media: string } | null {
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
  if (boundary === undefined) return null;
  const parts = body
    .toString("utf8")
    .split(`--${boundary}`)
    .slice(1, -1)
    .map((p) => p.replace(/^\r\n/, "").replace(/\r\n$/, ""));
  if (parts.length !== 2) return null;
  const [meta, media] = parts.map((p) => {
    const at = p.indexOf("\r\n\r\n");
    return at < 0 ? "" : p.slice(at + 4);
  }) as [string, string];
  try {
    return { metadata: JSON.parse(meta) as Record<string, unknown>, media };
  } catch {
    return null;
  }
}

export async function startGcsDouble(buckets: readonly string[]): Promise<GcsDouble> {
  const known = new Set(buckets);
  const objects = new Map<string, StoredObject>();
  const log: string[] = [];
  const state = { failUploads: false };

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://double");
      const path = url.pathname;
      log.push(`${req.method} ${path}`);
      const body = await readBody(req);

      const upload = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(path);
      if (req.method === "POST" && upload) {
        const bucket = decodeURIComponent(upload[1]!);
        if (!known.has(bucket)) return apiError(res, 404, "The specified bucket does not exist.", "notFound");
        if (state.failUploads) return apiError(res, 403, "caller does not have storage.objects.create access to the Google Cloud Storage object.", "forbidden");
        if (url.searchParams.get("uploadType") !== "multipart") return apiError(res, 400, "only uploadType=multipart is implemented by the double", "invalid");
        const parsed = parseMultipartRelated(String(req.headers["content-type"] ?? ""), body);
        if (parsed === null) return apiError(res, 400, "Invalid multipart request", "invalid");
        const name = url.searchParams.get("name") ?? String(parsed.metadata.name ?? "");
        if (name === "") return apiError(res, 400, "Required parameter: name", "required");
        const stored: StoredObject = { bucket, name, contentType: String(parsed.metadata.contentType ?? "application/octet-stream"), body: parsed.media };
        objects.set(`${bucket}/${name}`, stored);
        return sendJson(res, 200, objectResource(stored));
      }

      const api = /^(?:\/storage\/v1)?\/b\/([^/]+)(?:\/o\/(.+))?$/.exec(path);
      if (req.method === "GET" && api) {
        const bucket = decodeURIComponent(api[1]!);
        if (!known.has(bucket)) return apiError(res, 404, "The specified bucket does not exist.", "notFound");
        if (api[2] === undefined) return sendJson(res, 200, { kind: "storage#bucket", id: bucket, name: bucket });
        const stored = objects.get(`${bucket}/${decodeURIComponent(api[2])}`);
        return stored ? sendJson(res, 200, objectResource(stored)) : apiError(res, 404, `No such object: ${bucket}/${decodeURIComponent(api[2])}`, "notFound");
      }
      apiError(res, 501, `${req.method} ${path} is not implemented by the GCS double`, "notImplemented");
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    objects,
    log,
    get failUploads() {
      return state.failUploads;
    },
    set failUploads(v: boolean) {
      state.failUploads = v;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
