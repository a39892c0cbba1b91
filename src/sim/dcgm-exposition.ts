/**
 * The text a dcgm-exporter (NVIDIA/dcgm-exporter, default-counters.csv) would serve for the
 * simulated GPU: its field names, HELP texts, types and labels (gpu, UUID, pci_bus_id, device,
 * modelName, Hostname, DCGM_FI_DRIVER_VERSION), integers for integer fields and 6 decimals for
 * doubles, as the exporter prints them. Values come from the engine's activity over the last sample:
 *   GPU_UTIL = % of time the engine was stepping; GR_ENGINE_ACTIVE = the same as a ratio;
 *   DRAM_ACTIVE = bytes moved / (HBM bandwidth × time); PIPE_TENSOR_ACTIVE = FLOPs / (peak × time);
 *   POWER_USAGE between idle and TDP by activity; MEM_COPY_UTIL ≈ DRAM_ACTIVE in %.
 * FB_USED is constant: vLLM preallocates gpu_memory_utilization of the framebuffer at start, so
 * (on a real server too) it says nothing about KV-cache pressure; read vllm:kv_cache_usage_perc.
 */
import type { GpuSpec } from "./profiles.ts";
import { DCGM } from "../server-metrics/metric-names.ts";
import type { ActivitySample } from "./gpu-activity.ts";

export interface DcgmIdentity {
  gpu: GpuSpec;
  uuid: string;
  hostname: string;
  driverVersion: string;
  gpuMemoryUtilization: number;
}

interface Field {
  name: string;
  help: string;
  value: number;
  integer: boolean;
}

const clamp01 = (x: number) => Math.min(1, Math.max(0, x));

export function dcgmFields(id: DcgmIdentity, s: ActivitySample): Field[] {
  const g = id.gpu;
  const dram = clamp01(s.bytes / (g.hbmBandwidthBytesPerS * s.windowS));
  const tensor = clamp01(s.flops / (g.peakTensorFlopsPerS * s.windowS));
  const activity = clamp01(0.35 * s.busy + 0.65 * Math.max(dram, tensor));
  const fbUsedMiB = Math.round(g.memoryMiB * id.gpuMemoryUtilization);
  return [
    { name: "DCGM_FI_DEV_SM_CLOCK", help: "SM clock frequency (in MHz).", value: g.smClockMHz, integer: true },
    { name: "DCGM_FI_DEV_MEM_CLOCK", help: "Memory clock frequency (in MHz).", value: g.memClockMHz, integer: true },
    { name: "DCGM_FI_DEV_GPU_TEMP", help: "GPU temperature (in C).", value: Math.round(32 + 40 * activity), integer: true },
    { name: DCGM.powerUsage.name, help: "Power draw (in W).", value: g.idleW + (g.tdpW - g.idleW) * activity, integer: false },
    { name: DCGM.gpuUtil.name, help: "GPU utilization (in %).", value: Math.round(100 * s.busy), integer: true },
    { name: DCGM.memCopyUtil.name, help: "Memory utilization (in %).", value: Math.round(100 * dram), integer: true },
    { name: DCGM.fbFree.name, help: "Framebuffer memory free (in MiB).", value: g.memoryMiB - fbUsedMiB, integer: true },
    { name: DCGM.fbUsed.name, help: "Framebuffer memory used (in MiB).", value: fbUsedMiB, integer: true },
    { name: DCGM.grEngineActive.name, help: "Ratio of time the graphics engine is active.", value: s.busy, integer: false },
    { name: DCGM.tensorActive.name, help: "Ratio of cycles the tensor (HMMA) pipe is active.", value: tensor, integer: false },
    {
      name: DCGM.dramActive.name,
      help: "Ratio of cycles the device memory interface is active sending or receiving data.",
      value: dram,
      integer: false,
    },
  ];
}

function labelValue(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

export function renderDcgmMetrics(id: DcgmIdentity, s: ActivitySample): string {
  const labels =
    `gpu="0",UUID="${labelValue(id.uuid)}",pci_bus_id="00000000:18:00.0",device="nvidia0",` +
    `modelName="${labelValue(id.gpu.name)}",Hostname="${labelValue(id.hostname)}",DCGM_FI_DRIVER_VERSION="${labelValue(id.driverVersion)}"`;
  let out = "";
  for (const f of dcgmFields(id, s)) {
    const value = f.integer ? String(Math.round(f.value)) : f.value.toFixed(6);
    out += `# HELP ${f.name} ${f.help}\n# TYPE ${f.name} gauge\n${f.name}{${labels}} ${value}\n`;
  }
  return out;
}
