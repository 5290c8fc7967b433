#!/usr/bin/env node
// Entry point of the `chargegate` command: runs the compiled gateway (npm run build).
import { existsSync } from 'node:fs';

const main = new URL('../dist/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('chargegate is not built yet: run `npm run build` (npm install and npm start do it for you).\n');
  process.exit(1);
}
await import(main.href);
