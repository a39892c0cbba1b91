/**
 * A replay graph: one agentic session as a DAG of LLM calls (inference-perf 0.7.0
 * datagen/replay/replay_graph_types.py). A call waits for its predecessors, then `waitMs`, then is sent with its
 * recorded messages, where "shared" and "output" segments are replaced by what the predecessors really sent and
 * answered (session-messages.ts). Pure data; built from OTel traces by otel-replay-graph.ts.
 */

export interface ReplayMessage {
  role: string;
  content: string;
  /** synthetic_agentic: an assistant message's tool calls (its `content` is then sent only when not empty). */
  tool_calls?: unknown[];
  /** synthetic_agentic: the call a `tool` message answers. */
  tool_call_id?: string;
}

/**
 * One segment of a call's input, at message granularity:
 *  shared — the leading `messageCount` messages equal a predecessor's (the ones it sent, after its own substitution);
 *  output — one assistant message whose content is a predecessor's output (the live answer is put there);
 *  unique — messages no predecessor shares (sent as recorded);
 *  async_report — one user message whose content is a sub-agent's live answer in a <task-notification> (synthetic_agentic).
 */
export interface InputSegment {
  type: "shared" | "output" | "unique" | "async_report";
  messageCount: number;
  tokenCount: number;
  /** The predecessor's event id (shared/output only). */
  sourceEventId: string | null;
}

export interface GraphCall {
  callId: string;
  model: string;
  messages: ReplayMessage[];
  /** OTel: gen_ai.tool.definitions as recorded (null when the span advertised none). */
  toolDefinitions?: Array<Record<string, unknown>> | null;
  /** OTel: the recorded output called tools and the span advertised tools (0.7.0 expected_output_is_tool_call). */
  expectedOutputIsToolCall?: boolean;
  /** OTel: the function names the recorded output called, in order (null when none). */
  expectedOutputToolNames?: string[] | null;
  expectedOutput: string;
  inputSegments: InputSegment[];
  totalInputTokens: number;
  /** The body's max_tokens: the recorded completion tokens, else the output's length / 4. */
  expectedOutputTokens: number;
  attributes: Record<string, unknown>;
  /** synthetic_agentic: the tools the body advertises, its tool_choice, and ignore_eos false (0.7.0 to_request_body). */
  toolRequest?: ToolRequest;
}

export interface ToolRequest {
  /** The body's `tools` (0.7.0's cleaned OpenAI function schemas). */
  tools: unknown[];
  /** The body's `tool_choice`, or null to send none (tool_choice_mode as_recorded). */
  toolChoice: unknown;
  /** Counted with the prompt when the server reports no usage (0.7.0: json.dumps of the tool definitions). */
  toolsText: string;
  /** A forced tool call under override_tool_call_max_tokens: max_tokens becomes max(4 × max_tokens, 4096). */
  overrideMaxTokens: boolean;
  /** The tools a forced tool-call turn must call (several: parallel calls); null on a text turn. */
  forcedToolNames: string[] | null;
}

export interface GraphEvent {
  eventId: string;
  call: GraphCall;
  /** In 0.7.0's order: causal predecessors (latest first), then the temporal fallback. */
  predecessorEventIds: string[];
  dependencyTypes: Record<string, string>;
  /** Recorded gap between the last predecessor's end and this call's start (capped by max_wait_ms at replay). */
  waitMs: number;
  tStartMs: number;
  tEndMs: number;
  isUserFacing: boolean;
  isStructuredOutputCall: boolean;
}

export interface ReplayGraph {
  /** In build order (the calls' start order): the order 0.7.0 enqueues a session's events. */
  events: GraphEvent[];
  sourceFile: string;
}
