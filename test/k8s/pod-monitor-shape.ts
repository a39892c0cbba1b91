/**
 * The shape of a Prometheus Operator PodMonitor (monitoring.coreos.com/v1). It is a CRD, so kubernetes-models
 * (built-in kinds only) cannot validate it; this zod schema covers the fields the example uses and the common
 * optional ones, with the CRD's own patterns (the Duration regex). Strict, so ServiceMonitor's `endpoints` or a
 * misspelt key is an error, as the API server's structural-schema pruning would otherwise drop it silently.
 */
import { z } from "zod";

/** monitoring.coreos.com Duration, as in the CRD's OpenAPI schema. */
const duration = z
  .string()
  .regex(/^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$/, {
    message: "must be a Prometheus duration such as 15s",
  });

const labelMap = z.record(z.string(), z.string());

const podMetricsEndpoint = z.strictObject({
  port: z.string().min(1).optional(),
  portNumber: z.number().int().min(1).max(65535).optional(),
  path: z.string().startsWith("/").optional(),
  scheme: z.enum(["http", "https"]).optional(),
  interval: duration.optional(),
  scrapeTimeout: duration.optional(),
  honorLabels: z.boolean().optional(),
  honorTimestamps: z.boolean().optional(),
  params: z.record(z.string(), z.array(z.string())).optional(),
  relabelings: z.array(z.record(z.string(), z.unknown())).optional(),
  metricRelabelings: z.array(z.record(z.string(), z.unknown())).optional(),
});

export const podMonitorSchema = z.strictObject({
  apiVersion: z.literal("monitoring.coreos.com/v1"),
  kind: z.literal("PodMonitor"),
  metadata: z.strictObject({
    name: z.string().min(1),
    namespace: z.string().optional(),
    labels: labelMap.optional(),
    annotations: labelMap.optional(),
  }),
  spec: z.strictObject({
    selector: z.strictObject({
      matchLabels: labelMap.optional(),
      matchExpressions: z
        .array(z.strictObject({ key: z.string(), operator: z.enum(["In", "NotIn", "Exists", "DoesNotExist"]), values: z.array(z.string()).optional() }))
        .optional(),
    }),
    namespaceSelector: z.strictObject({ any: z.boolean().optional(), matchNames: z.array(z.string()).optional() }).optional(),
    podMetricsEndpoints: z.array(podMetricsEndpoint).min(1),
    jobLabel: z.string().optional(),
    podTargetLabels: z.array(z.string()).optional(),
    sampleLimit: z.number().int().nonnegative().optional(),
  }),
});

export type PodMonitor = z.infer<typeof podMonitorSchema>;
