/**
 * A synthetic_agentic theme (inference-perf 0.7.0 synthetic_themes.py `Theme`): the content layer — verbs, entity
 * pools, tools with descriptions and parameter schemas, result/intro/filler/payload templates — that makes a
 * generated session read like a workload in one domain. The four built-in themes are 0.7.0's data, verbatim.
 */
import { CODE_CHANGE_TASK_THEME } from "./themes/code-change-task.ts";
import { DB2_LATENCY_INCIDENT_THEME } from "./themes/db2-latency-incident.ts";
import { GENERIC_THEME } from "./themes/generic.ts";
import { RESEARCH_RAG_THEME } from "./themes/research-rag.ts";

export interface Theme {
  name: string;
  system_prompt: string | null;
  verbs: string[];
  entities: Record<string, string[]>;
  tool_names: string[];
  tool_descriptions: Record<string, string>;
  tool_parameters: Record<string, Record<string, unknown>>;
  result_templates: Record<string, string>;
  objective_template: string;
  followup_templates: string[];
  followup_connectives: string[];
  intro_doc_templates: string[];
  filler_templates: string[];
  payload_templates: string[];
  compaction_summary_template: string;
}

export const BUILT_IN_THEMES: Readonly<Record<string, Theme>> = {
  generic: GENERIC_THEME,
  db2_latency_incident: DB2_LATENCY_INCIDENT_THEME,
  research_rag: RESEARCH_RAG_THEME,
  code_change_task: CODE_CHANGE_TASK_THEME,
};
