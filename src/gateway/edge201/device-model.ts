/**
 * Reading a 2.0.1 charger's device model, per connection (2.0.1 B07 Get Base Report): after an
 * accepted BootNotification chargegate sends GetBaseReport with reportBase FullInventory — not
 * ConfigurationInventory, which lists only what an operator may set and so leaves out the
 * ReadOnly capabilities the balancer needs (SmartChargingCtrlr.RateUnit, ProfileStackLevel,
 * PeriodsPerSchedule, Available) — and keeps every NotifyReport part (requestId, seqNo, tbc
 * true until the last) in the store. A report the charger sends unasked (or one a local user
 * asked for with GetReport) is kept the same way.
 *
 * While the report is being read, the charger's registry entry carries `describing`: automatic
 * setup waits for it, then reads what the model answers (translate/device-model.ts through the
 * outbound codec). A refusal (Rejected, NotSupported, EmptyResultSet, a CALLERROR), a report
 * that goes quiet for `idleMs` between parts, or one that takes longer than MAX_PARTS_WAIT idle
 * spells ends the wait: setup then reads the charger key by key with GetVariables, as without a
 * model. Nothing is retried on this connection; report-policy.ts says when to ask again.
 */
import { randomInt } from 'node:crypto';
import { OcppCallError, OcppOfflineError } from '../../ocpp/errors.js';
import { variablesOfReport } from '../../ocpp/v201/translate/device-model.js';
import type { Requests201, Responses201 } from '../../ocpp/v201/types.js';
import type { HandlerContext } from '../handlers/context.js';
import { shouldAskReport } from './report-policy.js';

/** The whole report may take this many idle spells (a charger trickling parts for ever is cut off). */
const MAX_PARTS_WAIT = 10;

export interface DeviceModelReaderDeps {
  ctx: Pick<HandlerContext, 'chargerId' | 'store' | 'registry' | 'logger' | 'now'>;
  /** Sends a 2.0.1 call to this charger (it passes the outbound codec as it is). */
  call(action: 'GetBaseReport', payload: Requests201['GetBaseReport']): Promise<Responses201['GetBaseReport']>;
  /** ms a requested report may stay silent (before its first part, between parts). */
  idleMs: number;
}

export interface DeviceModelReader {
  /**
   * Before the core handles a BootNotification: the charger is marked as describing itself, so
   * the boot's listeners (setup, the balancer) already see it; booted() says what came of it.
   */
  booting(): void;
  /** The core answered the boot: if accepted, its report is asked for when report-policy.ts says so; else (or not asked) the mark goes. */
  booted(accepted: boolean, firmware: string | undefined): void;
  /** A NotifyReport part: stored before it is answered. */
  notifyReport(req: Requests201['NotifyReport']): Promise<void>;
}

export function createDeviceModelReader({ ctx, call, idleMs }: DeviceModelReaderDeps): DeviceModelReader {
  const { chargerId, store, logger } = ctx;
  let current: { requestId?: number; idle?: NodeJS.Timeout; whole?: NodeJS.Timeout; finish(): void } | undefined;

  function end(requestId: number | undefined, state: 'complete' | 'refused' | 'incomplete', reason?: string): void {
    if (!current || current.requestId !== requestId) return;
    const c = current;
    current = undefined;
    clearTimeout(c.idle);
    clearTimeout(c.whole);
    if (requestId === undefined) return c.finish();
    if (state !== 'complete') void store.durably(() => store.deviceModel.ended(chargerId, requestId, state, ctx.now().toISOString(), reason)).catch((err: unknown) => logger.error({ err }, 'device model report state not stored'));
    const log = state === 'complete' ? logger.info.bind(logger) : logger.warn.bind(logger);
    log({ requestId, state, reason, variables: state === 'complete' ? store.deviceModel.list(chargerId).length : undefined }, state === 'complete' ? 'device model read (GetBaseReport)' : 'device model not read: setup reads the charger with GetVariables');
    c.finish();
  }

  /** The charger describes itself from now on (LiveCharger.describing), until end() or unmark(). */
  function mark(): void {
    if (current) end(current.requestId, 'incomplete', 'the charger booted again');
    const live = ctx.registry.ensure(chargerId);
    const describing = new Promise<void>((finish) => (current = { finish }));
    live.describing = describing;
    void describing.then(() => {
      if (live.describing === describing) delete live.describing;
    });
  }

  /** The boot's mark goes without a report. */
  function unmark(): void {
    if (current?.requestId !== undefined) return;
    current?.finish();
    current = undefined;
  }

  function quietFor(requestId: number): void {
    if (current?.requestId !== requestId) return;
    clearTimeout(current.idle);
    current.idle = setTimeout(() => end(requestId, 'incomplete', `no NotifyReport part for ${idleMs / 1000} s`), idleMs);
    current.idle.unref?.();
  }

  return {
    booting: mark,

    booted(accepted, firmware) {
      if (!accepted) return unmark();
      const verdict = shouldAskReport(store.deviceModel.report(chargerId), firmware, ctx.now().getTime());
      if (!verdict.ask) {
        logger.debug({ why: verdict.why }, 'device model not asked for again');
        return unmark();
      }
      // Random: a requestId of an earlier run (or another CSMS's) is not taken for this one.
      const requestId = randomInt(1, 2 ** 31 - 1);
      if (!current) mark();
      const whole = setTimeout(() => end(requestId, 'incomplete', `not complete after ${(MAX_PARTS_WAIT * idleMs) / 1000} s`), MAX_PARTS_WAIT * idleMs);
      whole.unref?.();
      Object.assign(current!, { requestId, whole });
      store.deviceModel.requested(chargerId, requestId, firmware, ctx.now().toISOString());
      logger.info({ requestId, reportBase: 'FullInventory' }, 'asking the charger for its device model (GetBaseReport)');
      call('GetBaseReport', { requestId, reportBase: 'FullInventory' }).then(
        (answer) => {
          if (answer.status === 'Accepted') quietFor(requestId);
          else end(requestId, 'refused', `GetBaseReport answered ${answer.status}${answer.statusInfo ? ` (${answer.statusInfo.reasonCode})` : ''}`);
        },
        (err: unknown) => {
          const e = err as Error;
          if (e instanceof OcppCallError) end(requestId, 'refused', `GetBaseReport answered with the CALLERROR ${e.code}`);
          else end(requestId, 'incomplete', e instanceof OcppOfflineError ? 'the charger disconnected' : e.message);
        },
      );
    },

    async notifyReport(req) {
      const variables = variablesOfReport(req.reportData ?? []);
      const ours = current?.requestId === req.requestId;
      const last = !(req.tbc ?? false);
      const at = ctx.now().toISOString();
      // A late last part of the asked report still completes it (ended() checks the requestId).
      await store.durably(() => {
        store.deviceModel.put(chargerId, req.requestId, variables, at);
        if (last) store.deviceModel.ended(chargerId, req.requestId, 'complete', at);
      });
      logger.debug({ requestId: req.requestId, seqNo: req.seqNo, tbc: req.tbc ?? false, variables: variables.length, asked: ours }, 'NotifyReport stored');
      if (!ours) {
        if (last) logger.info({ requestId: req.requestId, parts: req.seqNo + 1 }, 'a device model report chargegate did not ask for (or a user asked for): stored');
        return;
      }
      if (last) end(req.requestId, 'complete');
      else quietFor(req.requestId);
    },
  };
}
