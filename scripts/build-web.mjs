// The dashboard: its TypeScript compiled to ES modules the browser loads as they are, beside
// the page, the stylesheet and the icon. Usage: node scripts/build-web.mjs [outDir] (default dist/web).
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';

const require = createRequire(import.meta.url);
const root = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');
const out = resolve(process.argv[2] ?? resolve(root, 'dist/web'));
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', resolve(root, 'src/web/tsconfig.json'), '--outDir', resolve(out, 'app')], { stdio: 'inherit' });
for (const file of ['index.html', 'style.css', 'icon.svg']) cpSync(resolve(root, 'src/web', file), resolve(out, file));
