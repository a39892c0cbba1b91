/**
 * inference-perf's `Distribution` (research/inference-perf.md §1.2.1): token lengths drawn from a
 * distribution, clipped to [min, max] and rounded. v0.2.0 knew only min, max, mean, std_dev and
 * total_count (always normal); main added type, variance and skew. Defaults are inference-perf's.
 *
 * `variance` and `std_dev` are exclusive. inference-perf rejects `variance` unless `std_dev: 0` is also
 * written (its std_dev default is 200); here std_dev is "unset" when the file does not give it, so
 * `variance` alone works, and a config inference-perf accepts (std_dev 0 + variance) is accepted too.
 */
import { z } from "zod";

export const DISTRIBUTION_TYPES = ["normal", "skew_normal", "lognormal", "uniform", "poisson", "fixed"] as const;
export const DEFAULT_STD_DEV = 200;

export const distributionSchema = z
  .strictObject({
    min: z.number().int().default(10),
    max: z.number().int().default(1024),
    mean: z.number().default(512),
    std_dev: z.number().min(0, { message: "std_dev cannot be negative" }).optional(),
    /**
     * Not used for sampling. Any integer is accepted, as both releases do: inference-perf's main.py raises it to
     * the largest stage's request count + 1 for random/synthetic (effective-config-yaml.ts writes that value).
     */
    total_count: z.number().int().nullable().default(null),
    type: z.enum(DISTRIBUTION_TYPES).default("normal"),
    variance: z.number().min(0, { message: "variance cannot be negative" }).nullable().default(null),
    /** Shape of skew_normal (Azzalini's alpha); 0 makes it a normal. */
    skew: z.number().default(0),
  })
  .superRefine((d, ctx) => {
    if (d.min > d.max) ctx.addIssue({ code: "custom", path: ["min"], message: `min (${d.min}) cannot be greater than max (${d.max})` });
    if (d.variance !== null && d.std_dev !== undefined && d.std_dev > 0 && Math.abs(d.std_dev - Math.sqrt(d.variance)) > 1e-9) {
      ctx.addIssue({ code: "custom", path: ["variance"], message: "specify either std_dev or variance, not both" });
    }
    // A normal mean outside [min, max] and a lognormal mean ≤ 0 pass both releases' schemas; the samples are
    // clipped to [min, max] (sample-length.ts). Where the releases' generators refuse them at start (random and
    // synthetic input/output lengths), scenario-config-schema.ts refuses them too.
  })
  .transform((d) => ({
    ...d,
    std_dev: d.variance !== null ? Math.sqrt(d.variance) : (d.std_dev ?? DEFAULT_STD_DEV),
  }));

export type Distribution = z.infer<typeof distributionSchema>;
export type DistributionInput = z.input<typeof distributionSchema>;
