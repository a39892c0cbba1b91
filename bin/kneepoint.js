#!/usr/bin/env node
// The `kneepoint` bin: loads the TypeScript CLI in-process through tsx (no build step),
// so signals (Ctrl-C) reach the one process that handles them.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
