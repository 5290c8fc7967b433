/**
 * Authorize, StartTransaction, MeterValues and StopTransaction (OCPP 1.6 §4.1, §4.8, §4.10,
 * §3.7). The session is committed to the store before the charger gets its answer, so what a
 * charger was told survives a power cut.
 */
import type { MeterValuesRequest, StartTransactionRequest, StopTransactionRequest } from '../../ocpp/v16/types.js';
import type { MeterSample } from '../../store/ports.js';
import { decideIdTag, type IdTagInfo } from '../authorize.js';
import { meterKey } from '../registry.js';
import type { Handler, HandlerContext } from './context.js';

export function idTagInfoFor(ctx: HandlerContext, idTag: string): IdTagInfo {
  const entry = ctx.store.auth.get(idTag);
  const parent = entry?.parentIdTag ? ctx.store.auth.get(entry.parentIdTag) : undefined;
  return decideIdTag(ctx.settings.authorizationMode, entry, parent, ctx.now());
}

export const authorize: Handler<'Authorize'> = (ctx, req) => {
  const idTagInfo = idTagInfoFor(ctx, req.idTag);
  ctx.logger.info({ idTag: req.idTag, status: idTagInfo.status }, 'authorize');
  return { idTagInfo };
};

export const startTransaction: Handler<'StartTransaction'> = (ctx, req) => {
  const idTagInfo = idTagInfoFor(ctx, req.idTag);
  // A transactionId is returned whatever the status: the charger ends a refused transaction
  // itself and still needs an id for its StopTransaction (1.6 §4.10).
  const { transactionId, replayed } = ctx.store.sessions.start({
    chargerId: ctx.chargerId,
    connectorId: req.connectorId,
    idTag: req.idTag,
    startedAt: req.timestamp,
    meterStart: req.meterStart,
    ...(req.reservationId !== undefined ? { reservationId: req.reservationId } : {}),
    authStatus: idTagInfo.status,
    receivedAt: ctx.now().toISOString(),
  });
  if (replayed) {
    ctx.logger.info({ transactionId, connectorId: req.connectorId }, 'replayed StartTransaction: same transaction id again');
  } else {
    closeSuperseded(ctx, req, transactionId);
    ctx.logger.info({ transactionId, connectorId: req.connectorId, idTag: req.idTag, status: idTagInfo.status }, 'session started');
    const session = ctx.store.sessions.get(transactionId);
    if (session) ctx.events.emit('session.started', session);
  }
  return { transactionId, idTagInfo };
};

/**
 * A connector runs one transaction at a time. A new Start on a connector whose session is still
 * open means the charger lost that session's Stop (a power cut, a reboot): close it at the new
 * start, with the new meterStart as its best-known meterStop, so it does not stay open forever.
 */
function closeSuperseded(ctx: HandlerContext, req: StartTransactionRequest, newId: number): void {
  const open = ctx.store.sessions.list({ chargerId: ctx.chargerId, state: 'active' });
  for (const old of open) {
    if (old.connectorId !== req.connectorId || old.transactionId === newId) continue;
    const outcome = ctx.store.sessions.stop({
      chargerId: ctx.chargerId,
      transactionId: old.transactionId,
      stoppedAt: req.timestamp,
      meterStop: Math.max(old.meterStart, req.meterStart),
      reason: 'Other',
      receivedAt: ctx.now().toISOString(),
    });
    ctx.logger.warn({ transactionId: old.transactionId, newTransactionId: newId, connectorId: req.connectorId }, 'session closed by a later StartTransaction on the same connector (its Stop was lost)');
    if (outcome.known) ctx.events.emit('session.ended', outcome.session);
  }
}

export const meterValues: Handler<'MeterValues'> = (ctx, req) => {
  // Kept either way, but filed under the transaction only when it is this charger's: a
  // confused charger must not add energy samples to another charger's session.
  let transactionId = req.transactionId;
  if (transactionId !== undefined && ctx.store.sessions.get(transactionId)?.chargerId !== ctx.chargerId) {
    ctx.logger.warn({ transactionId }, 'MeterValues name a transaction that is not this charger\'s: kept without it');
    transactionId = undefined;
  }
  const samples = toSamples(ctx.chargerId, req.connectorId, transactionId, req.meterValue);
  record(ctx, samples);
  ctx.events.emit('meter.values', {
    chargerId: ctx.chargerId,
    connectorId: req.connectorId,
    ...(transactionId !== undefined ? { transactionId } : {}),
    samples,
  });
  return {};
};

export const stopTransaction: Handler<'StopTransaction'> = (ctx, req) => {
  const receivedAt = ctx.now().toISOString();
  const outcome = ctx.store.sessions.stop({
    chargerId: ctx.chargerId,
    transactionId: req.transactionId,
    stoppedAt: req.timestamp,
    meterStop: req.meterStop,
    receivedAt,
    ...(req.reason ? { reason: req.reason } : {}),
    ...(req.idTag ? { idTag: req.idTag } : {}),
    ...(req.transactionData ? { transactionData: req.transactionData } : {}),
  });
  if (outcome.known) {
    const { session } = outcome;
    if (outcome.alreadyStopped) {
      // A resend (the charger missed our answer): its transactionData was recorded the first time.
      ctx.logger.info({ transactionId: req.transactionId }, 'StopTransaction for a session already closed (a resend): accepted');
    } else {
      if (req.transactionData) record(ctx, toSamples(ctx.chargerId, session.connectorId, req.transactionId, req.transactionData));
      ctx.logger.info({ transactionId: req.transactionId, energyWh: session.energyWh, reason: req.reason }, 'session ended');
      ctx.events.emit('session.ended', session);
    }
  } else {
    // Accepted and kept apart: a charger that gets a CALLERROR for a Stop may drop it for good.
    ctx.logger.warn({ transactionId: req.transactionId }, 'StopTransaction for a transaction this gateway never started: recorded');
  }
  return req.idTag ? { idTagInfo: idTagInfoFor(ctx, req.idTag) } : {};
};

/**
 * A schema-invalid StopTransaction is still taken when it names its transaction and meter
 * reading: refusing it could make the charger drop it for good (1.6 §3.7).
 */
export function stopIsSalvageable(payload: unknown): boolean {
  const p = payload as Partial<StopTransactionRequest> | null;
  return !!p && Number.isInteger(p.transactionId) && typeof p.meterStop === 'number' && typeof p.timestamp === 'string';
}

function record(ctx: HandlerContext, samples: MeterSample[]): void {
  if (samples.length === 0) return;
  ctx.store.meters.append(samples);
  const live = ctx.registry.ensure(ctx.chargerId);
  for (const s of samples) {
    const key = meterKey(s.connectorId, s.measurand, s.phase);
    const prev = live.latest.get(key);
    if (!prev || prev.timestamp <= s.timestamp) live.latest.set(key, s);
  }
}

type MeterValue = MeterValuesRequest['meterValue'][number];

/** Flattens OCPP meter values into samples, filling the 1.6 §7.43 defaults. */
export function toSamples(chargerId: string, connectorId: number, transactionId: number | undefined, values: MeterValue[]): MeterSample[] {
  const out: MeterSample[] = [];
  for (const mv of values) {
    for (const sv of mv.sampledValue) {
      out.push({
        chargerId,
        connectorId,
        ...(transactionId !== undefined ? { transactionId } : {}),
        timestamp: mv.timestamp,
        value: sv.value,
        measurand: sv.measurand ?? 'Energy.Active.Import.Register',
        unit: sv.unit ?? (sv.measurand === undefined ? 'Wh' : defaultUnit(sv.measurand)),
        context: sv.context ?? 'Sample.Periodic',
        ...(sv.phase ? { phase: sv.phase } : {}),
        ...(sv.location ? { location: sv.location } : {}),
        ...(sv.format ? { format: sv.format } : {}),
      });
    }
  }
  return out;
}

function defaultUnit(measurand: string): string | undefined {
  if (measurand.startsWith('Energy.Active')) return 'Wh';
  if (measurand.startsWith('Energy.Reactive')) return 'varh';
  if (measurand.startsWith('Power.Active') || measurand === 'Power.Offered') return 'W';
  if (measurand.startsWith('Power.Reactive')) return 'var';
  if (measurand.startsWith('Current')) return 'A';
  if (measurand === 'Voltage') return 'V';
  if (measurand === 'SoC') return 'Percent';
  return undefined;
}
