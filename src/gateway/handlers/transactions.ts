/**
 * Authorize, StartTransaction, MeterValues and StopTransaction (OCPP 1.6 §4.1, §4.8, §4.10,
 * §3.7). The session is committed to the store before the charger gets its answer, so what a
 * charger was told survives a power cut.
 */
import type { MeterValuesRequest, StartTransactionRequest, StartTransactionResponse, StopTransactionRequest } from '../../ocpp/v16/types.js';
import type { MeterSample, SessionPlace, SessionRecord } from '../../store/ports.js';
import type { GatewayEvents } from '../../events.js';
import { decideIdTag, decideOffline, type IdTagInfo } from '../authorize.js';
import { listEntry } from '../local-lists.js';
import { meterKey } from '../registry.js';
import { FLOW_MEASURANDS, inSession } from '../live-flows.js';
import { beginStart } from '../start-handshake.js';
import { onlyNew } from './resent-samples.js';
import type { PendingStart } from '../upstream-port.js';
import type { Handler, HandlerContext } from './context.js';

/** The idTagInfo chargegate decides itself: the local list, and with a cloud upstream its cache. */
export function idTagInfoFor(ctx: HandlerContext, idTag: string): IdTagInfo {
  // The config's list and the cloud's of this charger's channel (local-lists.ts).
  const channel = ctx.upstream?.listChannel(ctx.chargerId);
  const entry = listEntry(ctx.store.auth, channel, idTag);
  const parent = entry?.parentIdTag ? listEntry(ctx.store.auth, channel, entry.parentIdTag) : undefined;
  const mode = ctx.settings.authorizationMode;
  if (!ctx.upstream) return decideIdTag(mode, entry, parent, ctx.now());
  return decideOffline(mode, entry, parent, ctx.upstream.cachedIdTag(idTag), ctx.upstream.unknownIdTagOffline, ctx.now());
}

/** With a cloud upstream the cloud decides when it answers in time (1.6 §4.1); else the offline rules. */
export const authorize: Handler<'Authorize'> = async (ctx, req) => {
  const cloud = ctx.upstream ? await ctx.upstream.authorize(ctx.chargerId, req.idTag) : null;
  const idTagInfo = cloud ?? idTagInfoFor(ctx, req.idTag);
  ctx.logger.info({ idTag: req.idTag, status: idTagInfo.status, decidedBy: cloud ? 'cloud' : 'chargegate' }, 'authorize');
  return { idTagInfo };
};

export const startTransaction: Handler<'StartTransaction'> = async (ctx, req) => {
  const local = idTagInfoFor(ctx, req.idTag);
  // A transactionId is returned whatever the status: the charger ends a refused transaction
  // itself and still needs an id for its StopTransaction (1.6 §4.10). The session and the
  // message bound for the cloud commit together, before the answer.
  let fresh: SessionRecord | undefined;
  const writing = ctx.store.durably(() => {
    const { transactionId, replayed } = ctx.store.sessions.start({
      chargerId: ctx.chargerId,
      connectorId: req.connectorId,
      idTag: req.idTag,
      startedAt: req.timestamp,
      meterStart: req.meterStart,
      ...(req.reservationId !== undefined ? { reservationId: req.reservationId } : {}),
      // Started without authorization (2.0.1, no idToken): nobody was asked or told a verdict on "".
      authStatus: ctx.idTokenType === 'NoAuthorization' ? 'NoAuthorization' : local.status,
      receivedAt: ctx.now().toISOString(),
      ...(ctx.transactionReference !== undefined ? { reference: ctx.transactionReference } : {}),
      ...(ctx.idTokenType !== undefined ? { idTokenType: ctx.idTokenType } : {}),
    });
    if (replayed) return { transactionId, replayed, superseded: [] as SessionRecord[] };
    const superseded = markSuperseded(ctx, req, transactionId);
    const session = ctx.store.sessions.get(transactionId)!;
    const pending: PendingStart | undefined = ctx.upstream?.transactionStarted(session);
    fresh = session;
    return { transactionId, replayed, superseded, session, pending };
  });
  if (!fresh) return answerReplay(ctx, req, local, await writing);
  // Told now, while the write reaches the disk (start-handshake.ts): the balancer makes room
  // for the car; the car's own limit waits for the answer, which names its transactionId.
  const handshake = beginStart(ctx.events, fresh);
  try {
    const written = await writing;
    for (const old of written.superseded) ctx.events.emit('session.superseded', { session: old, by: fresh });
    const idTagInfo = await cloudVerdict(ctx, written, local);
    ctx.logger.info({ transactionId: handshake.transactionId, connectorId: req.connectorId, idTag: req.idTag, status: idTagInfo.status, decidedBy: idTagInfo === local ? 'chargegate' : 'cloud' }, 'session started');
    return handshake.answer(ctx.store.sessions.get(handshake.transactionId) ?? fresh, idTagInfo);
  } catch (error) {
    // Not answered: listeners take it back (a resent StartTransaction is then a replay).
    handshake.fail();
    throw error;
  }
};

interface StartWritten {
  transactionId: number;
  replayed: boolean;
  superseded: SessionRecord[];
  pending?: PendingStart | undefined;
}

/** The same transaction again (1.6 §3.7: a charger resends what it was not answered): the same id, nothing announced. */
function answerReplay(ctx: HandlerContext, req: StartTransactionRequest, local: IdTagInfo, written: StartWritten): StartTransactionResponse {
  const { transactionId } = written;
  ctx.logger.info({ transactionId, connectorId: req.connectorId }, 'replayed StartTransaction: same transaction id again');
  return { transactionId, idTagInfo: local };
}

/** After the StartTransaction is on disk: the cloud's word on the idTag when it answers in time (1.6 §4.1), kept with the session. */
async function cloudVerdict(ctx: HandlerContext, written: StartWritten, local: IdTagInfo): Promise<IdTagInfo> {
  const cloud = await written.pending?.cloudIdTagInfo();
  if (!cloud) return local;
  if (cloud.status !== local.status) await ctx.store.durably(() => ctx.store.sessions.setAuthStatus(written.transactionId, cloud.status));
  return cloud;
}

/**
 * A connector runs one transaction at a time (1.6 §3.6). A new Start on a connector whose
 * session is still open means that session's Stop was lost or is still queued in the charger
 * (1.6 §3.7): it is not closed by guessing here but marked superseded, and waits for its own
 * Stop for `ocpp.orphanGrace` (gateway/orphan-watch.ts closes it by estimate after that).
 * Runs inside the Start's durable write; returns the sessions it marked.
 */
function markSuperseded(ctx: HandlerContext, req: StartTransactionRequest, newId: number): SessionRecord[] {
  const marked: SessionRecord[] = [];
  const open = ctx.store.sessions.list({ chargerId: ctx.chargerId, state: 'active' });
  for (const old of open) {
    if (old.connectorId !== req.connectorId || old.transactionId === newId) continue;
    ctx.store.sessions.supersede(old.transactionId, newId, ctx.now().toISOString());
    ctx.logger.warn({ transactionId: old.transactionId, newTransactionId: newId, connectorId: req.connectorId }, 'a later StartTransaction on the same connector: the session waits for its own StopTransaction');
    marked.push(ctx.store.sessions.get(old.transactionId)!);
  }
  return marked;
}

export const meterValues: Handler<'MeterValues'> = async (ctx, req) => {
  // Everything this reads of the store is read inside the durable write, in the group commit's
  // open transaction: a read outside one starts its own read transaction on the WAL, which cost
  // more than the read (some 7 µs per statement, docs/performance.md).
  const { transactionId, all, fresh, live } = await ctx.store.durably(() => {
    // Kept either way, but filed under the transaction only when it is this charger's: a
    // confused charger must not add energy samples to another charger's session.
    let transactionId = req.transactionId;
    const named = transactionId !== undefined ? ctx.store.sessions.placeOf(transactionId) : undefined;
    if (transactionId !== undefined && named?.chargerId !== ctx.chargerId) {
      ctx.logger.warn({ transactionId }, 'MeterValues name a transaction that is not this charger\'s: kept without it');
      transactionId = undefined;
    }
    const all = toSamples(ctx.chargerId, req.connectorId, transactionId, req.meterValue);
    // A resend (its answer was lost to a crash) is stored once and queued for the cloud once.
    const fresh = ctx.store.meters.append(all);
    const meterValue = onlyNew(req.meterValue, fresh);
    if (meterValue.length > 0) ctx.upstream?.meterValues(ctx.chargerId, meterValue === req.meterValue ? req : { ...req, meterValue }, transactionId);
    ctx.writeAlongside?.();
    // A late reading of an ended session, or one while idle, sets the register only (issue #18).
    const live = inSession(runningOn(ctx, req.connectorId, transactionId, named), transactionId);
    return { transactionId, all, fresh, live };
  });
  const samples = fresh.includes(false) ? all.filter((_, i) => fresh[i]) : all;
  if (samples.length < all.length) ctx.logger.info({ transactionId, resent: all.length - samples.length, of: all.length }, 'MeterValues already stored (a resend): kept once');
  if (samples.length === 0) return {};
  remember(ctx, live ? samples : samples.filter((s) => !FLOW_MEASURANDS.includes(s.measurand)));
  // Built field by field: a spread of `cond ? {…} : {}` is an object thrown away per message.
  const event: GatewayEvents['meter.values'] = { chargerId: ctx.chargerId, connectorId: req.connectorId, samples };
  if (transactionId !== undefined) event.transactionId = transactionId;
  if (!live) event.outsideSession = true;
  ctx.events.emit('meter.values', event);
  return {};
};

/** The session running on a connector: the one the message names when it runs there, else any. */
function runningOn(ctx: HandlerContext, connectorId: number, named: number | undefined, place: SessionPlace | undefined): { transactionId: number } | undefined {
  if (connectorId === 0) return undefined;
  if (named !== undefined && place?.active && place.connectorId === connectorId) return { transactionId: named };
  const running = ctx.store.sessions.runningOn(ctx.chargerId, connectorId);
  return running === undefined ? undefined : { transactionId: running };
}

export const stopTransaction: Handler<'StopTransaction'> = async (ctx, req) => {
  const receivedAt = ctx.now().toISOString();
  const { outcome, endSamples } = await ctx.store.durably(() => {
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
    let endSamples: MeterSample[] = [];
    if (outcome.known && !outcome.alreadyStopped) {
      if (req.transactionData) {
        endSamples = toSamples(ctx.chargerId, outcome.session.connectorId, req.transactionId, req.transactionData);
        ctx.store.meters.append(endSamples);
      }
      if (outcome.corrected) ctx.upstream?.stopCorrected(ctx.chargerId, req, outcome.session);
      else ctx.upstream?.transactionStopped(ctx.chargerId, req, outcome.session);
    }
    ctx.writeAlongside?.();
    return { outcome, endSamples };
  });
  if (outcome.known) {
    const { session } = outcome;
    if (outcome.alreadyStopped) {
      // A resend (the charger missed our answer): its transactionData was recorded the first time.
      ctx.logger.info({ transactionId: req.transactionId }, 'StopTransaction for a session already closed (a resend): accepted');
    } else if (outcome.corrected) {
      // Closed by estimate after the grace (orphan-watch.ts): the charger's own Stop replaces it.
      remember(ctx, endSamples);
      ctx.logger.warn({ transactionId: req.transactionId, energyWh: session.energyWh, estimatedWh: outcome.corrected.energyWh, reason: req.reason }, 'late StopTransaction: corrects the session chargegate had closed by estimate');
      ctx.events.emit('session.corrected', { session, previous: outcome.corrected });
    } else {
      remember(ctx, endSamples);
      // Its connector draws nothing now (issue #18: 0 W, not the last reading); a superseded
      // session's late Stop leaves the running session's readings alone.
      if (session.supersededBy === undefined) ctx.registry.forgetFlows(ctx.chargerId, session.connectorId);
      ctx.logger.info({ transactionId: req.transactionId, energyWh: session.energyWh, reason: req.reason }, 'session ended');
      ctx.events.emit('session.ended', session);
    }
  } else {
    // Accepted and kept apart: a charger that gets a CALLERROR for a Stop may drop it for good.
    ctx.logger.warn({ transactionId: req.transactionId }, 'StopTransaction for a transaction this gateway never started: recorded');
  }
  return req.idTag ? { idTagInfo: idTagInfoFor(ctx, req.idTag) } : {};
};

/** Keeps the latest sample per connector/measurand/phase in the registry (in memory). */
function remember(ctx: HandlerContext, samples: MeterSample[]): void {
  const live = ctx.registry.ensure(ctx.chargerId);
  for (const s of samples) {
    const key = meterKey(s.connectorId, s.measurand, s.phase);
    const prev = live.latest.get(key);
    if (!prev || prev.timestamp <= s.timestamp) live.latest.set(key, s);
  }
}

type MeterValue = MeterValuesRequest['meterValue'][number];

/**
 * Flattens OCPP meter values into samples, filling the 1.6 §7.43 defaults. Each sample is built
 * field by field, the optional ones only when present: a spread of `cond ? {…} : {}` made an
 * object to throw away per field, for every sample of every MeterValues (issue #19).
 */
export function toSamples(chargerId: string, connectorId: number, transactionId: number | undefined, values: MeterValue[]): MeterSample[] {
  const out: MeterSample[] = [];
  for (const mv of values) {
    for (const sv of mv.sampledValue) {
      const sample: MeterSample = { chargerId, connectorId, timestamp: mv.timestamp, value: sv.value, measurand: sv.measurand ?? 'Energy.Active.Import.Register' };
      if (transactionId !== undefined) sample.transactionId = transactionId;
      const unit = sv.unit ?? (sv.measurand === undefined ? 'Wh' : defaultUnit(sv.measurand));
      if (unit !== undefined) sample.unit = unit;
      sample.context = sv.context ?? 'Sample.Periodic';
      if (sv.phase) sample.phase = sv.phase;
      if (sv.location) sample.location = sv.location;
      if (sv.format) sample.format = sv.format;
      out.push(sample);
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
