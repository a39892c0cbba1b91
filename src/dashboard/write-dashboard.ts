/**
 * Writes dashboards/vllm-serving-dashboard.json from the generator. Run after changing the metric table or the
 * panels: `npx tsx src/dashboard/write-dashboard.ts`.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { DASHBOARD_PATH, buildDashboard, renderDashboardJson } from "./build-dashboard.ts";

const target = fileURLToPath(new URL(`../../${DASHBOARD_PATH}`, import.meta.url));
mkdirSync(dirname(target), { recursive: true });
writeFileSync(target, renderDashboardJson(buildDashboard()));
console.log(`wrote ${DASHBOARD_PATH}`);
