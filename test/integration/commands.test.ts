import t from 'tap';
import rpc from 'ocpp-rpc';
import { OcppCallError, OcppOfflineError, OcppTimeoutError } from '../../src/ocpp/errors.js';
import { CENTRAL_INITIATED_16, type CentralAction16 } from '../../src/ocpp/v16/actions.js';
import type { Requests16, Responses16 } from '../../src/ocpp/v16/types.js';
import { eventually, PASSWORDS, startGateway } from '../helpers/gateway.js';
import { rawCharger } from '../helpers/raw.js';
import { bootPayload, rpcCharger, type RpcClient } from '../helpers/rpc-charger.js';

/** A charger that boots first: chargegate sends it no command before that (OCPP 1.6 §4.2). */
async function bootedCharger(...args: Parameters<typeof rpcCharger>): Promise<RpcClient> {
  const cp = await rpcCharger(...args);
  await cp.call('BootNotification', bootPayload);
  return cp;
}

const { createRPCError } = rpc as unknown as { createRPCError: (type: string, message?: string, details?: object) => Error };
const WHEN = '2025-06-01T12:00:00.000Z';
const PROFILE: Requests16['SetChargingProfile']['csChargingProfiles'] = {
  chargingProfileId: 7,
  stackLevel: 1,
  chargingProfilePurpose: 'TxDefaultProfile',
  chargingProfileKind: 'Absolute',
  chargingSchedule: { chargingRateUnit: 'A', startSchedule: WHEN, chargingSchedulePeriod: [{ startPeriod: 0, limit: 6.3, numberPhases: 3 }], minChargingRate: 6 },
};

/** One request and the charger's answer for every central-system action (OCPP 1.6 §5). */
const EXCHANGES: { [A in CentralAction16]: [Requests16[A], Responses16[A]] } = {
  CancelReservation: [{ reservationId: 3 }, { status: 'Accepted' }],
  ChangeAvailability: [{ connectorId: 1, type: 'Inoperative' }, { status: 'Scheduled' }],
  ChangeConfiguration: [{ key: 'HeartbeatInterval', value: '60' }, { status: 'RebootRequired' }],
  ClearCache: [{}, { status: 'Accepted' }],
  ClearChargingProfile: [{ id: 7, connectorId: 1, chargingProfilePurpose: 'TxDefaultProfile', stackLevel: 1 }, { status: 'Unknown' }],
  DataTransfer: [{ vendorId: 'com.example', messageId: 'ping', data: '{"n":1}' }, { status: 'Accepted', data: 'pong' }],
  GetCompositeSchedule: [
    { connectorId: 1, duration: 3600, chargingRateUnit: 'A' },
    { status: 'Accepted', connectorId: 1, scheduleStart: WHEN, chargingSchedule: { chargingRateUnit: 'A', duration: 3600, chargingSchedulePeriod: [{ startPeriod: 0, limit: 6.3 }] } },
  ],
  GetConfiguration: [{ key: ['HeartbeatInterval', 'Nope'] }, { configurationKey: [{ key: 'HeartbeatInterval', readonly: false, value: '300' }], unknownKey: ['Nope'] }],
  GetDiagnostics: [{ location: 'ftp://diag.example.com/up', retries: 2, retryInterval: 30, startTime: WHEN, stopTime: WHEN }, { fileName: 'diag-CP1.zip' }],
  GetLocalListVersion: [{}, { listVersion: 12 }],
  RemoteStartTransaction: [{ idTag: 'TAG1', connectorId: 1, chargingProfile: { ...PROFILE, chargingProfilePurpose: 'TxProfile' } }, { status: 'Accepted' }],
  RemoteStopTransaction: [{ transactionId: 42 }, { status: 'Rejected' }],
  ReserveNow: [{ connectorId: 1, expiryDate: WHEN, idTag: 'TAG1', parentIdTag: 'GROUP', reservationId: 3 }, { status: 'Occupied' }],
  Reset: [{ type: 'Soft' }, { status: 'Accepted' }],
  SendLocalList: [
    { listVersion: 13, updateType: 'Differential', localAuthorizationList: [{ idTag: 'TAG9', idTagInfo: { status: 'Accepted', expiryDate: WHEN } }, { idTag: 'TAG8' }] },
    { status: 'VersionMismatch' },
  ],
  SetChargingProfile: [{ connectorId: 0, csChargingProfiles: PROFILE }, { status: 'Accepted' }],
  TriggerMessage: [{ requestedMessage: 'MeterValues', connectorId: 1 }, { status: 'NotImplemented' }],
  UnlockConnector: [{ connectorId: 1 }, { status: 'Unlocked' }],
  UpdateFirmware: [{ location: 'https://fw.example.com/v2.bin', retrieveDate: WHEN, retries: 1 }, {}],
  // The security whitepaper's (edition 3).
  CertificateSigned: [{ certificateChain: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n' }, { status: 'Rejected' }],
  DeleteCertificate: [{ certificateHashData: { hashAlgorithm: 'SHA256', issuerNameHash: 'aa', issuerKeyHash: 'bb', serialNumber: '01' } }, { status: 'NotFound' }],
  ExtendedTriggerMessage: [{ requestedMessage: 'SignChargePointCertificate' }, { status: 'Accepted' }],
  GetInstalledCertificateIds: [
    { certificateType: 'CentralSystemRootCertificate' },
    { status: 'Accepted', certificateHashData: [{ hashAlgorithm: 'SHA256', issuerNameHash: 'aa', issuerKeyHash: 'bb', serialNumber: '01' }] },
  ],
  GetLog: [{ logType: 'SecurityLog', requestId: 5, log: { remoteLocation: 'https://logs.example.com/up', oldestTimestamp: WHEN } }, { status: 'Accepted', filename: 'security.log' }],
  InstallCertificate: [{ certificateType: 'ManufacturerRootCertificate', certificate: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n' }, { status: 'Accepted' }],
  SignedUpdateFirmware: [
    { requestId: 9, retries: 1, firmware: { location: 'https://fw.example.com/v3.bin', retrieveDateTime: WHEN, signingCertificate: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n', signature: 'c2ln' } },
    { status: 'Accepted' },
  ],
};

t.test('each of the 26 commands (19 of 1.6, 7 of the security extension) reaches the charger and its typed answer comes back', async (t) => {
  const gw = await startGateway(t);
  const cp = await bootedCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
  const strictFailures: unknown[] = [];
  cp.on('strictValidationFailure', (f) => strictFailures.push(f));
  const received: [string, unknown][] = [];
  for (const action of CENTRAL_INITIATED_16) {
    cp.handle(action, ({ params }) => {
      received.push([action, params]);
      return EXCHANGES[action][1];
    });
  }
  t.equal(CENTRAL_INITIATED_16.length, 26);
  const commands = gw.app.gateway.commands;
  for (const action of CENTRAL_INITIATED_16) {
    const [request, response] = EXCHANGES[action];
    const call = commands[action] as (id: string, p: unknown) => Promise<unknown>;
    t.same(await call('CP1', request), response, `${action}: the charger's answer`);
    t.same(received.at(-1), [action, request], `${action}: the charger got the request as sent`);
  }
  t.same(await commands.send('CP1', 'Reset', { type: 'Hard' }), { status: 'Accepted' }, 'send() by name');
  t.same(received.at(-1), ['Reset', { type: 'Hard' }]);
  t.same(strictFailures, [], 'every request passed the charger\'s own (independent) schema check');
});

t.test('an invalid payload is refused before anything is sent', async (t) => {
  const gw = await startGateway(t);
  const cp = await bootedCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
  const inbound: string[] = [];
  cp.on('message', ({ message, outbound }: { message: string; outbound: boolean }) => !outbound && inbound.push(message));
  cp.handle('Reset', () => ({ status: 'Accepted' }));
  const attempts: [string, unknown, string][] = [
    ['Reset', { type: 'Sideways' }, 'PropertyConstraintViolation'],
    ['Reset', {}, 'OccurenceConstraintViolation'],
    ['Reset', { type: 'Soft', now: true }, 'FormationViolation'],
    ['UnlockConnector', { connectorId: '1' }, 'TypeConstraintViolation'],
    ['SetChargingProfile', { connectorId: 1, csChargingProfiles: { ...PROFILE, chargingSchedule: { ...PROFILE.chargingSchedule, chargingSchedulePeriod: [{ startPeriod: 0, limit: 6.35 }] } } }, 'PropertyConstraintViolation'],
  ];
  for (const [action, payload, code] of attempts) {
    const err = await gw.app.gateway.commands.send('CP1', action as 'Reset', payload as never).catch((e: unknown) => e);
    t.ok(err instanceof OcppCallError, `${action} ${JSON.stringify(payload).slice(0, 40)}: refused`);
    t.equal((err as OcppCallError).code, code);
  }
  // send() routes by name (MQTT, HTTP): a name from outside must still be a central-system action.
  const err = await gw.app.gateway.commands.send('CP1', 'BootNotification' as 'Reset', { chargePointVendor: 'V', chargePointModel: 'M' } as never).catch((e: unknown) => e);
  t.ok(err instanceof OcppCallError, 'a charger-initiated action is not a command');
  t.equal((err as OcppCallError).code, 'NotSupported');
  const unknown = await gw.app.gateway.commands.send('CP1', 'Teleport' as 'Reset', {} as never).catch((e: unknown) => e);
  t.equal((unknown as OcppCallError).code, 'NotImplemented', 'an unknown action');
  t.same(await gw.app.gateway.commands.Reset('CP1', { type: 'Soft' }), { status: 'Accepted' });
  t.equal(inbound.length, 1, 'the charger saw only the valid command');
  t.match(JSON.parse(inbound[0]!), [2, String, 'Reset', { type: 'Soft' }]);
});

t.test('a charger that is not connected: OcppOfflineError naming it', async (t) => {
  const gw = await startGateway(t);
  const never = await gw.app.gateway.commands.Reset('CP2', { type: 'Soft' }).catch((e: unknown) => e);
  t.ok(never instanceof OcppOfflineError);
  t.equal((never as Error).message, 'CP2 is offline: not connected');
  t.ok((await gw.app.gateway.commands.Reset('NOBODY', { type: 'Soft' }).catch((e: unknown) => e)) instanceof OcppOfflineError, 'an id never seen');

  const cp = await bootedCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
  cp.handle('Reset', () => ({ status: 'Accepted' }));
  t.same(await gw.app.gateway.commands.Reset('CP1', { type: 'Soft' }), { status: 'Accepted' });
  await cp.close();
  await eventually(() => gw.app.gateway.registry.get('CP1')?.online === false, 'CP1 to go offline');
  const gone = await gw.app.gateway.commands.Reset('CP1', { type: 'Soft' }).catch((e: unknown) => e);
  t.ok(gone instanceof OcppOfflineError, 'after it disconnected');
  t.match((gone as Error).message, /^CP1 is offline/);
});

t.test('a charger that disconnects while a command waits: OcppOfflineError, not a timeout', async (t) => {
  const gw = await startGateway(t);
  const cp = await bootedCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
  let asked!: () => void;
  const wasAsked = new Promise<void>((r) => (asked = r));
  cp.handle('Reset', () => {
    asked();
    return new Promise(() => undefined);
  });
  const pending = gw.app.gateway.commands.Reset('CP1', { type: 'Hard' }).catch((e: unknown) => e);
  await wasAsked;
  await cp.close({ force: true });
  const err = await pending;
  t.ok(err instanceof OcppOfflineError);
  t.match((err as Error).message, /^CP1 is offline: /);
});

t.test('a charger that never answers: OcppTimeoutError after ocpp.callTimeout, then the next command goes out', async (t) => {
  const gw = await startGateway(t, { patch: (c) => (c.ocpp.callTimeout = 1) });
  const cp = await bootedCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
  cp.handle('Reset', () => new Promise(() => undefined));
  cp.handle('ClearCache', () => ({ status: 'Accepted' }));
  const err = await gw.app.gateway.commands.Reset('CP1', { type: 'Soft' }).catch((e: unknown) => e);
  t.ok(err instanceof OcppTimeoutError);
  t.equal((err as Error).message, 'no answer to Reset within 1000 ms');
  t.same(await gw.app.gateway.commands.ClearCache('CP1', {}), { status: 'Accepted' }, 'the queue moved on');
});

t.test("the charger's CALLERROR: OcppCallError with its code (either spelling)", async (t) => {
  const gw = await startGateway(t);
  const cp = await bootedCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
  cp.handle('ReserveNow', () => {
    throw createRPCError('NotSupported', 'no reservations on this charger', { hint: 'upgrade' });
  });
  cp.handle('Reset', () => {
    throw createRPCError('FormatViolation', 'spelled the 2.0.1 way');
  });
  const err = await gw.app.gateway.commands.ReserveNow('CP1', { connectorId: 1, expiryDate: '2025-06-01T12:00:00Z', idTag: 'TAG1', reservationId: 1 }).catch((e: unknown) => e);
  t.ok(err instanceof OcppCallError);
  t.match(err, { code: 'NotSupported', description: 'no reservations on this charger' });
  const other = await gw.app.gateway.commands.Reset('CP1', { type: 'Soft' }).catch((e: unknown) => e);
  t.match(other, { code: 'FormationViolation', description: 'spelled the 2.0.1 way' }, '2.0.1 FormatViolation read as FormationViolation');
});

t.test('an answer that breaks the schema is refused as the charger\'s fault', async (t) => {
  const gw = await startGateway(t);
  const cp = await rawCharger(t, gw.url, 'CP1', { password: PASSWORDS.CP1 });
  await cp.call('boot', 'BootNotification', bootPayload);
  const pending = gw.app.gateway.commands.Reset('CP1', { type: 'Soft' }).catch((e: unknown) => e);
  const call = (await cp.next()) as unknown[];
  t.match(call, [2, String, 'Reset', { type: 'Soft' }]);
  cp.send([3, call[1], { status: 'Maybe' }]);
  const err = await pending;
  t.ok(err instanceof OcppCallError);
  t.match(err, { code: 'PropertyConstraintViolation', description: /status must be one of Accepted, Rejected/ });
});

t.test('one outbound CALL at a time, in order (OCPP-J 1.6 §4.1.1)', async (t) => {
  const gw = await startGateway(t);
  const cp = await bootedCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
  const log: string[] = [];
  cp.handle('ChangeConfiguration', async ({ params }) => {
    log.push(`arrived ${params.key}`);
    // All three commands were made before this one arrived. Before answering, a round trip on
    // the same socket: a second CALL sent while this one is open would be on the wire ahead of
    // chargegate's answer to this Heartbeat, so it would have arrived (and be logged) by now.
    await cp.call('Heartbeat', {});
    log.push(`answered ${params.key}`);
    return { status: params.key === 'B' ? 'Rejected' : 'Accepted' };
  });
  const answers = await Promise.all(['A', 'B', 'C'].map((key) => gw.app.gateway.commands.ChangeConfiguration('CP1', { key, value: '1' })));
  t.same(log, ['arrived A', 'answered A', 'arrived B', 'answered B', 'arrived C', 'answered C']);
  t.same(answers, [{ status: 'Accepted' }, { status: 'Rejected' }, { status: 'Accepted' }], 'each answer goes to its own command');
});

t.test('a failed command does not block the ones queued behind it', async (t) => {
  const gw = await startGateway(t);
  const cp = await bootedCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
  cp.handle('UnlockConnector', ({ params }) => {
    if (params.connectorId === 1) throw createRPCError('InternalError', 'stuck');
    return { status: 'Unlocked' };
  });
  const [first, second] = await Promise.all([
    gw.app.gateway.commands.UnlockConnector('CP1', { connectorId: 1 }).catch((e: unknown) => e),
    gw.app.gateway.commands.UnlockConnector('CP1', { connectorId: 2 }),
  ]);
  t.match(first, { code: 'InternalError' });
  t.same(second, { status: 'Unlocked' });
});
