/** Reading request bodies and writing JSON responses the way the API server frames them. */
import type { IncomingMessage, ServerResponse } from "node:http";
import { parse as parseYaml } from "yaml";
import { badRequest, requestEntityTooLarge, type ApiStatusError } from "./api-status.ts";

/** The API server's request body limit (3 MiB). */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw requestEntityTooLarge(MAX_BODY_BYTES);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export function mediaType(req: IncomingMessage): string {
  return (req.headers["content-type"] ?? "application/json").split(";")[0]!.trim().toLowerCase();
}

/** JSON, or YAML for an apply patch (JSON is YAML too, which is what client-node sends). */
export function parseBody(body: Buffer, type: string): unknown {
  const text = body.toString("utf8");
  if (text.trim() === "") return undefined;
  try {
    return type === "application/apply-patch+yaml" ? (parseYaml(text) as unknown) : (JSON.parse(text) as unknown);
  } catch (err) {
    throw badRequest(`the server rejected our request due to an error in our request: ${(err as Error).message.split("\n")[0]}`);
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, warnings: readonly string[] = []): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  const headers: Record<string, string | string[]> = {
    "Content-Type": "application/json",
    "Content-Length": String(Buffer.byteLength(text)),
    "Cache-Control": "no-cache, private",
  };
  if (warnings.length > 0) headers.Warning = warnings.map((w) => `299 - ${JSON.stringify(w)}`);
  res.writeHead(status, headers);
  res.end(text);
}

export function sendStatus(res: ServerResponse, err: ApiStatusError, warnings: readonly string[] = []): void {
  sendJson(res, err.code, err.body, warnings);
}
