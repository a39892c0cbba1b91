/**
 * `kneepoint run` with `server.type: mock` (src/engine/mock-client.ts): what stands in for the target, its tokenizer
 * and the report options, so that nothing is sent and the reports are the ones inference-perf 0.7.0 writes.
 */
import { MOCK_MODEL, mockRequestData } from "../engine/mock-client.ts";
import type { TargetInfo } from "../engine/target-info.ts";
import type { ScenarioReportOptions } from "../scenarios/report/scenario-report-options.ts";
import type { RequestSource } from "../scenarios/types.ts";
import { createApproximateTokenizer } from "../tokenizer/approximate-tokenizer.ts";
import { loadLocalTokenizer } from "../tokenizer/local-tokenizer.ts";
import type { ResolvedTokenizer } from "../tokenizer/resolve-tokenizer.ts";

/** server.type mock: the "target" that answers without a server (src/engine/mock-client.ts). */
export function mockTargetInfo(): TargetInfo {
  return { model: MOCK_MODEL, modelRoot: null, serverVersion: null, simulator: null, simulatorProfile: null, maxNumSeqs: null, servedModels: [MOCK_MODEL] };
}

/** server.type mock keeps the configured tokenizer (inference-perf too); without one, word estimates (no server to ask). */
export async function mockTokenizer(tokenizer: string | undefined, env: NodeJS.ProcessEnv): Promise<ResolvedTokenizer> {
  if (tokenizer) return { port: await loadLocalTokenizer(tokenizer, env), exact: true, warning: null };
  return { port: createApproximateTokenizer(), exact: false, warning: null };
}

/**
 * A mock run's report: unary answers (no TTFT/ITL), each request recorded as the mock client's str(body); a session
 * turn's body is the one its session built (0.7.0's mock client takes a session's turn and never gives it back, so
 * its second turn waits forever; kneepoint's mock answers and goes on).
 */
export function mockReportOptions(report: ScenarioReportOptions, source: RequestSource): ScenarioReportOptions {
  return { ...report, streaming: false, requestBody: (rec) => mockRequestData(rec.sentBody ?? source.request(rec.index).body) };
}
