#!/usr/bin/env node
// vmbackup's executable. The TypeScript in src/ is compiled to dist/ by `npm run build`, which
// `npm ci` runs through the "prepare" script; this file only starts the compiled CLI.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('vmbackup: dist/ is missing; run `npm ci` (or `npm run build`) in the vmbackup folder first\n');
  process.exit(70);
}
const { main } = await import(entry.href);
await main();
