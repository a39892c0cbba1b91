/**
 * Does the vLLM image's CUDA fit the GPU nodes' NVIDIA driver? `make vllm-up` asks before it applies anything: a
 * CUDA 13 image on a node whose driver only knows CUDA 12 never starts (the NVIDIA container runtime refuses it, or
 * torch says "the NVIDIA driver on your system is too old"), and a user would otherwise find out only after the
 * image pull (~10 GB) and a crash loop. Pure; the facts behind the tables:
 *
 * - The driver each CUDA major needs (NVIDIA, CUDA Compatibility, "Minor Version Compatibility", table 1,
 *   docs.nvidia.com/deploy/cuda-compatibility/minor-version-compatibility.html): CUDA 13.x needs driver 580 or
 *   newer; CUDA 12.x runs on 525 or newer (minor-version compatibility, with a limited feature set below the
 *   toolkit's own driver, 575 for 12.9); CUDA 11.x on 450 or newer. Forward compatibility (a newer CUDA on an older
 *   driver through the image's cuda-compat libraries) works on datacenter GPUs only and is opt-in in vLLM's image
 *   (VLLM_ENABLE_CUDA_COMPATIBILITY, vllm-project/vllm#33992): not counted here; `imageCheck: false` allows it.
 * - The CUDA of vLLM's images (vllm/vllm-openai): from v0.20.0 the tag without suffix is CUDA 13.0 and `-cu129` the
 *   CUDA 12.9 variant; up to v0.19.x the tag without suffix was CUDA 12.x (12.9 from v0.11, 12.8 before, 12.1-12.4
 *   in 2024) and `-cu130` the variant (vllm-project/vllm#39878 "Switch default CUDA to 13.0"; vast-ai/base-image#158
 *   and ai-dynamo/nixl#2140 on the tags of v0.20.0).
 * - `-cu129` images from v0.25 on are reported to die when `vllm serve` starts: vLLM 0.25 imports TorchCodec
 *   eagerly and the TorchCodec it ships is built for CUDA 13 (libnvrtc.so.13 not found; vllm-project/vllm#48592,
 *   the cu129-nightly report on vllm-project/vllm#47888, vllm-project/vllm-omni#5115). So for a driver below 580
 *   the pairing to use is v0.19.1, the last release whose default image is CUDA 12 (12.9).
 */
import type { V1Node } from "@kubernetes/client-node";
import { driverMajor, nodeFacts } from "./node-facts.ts";

/**
 * Set to "false" on the Deployment when values.yaml says `imageCheck: false`: how `make vllm-up` learns of it (it
 * applies the rendered objects), and a record on the cluster that the pairing was not checked.
 */
export const IMAGE_CHECK_ANNOTATION = "kneepoint.dev/image-check";

/** The oldest driver (major version) that runs images of each CUDA major, per NVIDIA's minor-version compatibility. */
export const MIN_DRIVER_FOR_CUDA: Readonly<Record<number, number>> = { 11: 450, 12: 525, 13: 580 };

/** The tag for nodes whose driver is older than 580: the last vLLM release whose default image is CUDA 12 (12.9). */
export const CUDA12_TAG = "v0.19.1";

/** The first release whose `-cu12x` images are reported to die at import (TorchCodec built for CUDA 13). */
const TORCHCODEC_BROKEN_FROM = [0, 25] as const;

export interface ImageCuda {
  /** CUDA major version of the image's runtime. */
  major: number;
  /** How it was read from the tag, for messages. */
  why: string;
}

interface ParsedImage {
  repository: string;
  tag: string;
  version?: [number, number, number];
  /** The `cuNNN` token of the tag, e.g. "129". */
  cu?: string;
}

function parseImage(image: string): ParsedImage | null {
  const ref = image.split("@")[0]!;
  const colon = ref.lastIndexOf(":");
  if (colon <= ref.lastIndexOf("/")) return null; // no tag (a registry port is before the last '/')
  const repository = ref.slice(0, colon);
  const tag = ref.slice(colon + 1);
  const v = /^v(\d+)\.(\d+)\.(\d+)/.exec(tag);
  const cu = /(?:^|-)cu(\d{3})(?=-|$)/.exec(tag);
  return {
    repository,
    tag,
    ...(v ? { version: [Number(v[1]), Number(v[2]), Number(v[3])] as [number, number, number] } : {}),
    ...(cu ? { cu: cu[1]! } : {}),
  };
}

const atLeast = (v: readonly number[], min: readonly number[]) => v[0]! > min[0]! || (v[0] === min[0] && v[1]! >= min[1]!);

/**
 * The CUDA major of a vLLM image (vllm/vllm-openai, also through a mirror that keeps the name), from its tag:
 * a `-cuNNN` suffix says it; without one, v0.20.0 and later are CUDA 13, v0.4 to v0.19 CUDA 12. Anything else
 * (another image, `latest`, a nightly without suffix, older releases) is unknown: null, and nothing is checked.
 */
export function imageCudaMajor(image: string): ImageCuda | null {
  const p = parseImage(image);
  if (!p || !/(^|\/)vllm-openai$/.test(p.repository)) return null;
  if (p.cu) return { major: Number(p.cu.slice(0, 2)), why: `its -cu${p.cu} suffix: CUDA ${p.cu.slice(0, 2)}.${p.cu.slice(2)}` };
  if (!p.version) return null;
  if (atLeast(p.version, [0, 20])) return { major: 13, why: `${p.tag} has no -cuNNN suffix, and vLLM's default images are CUDA 13.0 from v0.20.0 on` };
  if (atLeast(p.version, [0, 4])) return { major: 12, why: `${p.tag} has no -cuNNN suffix, and vLLM's default images were CUDA 12 up to v0.19` };
  return null;
}

/** A warning for images reported broken whatever the driver (`-cu12x` from v0.25 on), or null. */
export function knownImageProblem(image: string): string | null {
  const p = parseImage(image);
  if (!p || !/(^|\/)vllm-openai$/.test(p.repository) || !p.cu?.startsWith("12") || !p.version) return null;
  if (!atLeast(p.version, TORCHCODEC_BROKEN_FROM)) return null;
  return (
    `warning: ${image}: -cu12x images from v0.25 on are reported to die as \`vllm serve\` starts (TorchCodec built for ` +
    `CUDA 13: "libnvrtc.so.13: cannot open shared object file", vllm-project/vllm#48592); for a driver older than 580 use ` +
    `image.tag ${CUDA12_TAG} (CUDA 12.9, no suffix), for 580 or newer the default image`
  );
}

/** A GPU node and its driver, as GPU feature discovery labels it. */
export interface GpuNodeDriver {
  name: string;
  driverMajor: number;
  /** The full version when labelled (e.g. 580.95.05), else the major. */
  driver: string;
}

/** The GPU nodes the server could land on, split into those whose driver is labelled and those without the label. */
export interface GpuNodes {
  labelled: GpuNodeDriver[];
  unlabelled: string[];
}

/**
 * Nodes with `nvidia.com/gpu` capacity whose labels match the Deployment's nodeSelector (taints and affinity are
 * left aside: a node the pod cannot tolerate only makes the check stricter than it needs to be, never wrong about
 * a node it can).
 */
export function gpuNodeDrivers(nodes: readonly V1Node[], nodeSelector: Readonly<Record<string, string>> = {}): GpuNodes {
  const out: GpuNodes = { labelled: [], unlabelled: [] };
  for (const node of nodes) {
    const gpus = Number.parseInt(String(node.status?.capacity?.["nvidia.com/gpu"] ?? node.status?.allocatable?.["nvidia.com/gpu"] ?? "0"), 10);
    if (!(gpus > 0)) continue;
    const labels = node.metadata?.labels ?? {};
    if (!Object.entries(nodeSelector).every(([k, v]) => labels[k] === v)) continue;
    const name = node.metadata?.name ?? "(unnamed)";
    const major = driverMajor(labels);
    if (major === undefined) out.unlabelled.push(name);
    else out.labelled.push({ name, driverMajor: major, driver: nodeFacts(labels).driver ?? String(major) });
  }
  return out;
}

export interface DriverCheck {
  /** Lines to show (what was checked, warnings). */
  notes: string[];
  /** Set when no GPU node can run the image: vllm-up stops before applying. */
  error?: { message: string; hint: string };
}

const HOW_TO_LOOK = "`nvidia-smi` on a node shows \"Driver Version\" and the newest \"CUDA Version\" it supports; GPU feature discovery labels nodes nvidia.com/cuda.driver.major";

/**
 * Compares the image's CUDA with the GPU nodes' drivers. `scheduled` names the one node the pod was scheduled to,
 * when that is all that could be read (a runner that may get nodes but not list them).
 */
export function checkImageDriver(image: string, nodes: GpuNodes, scheduled?: string): DriverCheck {
  const notes: string[] = [];
  const problem = knownImageProblem(image);
  if (problem) notes.push(problem);
  const cuda = imageCudaMajor(image);
  const min = cuda ? MIN_DRIVER_FOR_CUDA[cuda.major] : undefined;
  if (!cuda || min === undefined) {
    notes.push(`image/driver check: the CUDA version of ${image} is not known here, not checked (${HOW_TO_LOOK})`);
    return { notes };
  }
  const needs = `${image} is a CUDA ${cuda.major} build (${cuda.why}) and needs NVIDIA driver ${min} or newer`;
  if (nodes.labelled.length === 0) {
    notes.push(
      nodes.unlabelled.length > 0
        ? `image/driver check: ${needs}; no GPU node carries nvidia.com/cuda.driver.major (GPU feature discovery), not checked (${HOW_TO_LOOK})`
        : `image/driver check: ${needs}; no GPU node to compare with yet (an autoscaler may add one)`,
    );
    return { notes };
  }
  const tooOld = nodes.labelled.filter((n) => n.driverMajor < min);
  const fit = nodes.labelled.filter((n) => n.driverMajor >= min);
  const list = (ns: GpuNodeDriver[]) => ns.slice(0, 4).map((n) => `${n.name} (driver ${n.driver})`).join(", ") + (ns.length > 4 ? ` and ${ns.length - 4} more` : "");
  if (fit.length === 0) {
    const newest = Math.max(...tooOld.map((n) => n.driverMajor));
    const tag =
      cuda.major >= 13 && newest >= MIN_DRIVER_FOR_CUDA[12]!
        ? `set image.tag: ${CUDA12_TAG} in deploy/vllm/values.yaml (the last release whose default image is CUDA 12.9; -cu129 tags from v0.25 on are reported to die at import)`
        : `no vLLM image kneepoint knows runs on driver ${newest}`;
    return {
      notes,
      error: {
        message: `${needs}, but ${scheduled ? `the node the pod was scheduled to has an older one` : "no GPU node has one"}: ${list(tooOld)}; the server would not start there`,
        hint: `${tag}, or upgrade the nodes' driver to ${min} or newer; imageCheck: false in values.yaml skips this check (e.g. for CUDA forward compatibility on datacenter GPUs). ${HOW_TO_LOOK}`,
      },
    };
  }
  if (tooOld.length > 0) {
    notes.push(
      `warning: ${needs}; these GPU nodes have an older one and the server would not start there: ${list(tooOld)}. Keep it off them with ` +
        `values.yaml's affinity (nodeAffinity, matchExpressions: [{ key: nvidia.com/cuda.driver.major, operator: Gt, values: ["${min - 1}"] }])`,
    );
  }
  notes.push(`image/driver check: ${image} is CUDA ${cuda.major} (driver ${min}+); GPU nodes that fit: ${list(fit)}`);
  return { notes };
}
