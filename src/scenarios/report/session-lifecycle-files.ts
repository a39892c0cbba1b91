/** The session report files of a run's session replay stages, as report.session_lifecycle asks (session-lifecycle-report.ts). */
import type { ScenarioConfig } from "../config/scenario-config-schema.ts";
import type { SessionStageResult } from "../load/session-replay-stage.ts";
import type { ReportFile } from "../storage/report-file.ts";
import { buildSessionLifecycleFiles } from "./session-lifecycle-report.ts";

export function sessionLifecycleFiles(stages: readonly SessionStageResult[], cfg: ScenarioConfig): ReportFile[] {
  const s = cfg.report.session_lifecycle;
  if (stages.length === 0 || !s) return [];
  return buildSessionLifecycleFiles(
    stages.flatMap((r) => r.sessions),
    stages.flatMap((r) => r.requests),
    stages.map((r) => r.info),
    {
      summary: s.summary === true,
      perStage: s.per_stage === true,
      perSession: s.per_session === true,
      percentiles: cfg.report.request_lifecycle.percentiles,
      maxErrorMessages: cfg.report.request_lifecycle.max_error_messages,
      anthropicTokenTimesDropped: cfg.tokenizer != null && (cfg.report.request_lifecycle.summary === true || cfg.report.request_lifecycle.per_stage === true || cfg.report.request_lifecycle.per_request_fields.computed_metrics),
    },
  );
}
