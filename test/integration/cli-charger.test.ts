/**
 * `chargegate charger <id> <command>`: the CLI against a real gateway and an independent strict
 * charger (ocpp-rpc) that records what it got. The HTTP and MQTT tests (charger-commands.test.ts)
 * cover every command; these prove the CLI's own part: the request it builds, where it finds the
 * gateway and the token, what it prints, its exit codes. A few run as a user runs them (a child
 * process); the rest call the same entry (src/cli/charger.ts) in this process, since each child
 * takes seconds to start on a busy box.
 */
import { writeFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { join } from 'node:path';
import t from 'tap';
import { chargerCommand } from '../../src/cli/charger.js';
import { chargegate } from '../helpers/cli.js';
import { PASSWORDS, startGateway } from '../helpers/gateway.js';
import { TOKENS } from '../helpers/http.js';
import { freePort } from '../helpers/process.js';
import { bootPayload, rpcCharger } from '../helpers/rpc-charger.js';

// Each case starts the CLI from source in a child process (transpiled on the fly): seconds each.
t.setTimeout(240_000);

/** The CLI's entry in this process, with its own streams and environment (as main.ts calls it). */
async function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const [stdout, stderr] = [new PassThrough(), new PassThrough()];
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await chargerCommand(args.slice(1), { stdout, stderr, env });
  return { code, stdout: out, stderr: err };
}

t.test('the CLI sends each command through the gateway, prints the answer and exits with what happened', async (t) => {
  const gw = await startGateway(t, { patch: (c) => (c.http = { port: 0, host: '127.0.0.1', token: TOKENS.full, readToken: TOKENS.read }) });
  const cp = await rpcCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
  await cp.call('BootNotification', bootPayload);
  const received: [string, unknown][] = [];
  const answer = (action: string, reply: unknown) => cp.handle(action, ({ params }) => (received.push([action, params]), reply));
  answer('GetConfiguration', { configurationKey: [{ key: 'HeartbeatInterval', readonly: false, value: '300' }, { key: 'NumberOfConnectors', readonly: true, value: '2' }], unknownKey: ['Nope'] });
  answer('ChangeConfiguration', { status: 'Accepted' });
  answer('TriggerMessage', { status: 'Rejected' });
  answer('Reset', { status: 'Accepted' });
  answer('SendLocalList', { status: 'VersionMismatch' });
  answer('DataTransfer', { status: 'Accepted', data: 'pong' });

  const dir = t.testdir({ 'token': `${TOKENS.full}\n`, 'read-token': TOKENS.read, 'list.json': JSON.stringify({ listVersion: 2, updateType: 'Full', localAuthorizationList: [{ idTag: 'TAG7' }] }) });
  const port = new URL(gw.httpUrl).port;
  // The installer's config: the CLI reads the API's port and token from it.
  writeFileSync(join(dir, 'site.yaml'), `ocpp:\n  port: 0\nchargers:\n  list:\n    - id: CP1\n      password: ${PASSWORDS.CP1}\n      maxCurrent: 16\nhttp:\n  port: ${port}\n  token: ${TOKENS.full}\nstorage:\n  dir: ./data\n`);
  const url = ['--url', gw.httpUrl];
  const withToken = { CHARGEGATE_TOKEN: TOKENS.full };
  const noToken = (r: { stdout: string; stderr: string }) => !r.stdout.includes(TOKENS.full) && !r.stderr.includes(TOKENS.full);

  // As a user runs them: a child process each.
  const [help, change, offline] = await Promise.all([
    chargegate(['charger', '--help']),
    chargegate(['charger', 'CP1', 'change-configuration', 'HeartbeatInterval', '120', ...url], withToken),
    chargegate(['charger', 'CP2', 'trigger', 'Heartbeat', ...url], withToken),
  ]);
  t.equal(offline.code, 3, 'a charger offline');
  t.match(offline.stderr, /CP2: charger is not connected .*\(charger_offline\)/);
  const [get, owned, trigger, viaConfig, reset, list, transfer] = await Promise.all([
    cli(['charger', 'CP1', 'get-configuration', 'HeartbeatInterval', 'NumberOfConnectors', 'Nope', '--json', '--token-file', join(dir, 'token'), ...url]),
    cli(['charger', 'CP1', 'change-configuration', 'AuthorizationKey', '00112233445566778899', ...url], withToken),
    cli(['charger', 'CP1', 'trigger', 'StatusNotification', '--connector', '1', ...url], withToken),
    cli(['charger', 'CP1', 'get-configuration', '--config', join(dir, 'site.yaml')]),
    cli(['charger', 'CP1', 'reset', 'hard', ...url], withToken),
    cli(['charger', 'CP1', 'send-local-list', join(dir, 'list.json'), ...url], withToken),
    cli(['charger', 'CP1', 'ocpp', 'DataTransfer', '{"vendorId":"com.example","data":"ping"}', ...url], withToken),
  ]);

  t.equal(help.code, 0);
  for (const name of ['get-configuration', 'change-configuration', 'trigger', 'clear-cache', 'data-transfer', 'reset', 'start', 'stop', 'unlock', 'available', 'reserve', 'cancel-reservation', 'local-list-version', 'send-local-list', 'firmware', 'diagnostics', 'composite-schedule', 'set-charging-profile', 'clear-charging-profile', 'ocpp']) {
    t.match(help.stdout, `\n  ${name} `, `--help lists ${name}`);
  }

  t.equal(change.code, 0, change.stderr);
  t.equal(change.stdout, 'CP1 ChangeConfiguration: Accepted (the charger answered)\n');
  t.equal(get.code, 0, get.stderr);
  t.same(JSON.parse(get.stdout), { action: 'GetConfiguration', answer: { configurationKey: [{ key: 'HeartbeatInterval', readonly: false, value: '300' }, { key: 'NumberOfConnectors', readonly: true, value: '2' }], unknownKey: ['Nope'] }, answeredBy: 'charger' }, '--json: the API\'s answer');
  t.equal(owned.code, 1, 'chargegate refused for the charger');
  t.match(owned.stdout, /CP1 ChangeConfiguration: Rejected \(chargegate answered for the charger\)\n  reason: .*chargers\.list\[\]\.password/);
  t.equal(trigger.code, 1, 'the charger refused');
  t.equal(trigger.stdout, 'CP1 TriggerMessage: Rejected (the charger answered)\n');
  t.equal(viaConfig.code, 0, `the address and token from the config: ${viaConfig.stderr}`);
  t.match(viaConfig.stdout, 'CP1 GetConfiguration: answered (the charger answered)\n  HeartbeatInterval = 300\n  NumberOfConnectors = 2  (read-only)\n  unknown: Nope\n');
  t.equal(reset.code, 0, reset.stderr);
  t.match(reset.stdout, /^CP1: accepted: /);
  t.equal(list.code, 1, 'VersionMismatch is a refusal');
  t.match(list.stdout, 'SendLocalList: VersionMismatch');
  t.equal(transfer.code, 0);
  t.match(transfer.stdout, 'CP1 DataTransfer: Accepted (the charger answered)\n  data: pong\n');
  for (const r of [change, get, owned, trigger, viaConfig, reset, list, transfer]) t.ok(noToken(r), 'the token is never printed');

  const sent = new Map(received.map(([a, p]) => [JSON.stringify([a, p]), true]));
  for (const expected of [
    ['ChangeConfiguration', { key: 'HeartbeatInterval', value: '120' }],
    ['GetConfiguration', { key: ['HeartbeatInterval', 'NumberOfConnectors', 'Nope'] }],
    ['GetConfiguration', {}],
    ['TriggerMessage', { requestedMessage: 'StatusNotification', connectorId: 1 }],
    ['Reset', { type: 'Hard' }],
    ['SendLocalList', { listVersion: 2, updateType: 'Full', localAuthorizationList: [{ idTag: 'TAG7' }] }],
    ['DataTransfer', { vendorId: 'com.example', data: 'ping' }],
  ]) {
    t.ok(sent.has(JSON.stringify(expected)), `the charger got ${JSON.stringify(expected)}`);
  }
  t.equal(received.length, 7, 'and nothing else (not the AuthorizationKey)');

  const closed = await freePort();
  const [invalid, readOnly, noGateway, tokenFlag, unknown, badUsage] = await Promise.all([
    cli(['charger', 'CP1', 'trigger', 'Bogus', ...url], withToken),
    cli(['charger', 'CP1', 'clear-cache', '--token-file', join(dir, 'read-token'), ...url]),
    cli(['charger', 'CP1', 'clear-cache', '--url', `http://127.0.0.1:${closed}`], withToken),
    cli(['charger', 'CP1', 'clear-cache', '--token', TOKENS.full, ...url]),
    cli(['charger', 'NOPE', 'clear-cache', ...url], withToken),
    cli(['charger', 'CP1', 'available', '1', 'maybe', ...url], withToken),
  ]);
  t.equal(invalid.code, 2, 'the API refused the input');
  t.match(invalid.stderr, /"message" must be one of BootNotification/);
  t.equal(readOnly.code, 2, 'the read token');
  t.match(readOnly.stderr, /\(forbidden\)/);
  t.equal(noGateway.code, 3, 'no gateway there');
  t.match(noGateway.stderr, /cannot be reached .*is it running\?/);
  t.equal(tokenFlag.code, 2, 'no token on the command line');
  t.match(tokenFlag.stderr, /CHARGEGATE_TOKEN or use --token-file/);
  t.notMatch(tokenFlag.stderr, TOKENS.full);
  t.equal(unknown.code, 2);
  t.match(unknown.stderr, /unknown charger "NOPE" \(unknown_charger\)/);
  t.equal(badUsage.code, 2);
  t.match(badUsage.stderr, /say on or off/);
  t.equal(received.length, 7, 'none of these reached the charger');
});
