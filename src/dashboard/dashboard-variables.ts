/**
 * The dashboard's template variables: the Prometheus datasource, the served models, and two regex filters for the
 * DCGM panels (GPU pod and GPU host), each defaulting to `.*` so every GPU shows until narrowed.
 */
import { LABELS, VLLM } from "../server-metrics/metric-names.ts";
import { VAR } from "./dashboard-queries.ts";
import { DATASOURCE } from "./grafana-json.ts";

/** The model list comes from a gauge every vLLM version exposes, so it fills even before the first request. */
export const MODEL_NAME_QUERY = `label_values(${VLLM.running.name}, ${LABELS.modelName})`;

function regexTextbox(name: string, label: string, description: string) {
  return {
    name,
    label,
    description,
    type: "textbox",
    query: ".*",
    current: { selected: false, text: ".*", value: ".*" },
    options: [{ selected: true, text: ".*", value: ".*" }],
    hide: 0,
    skipUrlSync: false,
  };
}

/** `datasourceDefault` is the import placeholder (`${DS_PROMETHEUS}`) Grafana swaps for the chosen datasource. */
export function dashboardVariables(datasourceDefault: string) {
  return [
    {
      name: VAR.datasource,
      label: "Prometheus",
      type: "datasource",
      query: "prometheus",
      current: { selected: false, text: "Prometheus", value: datasourceDefault },
      options: [],
      hide: 0,
      includeAll: false,
      multi: false,
      refresh: 1,
      regex: "",
      skipUrlSync: false,
    },
    {
      name: VAR.modelName,
      label: "Model",
      type: "query",
      datasource: DATASOURCE,
      definition: MODEL_NAME_QUERY,
      query: MODEL_NAME_QUERY,
      current: { selected: true, text: ["All"], value: ["$__all"] },
      options: [],
      hide: 0,
      includeAll: true,
      allValue: ".*",
      multi: true,
      refresh: 2,
      regex: "",
      sort: 1,
      skipUrlSync: false,
    },
    regexTextbox(
      VAR.pod,
      "GPU pod (regex)",
      `DCGM panels: GPUs allocated to pods matching this regex (label ${LABELS.pod.join(" or ")}).`,
    ),
    regexTextbox(
      VAR.hostname,
      "GPU host (regex)",
      `DCGM panels: GPUs on hosts matching this regex (label ${LABELS.hostname.join(" or ")}).`,
    ),
  ];
}
