/**
 * The "vLLM Serving" Grafana dashboard, built from the shared metric table (pure). It draws the series the
 * harness reads — vLLM latency histograms, token counters, scheduler gauges, KV usage, preemptions, DCGM GPU
 * fields — so what a sweep reports can be watched live. `write-dashboard.ts` writes it to
 * dashboards/vllm-serving-dashboard.json; a test keeps the two equal.
 */
import { DCGM, LABELS, VLLM, type MetricDef } from "../server-metrics/metric-names.ts";
import {
  ENGINE_LEGEND,
  GPU_LEGEND,
  MODEL_LEGEND,
  dcgmSelector,
  histogramMean,
  histogramQuantile,
  sumByModel,
  vllmRate,
  vllmSelector,
  withLegacyName,
} from "./dashboard-queries.ts";
import { layoutSections, type PanelSpec, type SectionSpec } from "./grafana-json.ts";
import { dashboardVariables } from "./dashboard-variables.ts";

export const DASHBOARD_UID = "kneepoint-vllm-serving";
export const DASHBOARD_PATH = "dashboards/vllm-serving-dashboard.json";
/** The placeholder Grafana's Import replaces with the datasource the user picks. */
export const DS_INPUT = "DS_PROMETHEUS";

const QUANTILES = [0.5, 0.95, 0.99] as const;

function latencyPanel(title: string, def: MetricDef, note: string): PanelSpec {
  return {
    title,
    description: `${def.help} ${note} Quantiles from \`${def.name}\` buckets, so only as fine as the buckets.`,
    unit: "s",
    min: 0,
    queries: [
      ...QUANTILES.map((q) => ({ expr: withLegacyName(def, (name) => histogramQuantile(q, name)), legend: `p${Math.round(q * 100)}` })),
      { expr: withLegacyName(def, histogramMean), legend: "mean" },
    ],
  };
}

function gpuPanel(title: string, def: MetricDef, unit: string, range: { min: number; max?: number }): PanelSpec {
  return { title, description: `\`${def.name}\`: ${def.help}`, unit, ...range, queries: [{ expr: dcgmSelector(def.name), legend: GPU_LEGEND }] };
}

const LATENCY: SectionSpec = {
  title: "Latency",
  panels: [
    latencyPanel("Time to first token", VLLM.timeToFirstToken, "Server-side: excludes the network and client queueing."),
    latencyPanel("Inter-token latency", VLLM.interTokenLatency, "Falls back to the legacy name on older servers."),
    latencyPanel("End-to-end request latency", VLLM.e2eRequestLatency, "Server-side."),
  ],
};

const THROUGHPUT: SectionSpec = {
  title: "Throughput",
  panels: [
    {
      title: "Token throughput",
      description: `Prompt (prefill) and generation tokens per second: rate of \`${VLLM.promptTokens.name}\` and \`${VLLM.generationTokens.name}\`.`,
      unit: "short",
      min: 0,
      axisLabel: "tokens/s",
      queries: [
        { expr: sumByModel(vllmRate(VLLM.promptTokens.name)), legend: `prompt ${MODEL_LEGEND}` },
        { expr: sumByModel(vllmRate(VLLM.generationTokens.name)), legend: `generation ${MODEL_LEGEND}` },
      ],
    },
    {
      title: "Finished requests by reason",
      description: `Requests finished per second by finished_reason (stop, length, abort): rate of \`${VLLM.requestSuccess.name}\`.`,
      unit: "reqps",
      min: 0,
      queries: [
        {
          expr: `sum by (${LABELS.modelName}, ${LABELS.finishedReason}) (${vllmRate(VLLM.requestSuccess.name)})`,
          legend: `${MODEL_LEGEND} {{${LABELS.finishedReason}}}`,
        },
      ],
    },
  ],
};

const SCHEDULER: SectionSpec = {
  title: "Scheduler & KV cache",
  panels: [
    {
      title: "Running and waiting requests",
      description: `\`${VLLM.running.name}\` (in the batch) and \`${VLLM.waiting.name}\` (queued). Waiting > 0 with running flat means the server is saturated.`,
      unit: "short",
      min: 0,
      queries: [
        { expr: sumByModel(vllmSelector(VLLM.running.name)), legend: `running ${MODEL_LEGEND}` },
        { expr: sumByModel(vllmSelector(VLLM.waiting.name)), legend: `waiting ${MODEL_LEGEND}` },
      ],
    },
    {
      title: "KV-cache usage",
      description: `\`${VLLM.kvCacheUsage.name}\`, or \`${VLLM.kvCacheUsage.legacyName}\` on servers that only have the old name. ${VLLM.kvCacheUsage.help}`,
      unit: "percentunit",
      min: 0,
      max: 1,
      queries: [{ expr: withLegacyName(VLLM.kvCacheUsage, vllmSelector), legend: ENGINE_LEGEND }],
    },
    {
      title: "Preemptions",
      description: `Preemptions per second: rate of \`${VLLM.preemptions.name}\`. Any at all means KV-cache pressure.`,
      unit: "short",
      min: 0,
      axisLabel: "preemptions/s",
      queries: [{ expr: sumByModel(vllmRate(VLLM.preemptions.name)), legend: MODEL_LEGEND }],
    },
  ],
};

const GPU: SectionSpec = {
  title: "GPU (DCGM)",
  panels: [
    gpuPanel("GPU utilization", DCGM.gpuUtil, "percent", { min: 0, max: 100 }),
    gpuPanel("GPU memory used", DCGM.fbUsed, "mbytes", { min: 0 }),
    {
      title: "GPU memory used (fraction)",
      description: `\`${DCGM.fbUsed.name}\` / (\`${DCGM.fbUsed.name}\` + \`${DCGM.fbFree.name}\`). vLLM preallocates gpu_memory_utilization of memory at start, so this is flat; watch KV-cache usage for pressure.`,
      unit: "percentunit",
      min: 0,
      max: 1,
      queries: [{ expr: `${dcgmSelector(DCGM.fbUsed.name)} / (${DCGM.fbUsed.name} + ${DCGM.fbFree.name})`, legend: GPU_LEGEND }],
    },
    gpuPanel("DRAM active (memory bandwidth)", DCGM.dramActive, "percentunit", { min: 0, max: 1 }),
    gpuPanel("Tensor pipe active", DCGM.tensorActive, "percentunit", { min: 0, max: 1 }),
    gpuPanel("Power", DCGM.powerUsage, "watt", { min: 0 }),
  ],
};

export const SECTIONS: readonly SectionSpec[] = [LATENCY, THROUGHPUT, SCHEDULER, GPU];

export function buildDashboard() {
  return {
    __inputs: [
      {
        name: DS_INPUT,
        label: "Prometheus",
        description: "The Prometheus that scrapes vLLM and dcgm-exporter",
        type: "datasource",
        pluginId: "prometheus",
        pluginName: "Prometheus",
      },
    ],
    __requires: [
      { type: "grafana", id: "grafana", name: "Grafana", version: "10.4.0" },
      { type: "datasource", id: "prometheus", name: "Prometheus", version: "1.0.0" },
      { type: "panel", id: "timeseries", name: "Time series", version: "" },
    ],
    annotations: {
      list: [
        {
          builtIn: 1,
          datasource: { type: "grafana", uid: "-- Grafana --" },
          enable: true,
          hide: true,
          iconColor: "rgba(0, 211, 255, 1)",
          name: "Annotations & Alerts",
          type: "dashboard",
        },
      ],
    },
    description: "vLLM serving latency, throughput, scheduler and KV cache, and DCGM GPU counters: the series kneepoint reads.",
    editable: true,
    fiscalYearStartMonth: 0,
    graphTooltip: 1,
    id: null,
    links: [],
    liveNow: false,
    panels: layoutSections(SECTIONS),
    refresh: "30s",
    schemaVersion: 39,
    tags: ["vllm", "dcgm", "kneepoint"],
    templating: { list: dashboardVariables(`\${${DS_INPUT}}`) },
    time: { from: "now-30m", to: "now" },
    timepicker: {},
    timezone: "browser",
    title: "vLLM Serving",
    uid: DASHBOARD_UID,
    version: 1,
    weekStart: "",
  };
}

export type Dashboard = ReturnType<typeof buildDashboard>;

/** The file's exact text: 2-space JSON and a trailing newline. */
export function renderDashboardJson(dashboard: Dashboard): string {
  return `${JSON.stringify(dashboard, null, 2)}\n`;
}
