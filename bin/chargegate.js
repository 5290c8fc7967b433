#!/usr/bin/env node
// Entry point of the `chargegate` command: runs the compiled gateway (npm run build).
import { existsSync } from 'node:fs';

const main = new URL('../dist/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('chargegate is not built yet: run `npm run build` (npm install and npm start do it for you).\n');
  process.exit(1);
}
// The simulator is what a newcomer runs first, and loading chargegate (the OCPP schemas) takes
// seconds on a small box: say at once what is happening, before that.
const [command, ...rest] = process.argv.slice(2);
if (command === 'sim' && !rest.includes('--help') && !rest.includes('-h')) process.stdout.write('chargegate sim: starting the simulator…\n');
await import(main.href);
