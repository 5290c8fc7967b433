/**
 * The manual's examples are run, so that what a user copies works (issue 18: a documented curl
 * got 415); the example configs are checked in docs-configs.test.ts. Every shell block in README.md and docs/*.md that calls the API (`curl`) or the CLI
 * (`chargegate charger`) carries a marker on the line above its fence:
 *
 *   <!-- example: run -->                  run here, against a running gateway
 *   <!-- example: not run (why) -->        not run, and why
 *
 * A run block is run by bash as written, with only the gateway's address (`http://gw:8080`,
 * `http://gateway:8080`) and the token file replaced; every HTTP answer must be 2xx (or 409, a
 * command the charger's state refuses, e.g. a stop with no session), and every CLI exit 0.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { runToEnd } from '../helpers/cli.js';
import { PASSWORDS, startGateway } from '../helpers/gateway.js';
import { TOKENS } from '../helpers/http.js';
import { boot201, bootPayload, rpcCharger, rpcCharger201, type RpcClient } from '../helpers/rpc-charger.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
t.setTimeout(240_000);

const bash = (script: string, cwd: string, env: Record<string, string>) => runToEnd('bash', ['-c', script], cwd, env);

interface Block {
  file: string;
  line: number;
  marker: string | undefined;
  code: string;
}

function shellBlocks(): Block[] {
  const files = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
  const blocks: Block[] = [];
  for (const file of files) {
    const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
    for (let i = 0; i < lines.length; i++) {
      if (lines[i] !== '```sh') continue;
      const end = lines.indexOf('```', i + 1);
      const marker = /^<!-- example: (.*) -->$/.exec(lines[i - 1] ?? '')?.[1];
      blocks.push({ file, line: i + 1, marker, code: lines.slice(i + 1, end).join('\n') });
      i = end;
    }
  }
  return blocks;
}

const callsApiOrCli = (b: Block) => /(^|\s)curl\s|chargegate charger /.test(b.code);

t.test('every shell example that calls the API or the CLI is marked run or not run (with why)', async (t) => {
  const blocks = shellBlocks().filter(callsApiOrCli);
  t.ok(blocks.length >= 8, `found ${blocks.length} blocks`);
  for (const b of blocks) t.match(b.marker ?? '', /^(run|not run \(.+\))$/, `${b.file}:${b.line} is marked`);
});

/** A charger that answers every command Accepted (or with the data the action needs). */
function answerEverything(client: RpcClient, answers: Record<string, unknown>): void {
  (client as unknown as { handle(h: (ctx: { method: string }) => unknown): void }).handle(({ method }) => answers[method] ?? { status: 'Accepted' });
}

t.test('the run examples work against a running gateway', async (t) => {
  const gw = await startGateway(t, {
    patch: (c) => {
      c.chargers.list.push({ id: 'garage-left', password: 'garage-left-secret', maxCurrent: 16 }, { id: 'livo-1', password: 'livo-1-secret-01', maxCurrent: 16 });
      c.authorization.list.push({ idTag: '04A2B3C4' });
      c.site = { supply: { maxCurrent: 63 } };
      c.http = { port: 0, token: TOKENS.full };
    },
  });
  const now = () => new Date().toISOString();
  const answers16 = {
    GetConfiguration: { configurationKey: [{ key: 'HeartbeatInterval', readonly: false, value: '300' }] },
    GetCompositeSchedule: { status: 'Accepted', connectorId: 0, scheduleStart: now(), chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }] } },
    GetLog: { status: 'Accepted', filename: 'security.log' },
  };
  for (const [id, password] of [['garage-left', 'garage-left-secret'], ['CP1', PASSWORDS.CP1]] as const) {
    const cp = await rpcCharger(t, gw.url, id, password, { strictMode: false });
    answerEverything(cp, answers16);
    await cp.call('BootNotification', bootPayload);
    await cp.call('StatusNotification', { connectorId: 1, status: 'Available', errorCode: 'NoError', timestamp: now() });
  }
  const livo = await rpcCharger201(t, gw.url, 'livo-1', 'livo-1-secret-01', { strictMode: false });
  answerEverything(livo, {
    GetVariables: { getVariableResult: [{ attributeStatus: 'Accepted', attributeValue: '60', component: { name: 'SampledDataCtrlr' }, variable: { name: 'TxUpdatedInterval' } }] },
  });
  await livo.call('BootNotification', boot201);

  // The user's working folder (not t.testdir(), which is the gateway's and a second call resets).
  const dir = mkdtempSync(join(tmpdir(), 'chargegate-docs-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'fw-2.0.bin'), 'firmware image\n');
  writeFileSync(join(dir, 'token'), TOKENS.full + '\n');
  writeFileSync(join(dir, 'cli.yaml'), `ocpp:\n  port: 0\nhttp:\n  port: ${new URL(gw.httpUrl).port}\n  token: ${TOKENS.full}\n`);
  const prelude = [
    'set -e',
    // The status of each answer on stderr, where the test reads it; the body stays on stdout.
    `curl() { command curl -sS -w '%{stderr}HTTP %{http_code}\\n' "$@"; }`,
    // The CLI from source, as test/helpers/cli.ts runs it (the loader found from the repository).
    `chargegate() { node --import ${JSON.stringify(import.meta.resolve('@tapjs/typescript/import'))} ${JSON.stringify(join(ROOT, 'src/main.ts'))} "$@"; }`,
  ].join('\n');
  const blocks = shellBlocks().filter((b) => b.marker === 'run');
  for (const block of blocks) {
    const script = block.code
      .replaceAll('http://gw:8080', gw.httpUrl)
      .replaceAll('http://gateway:8080', gw.httpUrl)
      .replaceAll('/etc/chargegate/token', join(dir, 'token'))
      .split('\n')
      .filter((l) => !/^TOKEN=/.test(l))
      .join('\n');
    const run = await bash(`${prelude}\n${script}\n`, dir, { TOKEN: TOKENS.full, CHARGEGATE_CONFIG: join(dir, 'cli.yaml') });
    const where = `${block.file}:${block.line}`;
    t.equal(run.code, 0, `${where}: the block exits 0\n${run.stdout}\n${run.stderr}`);
    const statuses = [...run.stderr.matchAll(/^HTTP (\d+)$/gm)].map(([, s]) => Number(s));
    const curls = (block.code.match(/(^|\s)curl\s/gm) ?? []).length;
    t.equal(statuses.length, curls, `${where}: every curl was answered`);
    t.strictSame(
      statuses.filter((s) => !(s >= 200 && s < 300) && s !== 409),
      [],
      `${where}: no request refused as malformed, unauthorized or failed\n${run.stdout}`,
    );
    t.notMatch(run.stdout, /unsupported_media_type|bad_body|bad_json|unauthorized/, `${where}: no request error`);
  }
  t.ok(blocks.length >= 7, `ran ${blocks.length} blocks`);
});
