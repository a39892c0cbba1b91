/**
 * One accepted generation request on the wire: receives its tokens from the engine loop or the
 * deterministic stream, writes them as SSE chunks (or one JSON body at the end), records vLLM's
 * per-request metrics from the tokens' scheduled times, and applies the stream faults
 * (malformed chunk, mid-stream disconnect). Tokens queued by `token` are written once per `flush`.
 */
import type { ServerResponse } from "node:http";
import { apiError, sendApiError, sendJson } from "./api-error.ts";
import type { FaultPlan } from "./fault-injection.ts";
import { completeResponse, createChunkBuilder, type ResponseIdentity } from "./openai-chunks.ts";
import type { GenerationRequest } from "./openai-request.ts";
import type { OutputPlan } from "./output-plan.ts";
import { promptToolCallIds, toolCallsOf, toolFinishReason } from "./tool-choice.ts";
import type { VllmMetrics } from "./vllm-metrics.ts";

export interface RequestRun {
  /** `atMs` is when the token was produced (performance.now() clock); `queueMs` real ms waiting. */
  token(atMs: number, queueMs: number): void;
  /** Writes queued output; false when the socket buffer is full. */
  flush(): boolean;
  onDrain(resume: () => void): void;
  readonly emitted: number;
  readonly finished: boolean;
  /** Finished, aborted or disconnected: nothing more will be written. */
  readonly ended: boolean;
  /** Ends the request early (client gone, fault, shutdown); counted as finished_reason "abort". */
  abort(reason: "client" | "fault" | "shutdown"): void;
}

export function createRequestRun(options: {
  res: ServerResponse;
  identity: ResponseIdentity;
  request: GenerationRequest;
  output: OutputPlan;
  faults: FaultPlan;
  receivedMs: number;
  metrics: VllmMetrics;
  /** Stops the token source (engine request or deterministic timer). */
  stopSource: () => void;
  onEnd: () => void;
}): RequestRun {
  const { res, identity, request, output, faults, receivedMs, metrics } = options;
  const { toolCall } = request;
  // named function calling streams its arguments as tool-call deltas ("required" is not streamed: tool-choice.ts)
  const toolCallId = promptToolCallIds(request.promptKey);
  const chunks = createChunkBuilder(identity, toolCall?.kind === "named" ? { id: toolCallId(), name: toolCall.name } : undefined);
  const body = (text: string) =>
    toolCall
      ? completeResponse(identity, text, toolFinishReason(toolCall, output.finishReason), request.promptTokens, emitted, toolCallsOf(toolCall, text, toolCallId))
      : completeResponse(identity, text, output.finishReason, request.promptTokens, emitted);
  let emitted = 0;
  let pending = "";
  let pendingTokens = 0;
  let text = "";
  let firstMs = 0;
  let lastMs = 0;
  let queueMs = 0;
  let finished = false;
  let ended = false;
  let disconnectNow = false;

  function end(): void {
    if (ended) return;
    ended = true;
    options.onEnd();
  }

  const run: RequestRun = {
    get emitted() {
      return emitted;
    },
    get finished() {
      return finished;
    },
    get ended() {
      return ended;
    },
    token(atMs, queuedMs) {
      if (finished || ended || disconnectNow) return;
      const index = emitted++;
      const id = output.nextTokenId();
      if (index === 0) {
        firstMs = atMs;
        queueMs = queuedMs;
        metrics.observeFirstToken((atMs - receivedMs) / 1000, request.promptTokens);
        if (request.stream && request.kind !== "completion") pending += chunks.role(request.promptTokens);
      } else {
        metrics.observeInterTokenLatency((atMs - lastMs) / 1000);
      }
      lastMs = atMs;
      pendingTokens++;
      const last = emitted >= output.tokens;
      if (request.stream) {
        pending += faults.malformedAt === emitted ? chunks.malformed() : chunks.token(output.jsonTexts[id]!, last ? output.finishReason : null);
      } else {
        text += output.texts[id]!;
      }
      if (faults.disconnectAfter === emitted) disconnectNow = true;
      if (last) finished = true;
    },
    flush() {
      if (ended) return true;
      if (pendingTokens > 0) metrics.addGenerationTokens(pendingTokens);
      pendingTokens = 0;
      if (disconnectNow) {
        // let the chunks written so far reach the client, then cut the connection mid-response
        const socket = res.socket;
        if (request.stream) res.write(pending, () => socket?.destroy());
        else socket?.destroy(); // non-streaming: nothing was sent yet
        pending = "";
        run.abort("fault");
        return true;
      }
      if (finished) {
        metrics.observeFinished({
          reason: output.finishReason,
          promptTokens: request.promptTokens,
          generationTokens: emitted,
          maxTokens: request.maxTokens,
          e2eS: (lastMs - receivedMs) / 1000,
          queueS: queueMs / 1000,
          prefillS: Math.max(0, firstMs - receivedMs - queueMs) / 1000,
          decodeS: (lastMs - firstMs) / 1000,
        });
        end();
        if (request.stream) {
          if (request.includeUsage) pending += chunks.usage(request.promptTokens, emitted);
          res.end(pending + chunks.done());
        } else if (faults.malformedAt !== undefined) {
          const cut = JSON.stringify(body(text));
          res.writeHead(200, { "content-type": "application/json" });
          res.end(cut.slice(0, Math.floor(cut.length / 2)));
        } else {
          sendJson(res, 200, body(text));
        }
        pending = "";
        return true;
      }
      if (!request.stream || pending === "") return true;
      const ok = res.write(pending);
      pending = "";
      return ok;
    },
    onDrain(resume) {
      res.once("drain", resume);
    },
    abort(reason) {
      if (ended) return;
      options.stopSource();
      metrics.observeAborted();
      end();
      if (reason !== "shutdown" || res.writableEnded) return;
      if (res.headersSent) res.end(); // a stream: end it (no [DONE]: the answer is incomplete)
      else sendApiError(res, apiError(503, "kneepoint-sim is shutting down"));
    },
  };
  return run;
}
