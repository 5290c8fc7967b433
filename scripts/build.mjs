// tsc, then the data files the compiled code reads at run time (the OCPP JSON schemas).
import { cpSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
rmSync('dist', { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
cpSync('src/ocpp/schemas', 'dist/ocpp/schemas', { recursive: true });
// The web dashboard (browser code, its own tsconfig): dist/web, served at / by the HTTP API.
execFileSync(process.execPath, ['scripts/build-web.mjs'], { stdio: 'inherit' });
