/**
 * POST /v1/completions and /v1/chat/completions: validate, apply request-level faults (status,
 * 429, stall, disconnect at 0), plan the answer, then feed the request to the engine loop (the
 * performance model) or to a deterministic stream, with a RequestRun writing the response.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { apiError, isApiError, sendApiError, type ApiError } from "./api-error.ts";
import { sendAnthropicError } from "./anthropic-chunks.ts";
import { startDeterministicStream } from "./deterministic-stream.ts";
import { FAULT_HEADER, parseFaultHeader, type FaultPlan } from "./fault-injection.ts";
import { readJsonBody } from "./http-body.ts";
import { parseGenerationRequest, type EndpointKind, type GenerationRequest } from "./openai-request.ts";
import { planFixedOutput, planOutput, type OutputPlan } from "./output-plan.ts";
import { hashString } from "./seeded-random.ts";
import { structuredAnswer } from "./structured-output.ts";
import { createRequestRun, type RequestRun } from "./request-run.ts";
import type { DeterministicRun, SimContext } from "./sim-context.ts";
import { requestBlockHashes } from "./prefix-hashes.ts";

/** Picks the replica that serves a parsed request (`kneepoint sim --replicas N`: the router, router.ts). */
export type RouteRequest = (request: GenerationRequest) => SimContext;

export async function handleGeneration(
  front: SimContext,
  req: IncomingMessage,
  res: ServerResponse,
  kind: EndpointKind,
  receivedMs: number,
  route?: RouteRequest,
): Promise<void> {
  // /v1/messages answers its errors in Anthropic's envelope (anthropic-chunks.ts), with the same statuses.
  const fail = (error: ApiError) => (kind === "messages" ? sendAnthropicError : sendApiError)(res, error);
  const body = await readJsonBody(req);
  if (!body.ok) return fail(body.error);
  const request = parseGenerationRequest(body.value, kind, front.config);
  if (isApiError(request)) return fail(request);
  const ctx = route ? route(request) : front;

  let faults: FaultPlan = {};
  const header = req.headers[FAULT_HEADER];
  if (typeof header === "string") {
    const parsed = parseFaultHeader(header);
    if ("error" in parsed) return fail(apiError(400, parsed.error));
    faults = parsed;
  } else if (ctx.drawFaults) {
    faults = ctx.drawFaults(request.maxTokens);
  }
  if (faults.reset) {
    // a transport fault: the connection closes before any response byte (the client sees a reset / hang-up)
    res.socket?.destroy();
    return;
  }
  if (faults.rateLimit) {
    return fail({ ...apiError(429, "kneepoint-sim injected fault: rate limit exceeded"), headers: { "retry-after": "1" } });
  }
  if (faults.status !== undefined) {
    return fail(apiError(faults.status, `kneepoint-sim injected fault: HTTP ${faults.status}`));
  }

  const output = planAnswer(ctx.config.seed, request);
  if (request.stream) {
    res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" });
    res.flushHeaders();
  }
  if (faults.disconnectAfter === 0) {
    ctx.metrics.observeAborted();
    res.socket?.destroy();
    return;
  }
  startRun(ctx, res, request, output, faults, kind, receivedMs);
}

/** The answer's plan: free text, or JSON of the planned length when the request asks for structured output. */
function planAnswer(seed: number, request: GenerationRequest): OutputPlan {
  const plan = planOutput({ seed, promptKey: request.promptKey, budget: request.maxTokens, ignoreEos: request.ignoreEos });
  // a tool call's text is JSON under the tool's schema (vLLM: structured outputs), whatever response_format says
  const format = request.toolCall?.format ?? request.responseFormat;
  if (format === null) return plan;
  const answer = structuredAnswer(format, {
    // A model calling a tool writes its arguments and stops: the shortest JSON its schema allows, not a document of
    // the planned answer length (with max_tokens 4096 that would be ~1,000 tokens of arguments every later turn
    // carries). Only ignore_eos, which forbids stopping, fills them to max_tokens.
    want: request.toolCall && !request.ignoreEos ? 0 : plan.tokens,
    budget: request.maxTokens,
    ignoreEos: request.ignoreEos,
    seed: hashString(request.promptKey, seed ^ 0x150),
  });
  return planFixedOutput(answer.pieces, answer.finishReason);
}

function startRun(
  ctx: SimContext,
  res: ServerResponse,
  request: GenerationRequest,
  output: OutputPlan,
  faults: FaultPlan,
  kind: EndpointKind,
  receivedMs: number,
): void {
  let stopSource = () => {};
  let detRun: DeterministicRun | null = null;
  const shutdown = () => run.abort("shutdown");
  const run: RequestRun = createRequestRun({
    res,
    identity: { kind, id: ctx.nextResponseId(kind === "messages" ? "chat" : kind), created: Math.floor(Date.now() / 1000), model: request.model },
    request,
    output,
    faults,
    receivedMs,
    metrics: ctx.metrics,
    stopSource: () => stopSource(),
    onEnd: () => {
      ctx.shutdownHooks.delete(shutdown);
      if (detRun) ctx.deterministicRuns.delete(detRun);
    },
  });
  ctx.shutdownHooks.add(shutdown);
  res.on("close", () => run.abort("client"));
  // Gone while we read the body? Ask the request's socket: res.socket is still null while an earlier response on the
  // same keep-alive connection is being flushed (Node queues this one behind it), which is no disconnect.
  const socket = res.socket ?? res.req.socket;
  if (!socket || socket.destroyed) return run.abort("client");

  const stallMs = faults.stallMs ?? 0;
  const { engine } = ctx;
  if (engine) {
    const submit = () => {
      const id = engine.submit(
        {
          promptTokens: request.promptTokens,
          targetOutputTokens: output.tokens,
          finishReason: output.finishReason,
          lora: request.lora,
          ...(ctx.prefixCachingBlockSize !== null ? { blockHashes: requestBlockHashes(request, ctx.prefixCachingBlockSize) } : {}),
        },
        { token: (atMs, _reason, queueMs) => run.token(atMs, queueMs), flush: () => void run.flush() },
      );
      stopSource = () => engine.abort(id);
    };
    if (stallMs > 0) {
      const timer = setTimeout(submit, stallMs);
      stopSource = () => clearTimeout(timer);
    } else {
      submit();
    }
    return;
  }

  const det = ctx.config.deterministic!;
  const tracked: DeterministicRun = { promptTokens: request.promptTokens, emitted: 0, lora: request.lora };
  detRun = tracked;
  ctx.deterministicRuns.add(tracked);
  let batchTokens = 0;
  const stream = startDeterministicStream({
    startMs: receivedMs + stallMs,
    ttftMs: det.ttftMs,
    itlMs: det.itlMs,
    totalTokens: output.tokens,
    now: ctx.now,
    sink: {
      token(atMs) {
        run.token(atMs, 0);
        tracked.emitted++;
        batchTokens++;
      },
      flush() {
        ctx.recordDeterministicTokens(batchTokens, tracked.promptTokens + tracked.emitted);
        batchTokens = 0;
        return run.flush();
      },
      onDrain: (resume) => run.onDrain(resume),
    },
  });
  stopSource = () => stream.cancel();
  if (run.ended) stream.cancel(); // finished or disconnected within the first, synchronous tick
}
