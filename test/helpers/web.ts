/** Builds the dashboard once per test file, and opens it in Debian's headless Chromium. */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import type { Test } from 'tap';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export function buildDashboard(t: Test): string {
  const out = join(t.testdir(), 'web');
  execFileSync(process.execPath, [join(ROOT, 'scripts/build-web.mjs'), out], { stdio: 'inherit' });
  return out;
}

export async function launchBrowser(t: Test): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  t.teardown(() => browser.close());
  return browser;
}

export const ARTIFACTS = join(ROOT, 'artifacts');
