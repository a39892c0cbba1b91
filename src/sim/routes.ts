/**
 * The simulator's HTTP routes, shaped like vLLM's OpenAI server:
 *   GET  /health, /version, /v1/models, /metrics, /dcgm/metrics
 *   POST /tokenize, /detokenize, /v1/completions, /v1/chat/completions, /v1/messages (Anthropic, anthropic-chunks.ts)
 * Unknown paths answer FastAPI's {"detail":"Not Found"} (404) / {"detail":"Method Not Allowed"} (405).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { HARNESS_VERSION } from "../version.ts";
import { apiError, sendApiError, sendJson } from "./api-error.ts";
import { chatPromptTokens, readChatMessage, type ChatMessage } from "./chat-template.ts";
import { handleGeneration, type RouteRequest } from "./generation-handler.ts";
import { servedLora } from "./openai-request.ts";
import { readJsonBody } from "./http-body.ts";
import type { SimContext } from "./sim-context.ts";
import { detokenize, tokenize } from "./tokenizer.ts";
import { VOCAB_SIZE } from "./vocabulary.ts";

/** The vLLM version the simulator imitates (metric names and shapes of v0.11). */
export const SIMULATED_VLLM_VERSION = "0.11.0";

type Handler = (ctx: SimContext, req: IncomingMessage, res: ServerResponse, receivedMs: number, route?: RouteRequest) => void | Promise<void>;

const ROUTES: Record<string, { method: "GET" | "POST"; handle: Handler }> = {
  "/health": { method: "GET", handle: (_c, _q, res) => void res.writeHead(200, { "content-length": 0 }).end() },
  "/version": {
    method: "GET",
    // vLLM answers {version}; the simulator adds who it is and the serving limits a real server states in its
    // args, so the harness can label runs as simulated and check the batch limit.
    handle: (ctx, _q, res) =>
      sendJson(res, 200, {
        version: SIMULATED_VLLM_VERSION,
        simulator: `kneepoint-sim ${HARNESS_VERSION}`,
        profile: ctx.config.profile,
        max_num_seqs: ctx.config.maxNumSeqs,
      }),
  },
  "/v1/models": { method: "GET", handle: (ctx, _q, res) => sendJson(res, 200, modelList(ctx)) },
  "/metrics": {
    method: "GET",
    handle: async (ctx, _q, res) => {
      const text = await ctx.metrics.registry.metrics();
      res.writeHead(200, { "content-type": ctx.metrics.registry.contentType });
      res.end(text);
    },
  },
  "/dcgm/metrics": { method: "GET", handle: (ctx, _q, res) => sendDcgm(ctx, res) },
  "/tokenize": { method: "POST", handle: handleTokenize },
  "/detokenize": { method: "POST", handle: handleDetokenize },
  "/v1/completions": { method: "POST", handle: (ctx, req, res, t, route) => handleGeneration(ctx, req, res, "completion", t, route) },
  "/v1/chat/completions": { method: "POST", handle: (ctx, req, res, t, route) => handleGeneration(ctx, req, res, "chat", t, route) },
  "/v1/messages": { method: "POST", handle: (ctx, req, res, t, route) => handleGeneration(ctx, req, res, "messages", t, route) },
};

/**
 * The HTTP handler of one simulator, or, with `route`, of the router in front of several (generation requests go to
 * the replica it picks; the other routes answer from `ctx`, the first replica).
 */
export function createRequestHandler(ctx: SimContext, route?: RouteRequest): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const receivedMs = ctx.now();
    const path = (req.url ?? "/").split("?")[0]!;
    const handler = ROUTES[path];
    if (!handler) return sendJson(res, 404, { detail: "Not Found" });
    if (req.method !== handler.method) return sendJson(res, 405, { detail: "Method Not Allowed" });
    Promise.resolve(handler.handle(ctx, req, res, receivedMs, route)).catch((err: unknown) => {
      if (!res.headersSent) sendApiError(res, apiError(500, `kneepoint-sim internal error: ${(err as Error).message}`));
      else res.destroy();
    });
  };
}

export function sendDcgm(ctx: SimContext, res: ServerResponse): void {
  res.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" });
  res.end(ctx.renderDcgm());
}

/**
 * vLLM's /v1/models (entrypoints/openai/serving_models.py show_available_models): the base model, then one card per
 * LoRA adapter with `root` = its path, `parent` = its base_model_name or the served base model, no max_model_len.
 */
function modelList(ctx: SimContext): unknown {
  const created = Math.floor(Date.now() / 1000);
  const { modelName, maxModelLen, profileSpec, loraModules } = ctx.config;
  const card = (id: string, root: string, parent: string | null, maxLen: number | null) => ({
    id,
    object: "model",
    created,
    owned_by: "vllm",
    root,
    parent,
    max_model_len: maxLen,
    permission: [modelPermission(id, created)],
  });
  return {
    object: "list",
    data: [card(modelName, profileSpec.model.hfId, null, maxModelLen), ...loraModules.map((m) => card(m.name, m.path, m.base_model_name ?? modelName, null))],
  };
}

function modelPermission(modelName: string, created: number): unknown {
  return {
    id: `modelperm-${modelName.length.toString(16)}${created.toString(16)}`,
    object: "model_permission",
    created,
    allow_create_engine: false,
    allow_sampling: true,
    allow_logprobs: true,
    allow_search_indices: false,
    allow_view: true,
    allow_fine_tuning: false,
    organization: "*",
    group: null,
    is_blocking: false,
  };
}

/** Reads the body as a JSON object and checks the optional `model`; sends the error itself. */
async function readToolBody(ctx: SimContext, req: IncomingMessage, res: ServerResponse): Promise<Record<string, unknown> | null> {
  const body = await readJsonBody(req);
  let error = body.ok ? null : body.error;
  const f = body.ok ? body.value : null;
  if (!error && (typeof f !== "object" || f === null || Array.isArray(f))) {
    error = apiError(400, "the request body must be a JSON object");
  }
  const model = (f as { model?: unknown } | null)?.model;
  if (!error && model !== undefined && model !== null && servedLora(ctx.config, String(model)) === undefined) {
    error = apiError(404, `The model \`${String(model)}\` does not exist.`, "model");
  }
  if (error) {
    sendApiError(res, error);
    return null;
  }
  return f as Record<string, unknown>;
}

async function handleTokenize(ctx: SimContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const f = await readToolBody(ctx, req, res);
  if (!f) return;
  let tokens: number[];
  if (Array.isArray(f.messages)) {
    const messages: ChatMessage[] = [];
    for (const [i, m] of f.messages.entries()) {
      const read = readChatMessage(m, i);
      if (typeof read === "string") return sendApiError(res, apiError(400, read, "messages"));
      messages.push(read);
    }
    tokens = chatPromptTokens(messages, f.add_generation_prompt !== false);
  } else if (typeof f.prompt === "string") {
    tokens = tokenize(f.prompt, f.add_special_tokens !== false);
  } else {
    return sendApiError(res, apiError(400, "`prompt` (a string) or `messages` is required", "prompt"));
  }
  sendJson(res, 200, { count: tokens.length, max_model_len: ctx.config.maxModelLen, tokens, token_strs: null });
}

async function handleDetokenize(ctx: SimContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const f = await readToolBody(ctx, req, res);
  if (!f) return;
  const ids = f.tokens;
  if (!Array.isArray(ids) || !ids.every((t) => Number.isInteger(t) && t >= 0 && t < VOCAB_SIZE)) {
    return sendApiError(res, apiError(400, `\`tokens\` must be a list of token ids in [0, ${VOCAB_SIZE})`, "tokens"));
  }
  sendJson(res, 200, { prompt: detokenize(ids as number[]) });
}
