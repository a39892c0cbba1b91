/**
 * `load.lora_traffic_split` as inference-perf 0.7.0 reads it (config/loadgen/config.py:157-159, 222-224, 256-260):
 * a list of `{name, split}` (`MultiLoRAConfig`, a strict model), and the splits must sum to exactly 1.0 — Python's
 * `sum()` left to right, compared with `!=`, so [0.1, 0.2, 0.7] (0.30000000000000004 + 0.7) passes and [0.7, 0.2, 0.1]
 * (0.9999999999999999) fails there as here. A negative split passes 0.7.0's config check and then raises in
 * `np.random.choice` ("probabilities are not non-negative") at the first request: refused here before anything is sent.
 */
import { z } from "zod";

export const loraAdapterSplitSchema = z.strictObject({
  name: z.string(),
  split: z.number(),
});

export type LoraAdapterSplit = z.infer<typeof loraAdapterSplitSchema>;

export const loraTrafficSplitSchema = z.array(loraAdapterSplitSchema).superRefine((split, ctx) => {
  // Left-to-right float sum from 0, as Python's sum(); JavaScript's + is the same IEEE-754 double addition.
  const total = split.reduce((acc, a) => acc + a.split, 0);
  if (total !== 1.0) {
    ctx.addIssue({ code: "custom", message: `MultiLoRA traffic split does not add up to 1.0 (the splits sum to ${total}; inference-perf compares the float sum exactly)` });
  }
  split.forEach((a, i) => {
    if (a.split < 0) ctx.addIssue({ code: "custom", path: [i, "split"], message: "must be ≥ 0 (inference-perf's np.random.choice raises at the first request on a negative probability)" });
  });
});
