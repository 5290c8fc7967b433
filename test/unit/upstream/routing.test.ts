/**
 * routing.ts is the one authority for where a message goes with a cloud upstream: the whole
 * table, every action × mode × link state (and for the cloud's commands, with and without a
 * load balancer), so a change to a route shows here as a changed row.
 */
import { readFileSync } from 'node:fs';
import t from 'tap';
import { CENTRAL_INITIATED_16, CHARGER_INITIATED_16, type CentralAction16, type ChargerAction16 } from '../../../src/ocpp/v16/actions.js';
import { isQueued, routeFromCharger, routeFromCloud, type ChargerRoute, type CloudRoute, type LinkState, type UpstreamMode } from '../../../src/upstream/routing.js';

type Row<R> = readonly [R, R, R, R];
const MODES = ['aggregate', 'transparent'] as const satisfies readonly UpstreamMode[];
const LINKS = ['online', 'offline'] as const satisfies readonly LinkState[];

/** Columns: aggregate online, aggregate offline, transparent online, transparent offline. */
const FROM_CHARGER: Record<ChargerAction16, Row<ChargerRoute>> = {
  // 1.6 §4.1: the cloud decides when it answers in time; else the offline rules (local list, cache).
  Authorize: ['ask-cloud', 'local', 'ask-cloud', 'local'],
  // Aggregate: chargegate is the one charge point and boots itself; transparent: a copy, never queued.
  BootNotification: ['local', 'local', 'local-and-mirror', 'local'],
  DataTransfer: ['relay', 'reject', 'relay', 'reject'],
  DiagnosticsStatusNotification: ['local', 'local', 'local-and-mirror', 'local'],
  FirmwareStatusNotification: ['local', 'local', 'local-and-mirror', 'local'],
  Heartbeat: ['local', 'local', 'local', 'local'],
  // 1.6 §3.7: transaction messages wait in the outbox, in order, whatever the link.
  MeterValues: ['local-and-queue', 'local-and-queue', 'local-and-queue', 'local-and-queue'],
  StartTransaction: ['local-and-queue', 'local-and-queue', 'local-and-queue', 'local-and-queue'],
  StatusNotification: ['local-and-queue-latest', 'local-and-queue-latest', 'local-and-queue-latest', 'local-and-queue-latest'],
  StopTransaction: ['local-and-queue', 'local-and-queue', 'local-and-queue', 'local-and-queue'],
  // Security whitepaper: statuses of a GetLog / SignedUpdateFirmware only the transparent cloud sends.
  LogStatusNotification: ['local', 'local', 'local-and-mirror', 'local'],
  SignedFirmwareStatusNotification: ['local', 'local', 'local-and-mirror', 'local'],
  // Use case A04: queued while offline; aggregate keeps a charger's events locally.
  SecurityEventNotification: ['local', 'local', 'local-and-queue', 'local-and-queue'],
  // The transparent cloud signs when online; else the local CA (or Rejected).
  SignCertificate: ['local', 'local', 'relay', 'local'],
};

/** A charger's connector 0 (the charger itself, its own meter): no connector of the aggregate site. */
const FROM_CHARGER_CONNECTOR_0: Partial<Record<ChargerAction16, Row<ChargerRoute>>> = {
  MeterValues: ['local', 'local', 'local-and-queue', 'local-and-queue'],
  StatusNotification: ['local', 'local', 'local-and-queue-latest', 'local-and-queue-latest'],
};

/** Columns: aggregate without a balancer, aggregate with one, transparent without, transparent with. */
const FROM_CLOUD: Record<CentralAction16, Row<CloudRoute>> = {
  CancelReservation: ['to-charger', 'to-charger', 'to-charger', 'to-charger'],
  ChangeAvailability: ['to-charger', 'to-charger', 'to-charger', 'to-charger'],
  // Aggregate: chargegate's own keys, and the chargers' behind <chargerId>/<key>.
  ChangeConfiguration: ['chargegate', 'chargegate', 'to-charger', 'to-charger'],
  ClearCache: ['chargegate', 'chargegate', 'chargegate', 'chargegate'],
  // 1.6 §3.13.4: with a balancer chargegate is the Local Controller and keeps the cloud's profiles.
  ClearChargingProfile: ['to-charger', 'local-controller', 'to-charger', 'local-controller'],
  // One site is not one firmware, one log or one vendor.
  DataTransfer: ['chargegate', 'chargegate', 'to-charger', 'to-charger'],
  GetCompositeSchedule: ['to-charger', 'local-controller', 'to-charger', 'local-controller'],
  GetConfiguration: ['chargegate', 'chargegate', 'to-charger', 'to-charger'],
  GetDiagnostics: ['chargegate', 'chargegate', 'to-charger', 'to-charger'],
  GetLocalListVersion: ['chargegate', 'chargegate', 'chargegate', 'chargegate'],
  RemoteStartTransaction: ['to-charger', 'to-charger', 'to-charger', 'to-charger'],
  RemoteStopTransaction: ['to-charger', 'to-charger', 'to-charger', 'to-charger'],
  ReserveNow: ['to-charger', 'to-charger', 'to-charger', 'to-charger'],
  Reset: ['chargegate', 'chargegate', 'to-charger', 'to-charger'],
  SendLocalList: ['chargegate', 'chargegate', 'chargegate', 'chargegate'],
  SetChargingProfile: ['to-charger', 'local-controller', 'to-charger', 'local-controller'],
  TriggerMessage: ['chargegate', 'chargegate', 'to-charger', 'to-charger'],
  UnlockConnector: ['to-charger', 'to-charger', 'to-charger', 'to-charger'],
  UpdateFirmware: ['chargegate', 'chargegate', 'to-charger', 'to-charger'],
  // Security whitepaper: a charger's certificates, logs and signed firmware are per charger.
  CertificateSigned: ['not-supported', 'not-supported', 'to-charger', 'to-charger'],
  DeleteCertificate: ['not-supported', 'not-supported', 'to-charger', 'to-charger'],
  GetInstalledCertificateIds: ['not-supported', 'not-supported', 'to-charger', 'to-charger'],
  GetLog: ['not-supported', 'not-supported', 'to-charger', 'to-charger'],
  InstallCertificate: ['not-supported', 'not-supported', 'to-charger', 'to-charger'],
  SignedUpdateFirmware: ['not-supported', 'not-supported', 'to-charger', 'to-charger'],
  // Like TriggerMessage: aggregate answers the common messages as chargegate itself.
  ExtendedTriggerMessage: ['chargegate', 'chargegate', 'to-charger', 'to-charger'],
};

t.test('from a charger: every action × mode × link state', async (t) => {
  t.same(Object.keys(FROM_CHARGER).sort(), [...CHARGER_INITIATED_16].sort(), 'every charger-initiated action has a row');
  for (const action of CHARGER_INITIATED_16) {
    const got = MODES.flatMap((mode) => LINKS.map((link) => routeFromCharger(action, mode, link)));
    t.same(got, FROM_CHARGER[action], action);
    // A connector other than 0 changes nothing.
    t.same(MODES.flatMap((mode) => LINKS.map((link) => routeFromCharger(action, mode, link, 1))), FROM_CHARGER[action], `${action}, connector 1`);
    const zero = FROM_CHARGER_CONNECTOR_0[action] ?? FROM_CHARGER[action];
    t.same(MODES.flatMap((mode) => LINKS.map((link) => routeFromCharger(action, mode, link, 0))), zero, `${action}, connector 0`);
  }
});

t.test('from the cloud: every action × mode × balancer', async (t) => {
  t.same(Object.keys(FROM_CLOUD).sort(), [...CENTRAL_INITIATED_16].sort(), 'every central-initiated action has a row');
  for (const action of CENTRAL_INITIATED_16) {
    const got = MODES.flatMap((mode) => [false, true].map((balancer) => routeFromCloud(action, mode, balancer)));
    t.same(got, FROM_CLOUD[action], action);
  }
  t.equal(routeFromCloud('NoSuchAction' as CentralAction16, 'aggregate', false), 'to-charger', 'an unknown action finds no handler there and is refused NotSupported');
});

t.test('chargers never wait on an absent cloud: offline, nothing is asked of it', async (t) => {
  for (const action of CHARGER_INITIATED_16) {
    for (const mode of MODES) {
      const route = routeFromCharger(action, mode, 'offline');
      t.not(route, 'ask-cloud', `${action} ${mode}`);
      t.not(route, 'relay', `${action} ${mode}`);
      t.not(route, 'local-and-mirror', `${action} ${mode}`);
    }
  }
});

t.test('the queued routes', async (t) => {
  const all: ChargerRoute[] = ['local', 'local-and-mirror', 'ask-cloud', 'local-and-queue', 'local-and-queue-latest', 'relay', 'reject'];
  t.same(all.filter(isQueued), ['local-and-queue', 'local-and-queue-latest']);
});

t.test('routing.ts is pure: no node: module, no clock', async (t) => {
  const source = readFileSync(new URL('../../../src/upstream/routing.ts', import.meta.url), 'utf8');
  t.notMatch(source, /from 'node:/);
  t.notMatch(source, /Date\.now|new Date|performance\.now|setTimeout/);
});
