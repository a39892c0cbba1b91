/**
 * The replay graph of one synthetic_agentic session, with what 0.7.0's GraphEvent carries for these sessions:
 * messages with tool calls and tool results, the advertised tools, whether the call's output is a forced tool
 * call (and which tools), and `async_report` segments (a sub-agent's report delivered as a user notification).
 * Pure data; built by session-graph.ts, handed to the session replay stage by agentic-replay-source.ts.
 */
import type { ToolDefinition } from "./agent-text.ts";

export interface ToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

/** A chat message in 0.7.0's key order: role, then content / tool_calls / tool_call_id as the generator writes them. */
export type AgenticMessage =
  | { role: "system" | "user" | "assistant"; content: string }
  | { role: "assistant"; tool_calls: ToolCall[] }
  | { role: "tool"; tool_call_id: string; content: string };

export interface AgenticSegment {
  type: "shared" | "output" | "unique" | "async_report";
  messageCount: number;
  sourceEventId: string | null;
}

export interface AgenticEvent {
  eventId: string;
  messages: AgenticMessage[];
  segments: AgenticSegment[];
  predecessorEventIds: string[];
  dependencyTypes: Record<string, string>;
  waitMs: number;
  toolDefinitions: ToolDefinition[];
  expectedOutputIsToolCall: boolean;
  expectedOutputToolNames: string[] | null;
  expectedOutput: string;
  expectedOutputTokens: number;
}

export interface AgenticGraph {
  sessionId: string;
  theme: string;
  /** In insertion order, as 0.7.0's events dict (a re-emitted event keeps its place). */
  events: AgenticEvent[];
  rootEventIds: string[];
}
