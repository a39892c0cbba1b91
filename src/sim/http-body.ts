/** Reads a request body as JSON, with a size limit; errors become vLLM-style 400s. */
import type { IncomingMessage } from "node:http";
import { apiError, type ApiError } from "./api-error.ts";

const MAX_BODY_BYTES = 32 * 1024 * 1024;

export type JsonBody = { ok: true; value: unknown } | { ok: false; error: ApiError };

export function readJsonBody(req: IncomingMessage): Promise<JsonBody> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on("error", () => resolve({ ok: false, error: apiError(400, "the request body could not be read") }));
    req.on("end", () => {
      if (tooLarge) return resolve({ ok: false, error: apiError(413, `the request body exceeds ${MAX_BODY_BYTES} bytes`) });
      const text = Buffer.concat(chunks).toString("utf8");
      try {
        resolve({ ok: true, value: JSON.parse(text) as unknown });
      } catch (err) {
        resolve({ ok: false, error: apiError(400, `the request body is not valid JSON: ${(err as Error).message}`) });
      }
    });
  });
}
