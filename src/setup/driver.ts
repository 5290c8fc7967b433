/**
 * One setup run for one charger: asks and changes what plan.ts decides, one call at a time,
 * each after the previous answer (OCPP-J 1.6 §4.1.1), through the gateway's commands. Every
 * answer is written to the memory before the next call, so a charger that reboots half-way
 * is never asked to make the same change again (plan.ts mayNotChange).
 */
import type { Commands } from '../gateway/commands.js';
import type { Logger } from '../log.js';
import { OcppCallError, OcppOfflineError } from '../ocpp/errors.js';
import type { SetupMemoryStore } from './memory.js';
import { afterChange, afterRead, mayStart, nextStep, type ChangeResult, type RunProgress, type SetupMemory, type SetupRules } from './plan.js';

export interface RunDeps {
  chargerId: string;
  commands: Pick<Commands, 'send'>;
  store: SetupMemoryStore;
  rules: SetupRules;
  now: () => number;
  /** The charger's child logger. */
  log: Logger;
  /** False once a newer boot started another run: this one stops before its next call. */
  current(): boolean;
  /** Told after every change to the memory (the service recomputes quirks and the view). */
  progress(memory: SetupMemory): void;
}

/** Calls at most in one run: far more than the sequence needs; a bound against a logic slip. */
const MAX_STEPS = 40;

export async function runSetup(deps: RunDeps): Promise<void> {
  const { chargerId, log } = deps;
  const loaded = deps.store.load(chargerId);
  if (loaded.unreadable) log.warn({ err: loaded.unreadable }, 'setup memory unreadable: starting afresh');
  let memory = loaded.memory;
  const startedAt = deps.now();
  const keep = (next: SetupMemory) => {
    memory = next;
    deps.store.save(chargerId, memory);
    deps.progress(memory);
  };

  const allowed = mayStart(memory, deps.rules, startedAt);
  if (!allowed.ok) {
    keep({ ...memory, status: { status: 'failed', reason: allowed.reason, at: startedAt } });
    log.warn({ reason: allowed.reason }, 'charger setup not started');
    return;
  }
  // Marked as cut short until it finishes: a reboot during the run leaves the mark.
  const recent = memory.interrupted.filter((t) => startedAt - t < deps.rules.repeatAfterMs);
  keep({ ...memory, interrupted: [...recent, startedAt], status: { status: 'pending', at: startedAt } });
  let run: RunProgress = { asked: [], settled: [] };

  for (let n = 0; n < MAX_STEPS && deps.current(); n++) {
    const step = nextStep(memory, run, deps.rules, deps.now());
    if (step.kind === 'done') {
      keep({ ...memory, interrupted: [], status: { status: 'done', at: deps.now() } });
      log.info({ left: step.kept }, 'charger setup done');
      return;
    }
    try {
      if (step.kind === 'read') {
        const answer = await deps.commands.send(chargerId, 'GetConfiguration', { key: step.keys });
        if (!deps.current()) return;
        ({ memory, run } = afterRead(memory, run, step.keys, answer, deps.now()));
        keep(memory);
        continue;
      }
      log.info({ key: step.key, value: step.value, why: step.why }, 'changing the charger configuration');
      let result: ChangeResult;
      let failure: Error | undefined;
      try {
        result = (await deps.commands.send(chargerId, 'ChangeConfiguration', { key: step.key, value: step.value })).status;
      } catch (err) {
        // No answer is remembered like a refusal for repeatAfterMs: the charger may have
        // applied it and rebooted (some do, without saying RebootRequired).
        result = 'Failed';
        failure = err as Error;
      }
      ({ memory, run } = afterChange(memory, run, step.key, step.value, result, deps.now(), failure?.message));
      keep(memory);
      if (failure) throw failure;
      if (result === 'RebootRequired') log.warn({ key: step.key, value: step.value }, 'the charger takes the change at its next reboot (RebootRequired); chargegate does not reboot it');
      else if (result !== 'Accepted') log.warn({ key: step.key, value: step.value, status: result }, 'the charger refused the change: remembered, not tried again');
    } catch (err) {
      const e = err;
      const why = (e as Error).message;
      if (e instanceof OcppOfflineError) {
        // It rebooted or dropped: the run's mark stays (mayStart counts it), the next boot goes on.
        keep({ ...memory, status: { status: 'pending', reason: `the charger disconnected during setup (${why}); setup goes on at its next boot`, at: deps.now() } });
        log.info({ err: why }, 'charger setup cut short: the charger disconnected');
        return;
      }
      // A CALLERROR is an answer: the run ended cleanly. A timeout may be a reboot: its mark stays.
      const clean = e instanceof OcppCallError;
      keep({ ...memory, ...(clean ? { interrupted: memory.interrupted.filter((t) => t !== startedAt) } : {}), status: { status: 'failed', reason: `${step.kind === 'read' ? 'GetConfiguration' : `ChangeConfiguration ${step.key}`} failed: ${why}`, at: deps.now() } });
      log.warn({ err: why }, 'charger setup failed; tried again at its next boot');
      return;
    }
  }
}
