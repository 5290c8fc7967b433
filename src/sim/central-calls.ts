/**
 * How the simulated charger answers each action the central system initiates (OCPP 1.6 §5),
 * like a real AC charger would. Side effects that follow an answer (StartTransaction after a
 * RemoteStart, the FirmwareStatusNotification sequence, …) are scheduled with `after`, so the
 * CALLRESULT goes out first.
 */
import type { Logger } from '../log.js';
import { OcppCallError } from '../ocpp/errors.js';
import type { CentralAction16 } from '../ocpp/v16/actions.js';
import type { Requests16, Responses16, StopTransactionRequest } from '../ocpp/v16/types.js';
import type { Configuration } from './configuration.js';
import type { LocalAuthorization } from './local-auth.js';
import type { ChargerModel } from './model.js';
import type { ChargingProfile } from '../ocpp/v16/schedule.js';

type StopReason = NonNullable<StopTransactionRequest['reason']>;

/** What the handlers need from the charger around them. */
export interface ChargerCore {
  identity: string;
  model: ChargerModel;
  config: Configuration;
  auth: LocalAuthorization;
  logger: Logger;
  now(): number;
  /** Runs fn once the current answer has been sent (and only while the charger runs). */
  after(fn: () => unknown): void;
  sleep(ms: number): Promise<void>;
  /** Sends a CALL if booted; failures are logged, not thrown. */
  send(action: string, payload: unknown): Promise<unknown>;
  announce(): void;
  authorize(idTag: string): Promise<string>;
  startTransaction(connector: number, idTag: string): Promise<unknown>;
  stopTransaction(connector: number, reason: StopReason): Promise<unknown>;
  plugInDefaultCar(connector: number): void;
  installTxProfileOnStart(connector: number, profile: ChargingProfile): void;
  profileChanged(connectorId: number, profile: ChargingProfile | undefined, status: string): void;
  reboot(type: 'Hard' | 'Soft'): Promise<void>;
  boot(): Promise<void>;
  heartbeat(): Promise<void>;
  sendStatus(connector: number): Promise<void>;
  sendTriggeredMeterValues(connector: number): Promise<void>;
  configurationChanged(key: string): void;
  firmwareStepMs: number;
  firmwareStatus: Requests16['FirmwareStatusNotification']['status'];
  diagnosticsStatus: Requests16['DiagnosticsStatusNotification']['status'];
}

type Handlers = { [A in CentralAction16]: (core: ChargerCore, req: Requests16[A]) => Responses16[A] | Promise<Responses16[A]> };

function connectorOk(core: ChargerCore, id: number, allowZero: boolean): boolean {
  return (allowZero && id === 0) || core.model.exists(id);
}

function freeConnector(core: ChargerCore): number | undefined {
  for (let c = 1; c <= core.model.connectorCount; c++) {
    const refusal = core.model.startRefusal(c, '', core.now());
    if (refusal === undefined || refusal === 'NotPluggedIn') return c;
  }
  return undefined;
}

const handlers: Handlers = {
  // §5.11: Accepted when the connector can take a transaction; the driver "plugs in" at once.
  RemoteStartTransaction(core, req) {
    const connector = req.connectorId ?? freeConnector(core);
    if (connector === undefined || !core.model.exists(connector)) return { status: 'Rejected' };
    if (req.chargingProfile && req.chargingProfile.chargingProfilePurpose !== 'TxProfile') return { status: 'Rejected' };
    const refusal = core.model.startRefusal(connector, req.idTag, core.now());
    if (refusal !== undefined && refusal !== 'NotPluggedIn') return { status: 'Rejected' };
    core.after(async () => {
      if (core.config.bool('AuthorizeRemoteTxRequests')) {
        const status = await core.authorize(req.idTag);
        if (status !== 'Accepted') return core.logger.info({ connector, idTag: req.idTag, status }, 'remote start not authorized');
      }
      if (!core.model.connector(connector).car) core.plugInDefaultCar(connector);
      const started = core.startTransaction(connector, req.idTag);
      if (req.chargingProfile) core.installTxProfileOnStart(connector, req.chargingProfile);
      await started;
    });
    return { status: 'Accepted' };
  },

  // §5.12
  RemoteStopTransaction(core, req) {
    const connector = core.model.connectorOfTransaction(req.transactionId);
    if (connector === undefined) return { status: 'Rejected' };
    core.after(() => core.stopTransaction(connector, 'Remote'));
    return { status: 'Accepted' };
  },

  // §5.14: running transactions end with reason SoftReset / HardReset, then the charger reboots.
  Reset(core, req) {
    core.after(() => core.reboot(req.type));
    return { status: 'Accepted' };
  },

  // §5.2
  ChangeAvailability(core, req) {
    const status = core.model.changeAvailability(req.connectorId, req.type === 'Operative', core.now());
    core.after(() => core.announce());
    return { status };
  },

  // §5.18: unlocking ends the transaction (reason UnlockCommand).
  UnlockConnector(core, req) {
    if (!core.model.exists(req.connectorId)) return { status: 'NotSupported' };
    if (core.model.connector(req.connectorId).transaction) core.after(() => core.stopTransaction(req.connectorId, 'UnlockCommand'));
    return { status: 'Unlocked' };
  },

  GetConfiguration(core, req) {
    return core.config.read(req.key);
  },

  ChangeConfiguration(core, req) {
    const status = core.config.change(req.key, req.value);
    if (status === 'Accepted') core.after(() => core.configurationChanged(req.key));
    return { status };
  },

  // §5.17
  TriggerMessage(core, req) {
    const only = req.connectorId;
    if (only !== undefined && !connectorOk(core, only, true)) return { status: 'Rejected' };
    const all = (from: number): number[] => (only !== undefined ? [only] : Array.from({ length: core.model.connectorCount + 1 - from }, (_, i) => i + from));
    switch (req.requestedMessage) {
      case 'BootNotification':
        core.after(() => core.boot());
        break;
      case 'Heartbeat':
        core.after(() => core.heartbeat());
        break;
      case 'StatusNotification':
        core.after(async () => {
          for (const c of all(0)) await core.sendStatus(c);
        });
        break;
      case 'MeterValues':
        core.after(async () => {
          for (const c of all(1)) if (c > 0) await core.sendTriggeredMeterValues(c);
        });
        break;
      case 'FirmwareStatusNotification':
        core.after(() => core.send('FirmwareStatusNotification', { status: core.firmwareStatus }));
        break;
      case 'DiagnosticsStatusNotification':
        core.after(() => core.send('DiagnosticsStatusNotification', { status: core.diagnosticsStatus }));
        break;
      default:
        return { status: 'NotImplemented' };
    }
    return { status: 'Accepted' };
  },

  // §5.16, §3.13
  SetChargingProfile(core, req) {
    const result = core.model.setChargingProfile(req.connectorId, req.csChargingProfiles, core.now());
    if (result.status === 'Rejected') core.logger.info({ connectorId: req.connectorId, why: result.why }, 'charging profile rejected');
    core.profileChanged(req.connectorId, req.csChargingProfiles, result.status);
    core.after(() => core.announce());
    return { status: result.status };
  },

  // §5.5
  ClearChargingProfile(core, req) {
    const status = core.model.clearChargingProfile(req, core.now());
    core.profileChanged(req.connectorId ?? 0, undefined, status === 'Accepted' ? 'Cleared' : 'Unknown');
    core.after(() => core.announce());
    return { status };
  },

  // §5.7
  GetCompositeSchedule(core, req) {
    if (!connectorOk(core, req.connectorId, true)) return { status: 'Rejected' };
    const now = core.now();
    const chargingSchedule = core.model.compositeSchedule(req.connectorId, req.duration, req.chargingRateUnit ?? 'A', now);
    return { status: 'Accepted', connectorId: req.connectorId, scheduleStart: new Date(now).toISOString(), chargingSchedule };
  },

  // §5.19, §4.5: the FirmwareStatusNotification sequence of a successful update.
  UpdateFirmware(core, req) {
    core.after(async () => {
      const wait = Math.max(0, Date.parse(req.retrieveDate) - core.now());
      await core.sleep(Math.min(wait, 60_000));
      for (const status of ['Downloading', 'Downloaded', 'Installing', 'Installed'] as const) {
        core.firmwareStatus = status;
        await core.send('FirmwareStatusNotification', { status });
        if (status !== 'Installed') await core.sleep(core.firmwareStepMs);
      }
      core.firmwareStatus = 'Idle';
    });
    return {};
  },

  // Security whitepaper (ed. 3): the simulator has no certificate store and no firmware signing
  // certificate; it answers as a charger without those would, and uploads its log like its diagnostics.
  CertificateSigned: () => ({ status: 'Rejected' }),
  DeleteCertificate: () => ({ status: 'NotFound' }),
  GetInstalledCertificateIds: () => ({ status: 'NotFound' }),
  InstallCertificate: () => ({ status: 'Rejected' }),
  SignedUpdateFirmware: () => ({ status: 'Rejected' }),
  ExtendedTriggerMessage(core, req) {
    const { requestedMessage, connectorId } = req;
    if (requestedMessage === 'LogStatusNotification' || requestedMessage === 'SignChargePointCertificate') return { status: 'NotImplemented' };
    return handlers.TriggerMessage(core, { requestedMessage, ...(connectorId !== undefined ? { connectorId } : {}) });
  },
  GetLog(core, req) {
    const filename = `${req.logType === 'SecurityLog' ? 'security' : 'diagnostics'}-${core.identity}.log`;
    core.after(async () => {
      await core.send('LogStatusNotification', { status: 'Uploading', requestId: req.requestId });
      await core.sleep(core.firmwareStepMs);
      await core.send('LogStatusNotification', { status: 'Uploaded', requestId: req.requestId });
    });
    return { status: 'Accepted', filename };
  },

  // §5.9, §4.4
  GetDiagnostics(core, _req) {
    const fileName = `diagnostics-${core.identity}-${new Date(core.now()).toISOString().replace(/[:.]/g, '')}.log`;
    core.after(async () => {
      core.diagnosticsStatus = 'Uploading';
      await core.send('DiagnosticsStatusNotification', { status: 'Uploading' });
      await core.sleep(core.firmwareStepMs);
      core.diagnosticsStatus = 'Uploaded';
      await core.send('DiagnosticsStatusNotification', { status: 'Uploaded' });
      core.diagnosticsStatus = 'Idle';
    });
    return { fileName };
  },

  // §5.15
  SendLocalList(core, req) {
    if (!core.config.bool('LocalAuthListEnabled')) return { status: 'NotSupported' };
    return { status: core.auth.update(req, core.config.number('SendLocalListMaxLength')) };
  },

  // §5.10: -1 when the list is disabled.
  GetLocalListVersion(core) {
    return { listVersion: core.config.bool('LocalAuthListEnabled') ? core.auth.version : -1 };
  },

  // §5.4
  ClearCache(core) {
    core.auth.clearCache();
    return { status: 'Accepted' };
  },

  // §5.13
  ReserveNow(core, req) {
    const status = core.model.reserve(req.connectorId, { reservationId: req.reservationId, idTag: req.idTag, expiresAt: Date.parse(req.expiryDate) }, core.now());
    core.after(() => core.announce());
    return { status };
  },

  // §5.1
  CancelReservation(core, req) {
    const status = core.model.cancelReservation(req.reservationId, core.now());
    core.after(() => core.announce());
    return { status };
  },

  // §5.6: this charger has no vendor extensions.
  DataTransfer() {
    return { status: 'UnknownVendorId' };
  },
};

/** Answers one CALL from the central system (payloads arrive schema-validated). */
export function answerCentralCall(core: ChargerCore, action: string, payload: unknown): unknown {
  const handler = (handlers as Record<string, ((core: ChargerCore, req: unknown) => unknown) | undefined>)[action];
  if (!handler) throw new OcppCallError('NotImplemented', `${action} is not implemented by this charger`);
  return handler(core, payload);
}
