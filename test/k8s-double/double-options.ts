/** The double's options: one zod schema, the single source of defaults. */
import { z } from "zod";
import { CRD_RESOURCES } from "./resource-table.ts";

const quantity = z.union([z.string(), z.number()]);

export const nodeOptionSchema = z.strictObject({
  name: z.string().min(1),
  labels: z.record(z.string(), z.string()).default({}),
  /** status.capacity; allocatable is the same unless given. */
  capacity: z.record(z.string(), quantity).default({ cpu: "8", memory: "32Gi", pods: "110" }),
  allocatable: z.record(z.string(), quantity).optional(),
  taints: z.array(z.strictObject({ key: z.string(), value: z.string().optional(), effect: z.enum(["NoSchedule", "PreferNoSchedule", "NoExecute"]) })).default([]),
  unschedulable: z.boolean().default(false),
});

export type NodeOption = z.input<typeof nodeOptionSchema>;

const roleSchema = z.looseObject({ kind: z.enum(["Role", "ClusterRole"]), metadata: z.looseObject({ name: z.string().optional(), namespace: z.string().optional() }).optional(), rules: z.array(z.looseObject({ verbs: z.array(z.string()) })).default([]) });

export const doubleOptionsSchema = z.strictObject({
  /** Bearer token of the user the RBAC rules apply to; random when absent. */
  token: z.string().min(1).optional(),
  /** That user's name in 403 messages. */
  user: z.string().min(1).default("kneepoint-runner"),
  /** Namespaces besides default, kube-system, kube-public and kube-node-lease. */
  namespaces: z.array(z.string().min(1)).default([]),
  nodes: z.array(nodeOptionSchema).prefault([{ name: "node-1" }]),
  /** Node groups a simulated cluster autoscaler scales up for unschedulable pods ("node provisioning"). */
  autoscaler: z
    .array(z.strictObject({ name: z.string().min(1), max: z.number().int().positive().default(1), provisionMs: z.number().min(0).default(1000), node: nodeOptionSchema.omit({ name: true }) }))
    .default([]),
  /** CRDs installed, e.g. "podmonitors.monitoring.coreos.com"; others are 404 as on a cluster without them. */
  crds: z.array(z.string().refine((name) => name in CRD_RESOURCES, { message: `must be one of: ${Object.keys(CRD_RESOURCES).join(", ")}` })).default([]),
  /** Roles/ClusterRoles whose rules the user holds (e.g. benchmarks/rbac.yaml's); no RBAC when absent. */
  rbac: z.array(roleSchema).optional(),
  /** "namespace/service" → upstream base URL for services/proxy. */
  serviceUpstreams: z.record(z.string(), z.string()).default({}),
  /** Deployment name → ms from container start until its pods are Ready. */
  deploymentReadyAfterMs: z.record(z.string(), z.number().min(0)).default({}),
  /** Deployment name → the log lines its pods write, with their time from container start. */
  deploymentLogs: z.record(z.string(), z.array(z.strictObject({ afterMs: z.number().min(0), line: z.string() }))).default({}),
  /** Deployment name → its pods' container exits this long after each start, and is restarted (CrashLoopBackOff). */
  deploymentCrashes: z.record(z.string(), z.strictObject({ afterMs: z.number().min(0), exitCode: z.number().int().min(0).max(255).default(1) })).default({}),
  /** Base of the kubelet's restart back-off (the kubelet's is 10 s, doubling, capped at 5 min). */
  crashLoopBackoffMs: z.number().min(0).default(10_000),
  /** image → the registry's error: pulling it fails (ErrImagePull, then ImagePullBackOff). */
  imagePullErrors: z.record(z.string(), z.string()).default({}),
  /** Wait before a failed image pull is tried again. */
  imagePullBackoffMs: z.number().min(0).default(10_000),
  /** How long an image "pull" takes; 0 means the image is already on the node. */
  imagePullMs: z.number().min(0).default(0),
  /** Base delay of the Job controller's back-off before a retry pod (the controller's default is 10 s). */
  jobRetryBackoffMs: z.number().min(0).default(10_000),
  kubelet: z
    .strictObject({
      /** PATH of every container (the "image's" PATH); the parent's PATH when absent. */
      path: z.string().optional(),
      /** Where pod directories go; a new temp dir when absent. */
      tmpDir: z.string().optional(),
      keepPodDirs: z.boolean().default(false),
    })
    .prefault({}),
  /** Changes kept for watches resuming from a resourceVersion. */
  watchHistory: z.number().int().positive().default(1000),
  serverVersion: z.strictObject({ major: z.string(), minor: z.string(), gitVersion: z.string() }).default({ major: "1", minor: "33", gitVersion: "v1.33.1" }),
  /** Objects present from the start (created as an admin would, through the same checks). */
  objects: z.array(z.looseObject({ apiVersion: z.string(), kind: z.string(), metadata: z.looseObject({ name: z.string() }) })).default([]),
  /** Seed of generated names (pod suffixes). */
  seed: z.number().int().default(1),
});

export type DoubleOptions = z.input<typeof doubleOptionsSchema>;
export type ResolvedDoubleOptions = z.output<typeof doubleOptionsSchema>;
