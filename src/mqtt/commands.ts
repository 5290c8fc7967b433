/**
 * Carries out a parsed MQTT command: OCPP commands through the gateway's typed commands,
 * limits through the load balancer's LimitControl. Always resolves with a result a person can
 * read (accepted or rejected, and why); never throws.
 */
import type { ControlResult, LimitControl } from '../control/ports.js';
import type { Commands } from '../gateway/commands.js';
import { OcppCallError, OcppOfflineError, OcppTimeoutError } from '../ocpp/errors.js';
import type { SessionStore } from '../store/ports.js';
import type { Command } from './command-parse.js';

export const NO_BALANCER = 'load balancing is not configured (no site: section)';

export interface CommandRunnerDeps {
  commands: Pick<Commands, 'send'>;
  sessions: Pick<SessionStore, 'list'>;
  /** Whether chargegate knows this charger (configured, or seen). */
  knowsCharger: (chargerId: string) => boolean;
  /** The balancer's control port, when a balancer runs (asked at each command: it may start later). */
  limits: () => LimitControl | undefined;
  /** idTag for a start command that names none. */
  startIdTag?: string;
}

export function createCommandRunner(deps: CommandRunnerDeps): (command: Command) => Promise<ControlResult> {
  return async (command) => {
    if ('chargerId' in command && !deps.knowsCharger(command.chargerId)) {
      return rejected(`unknown charger "${command.chargerId}"`);
    }
    try {
      return await run(command, deps);
    } catch (err) {
      return rejected(describeFailure(err));
    }
  };
}

async function run(command: Command, deps: CommandRunnerDeps): Promise<ControlResult> {
  const { send } = deps.commands;
  switch (command.kind) {
    case 'start': {
      const idTag = command.idTag ?? deps.startIdTag;
      if (!idTag) return rejected('no idTag given, and mqtt.startIdTag is not set');
      const answer = await send(command.chargerId, 'RemoteStartTransaction', { connectorId: command.connectorId, idTag });
      return chargerSaid('RemoteStartTransaction', answer.status);
    }
    case 'stop': {
      const running = deps.sessions.list({ chargerId: command.chargerId, state: 'active' }).find((s) => s.connectorId === command.connectorId);
      if (!running) return rejected(`no transaction is running on connector ${command.connectorId}`);
      const answer = await send(command.chargerId, 'RemoteStopTransaction', { transactionId: running.transactionId });
      return chargerSaid(`RemoteStopTransaction of transaction ${running.transactionId}`, answer.status);
    }
    case 'unlock': {
      const answer = await send(command.chargerId, 'UnlockConnector', { connectorId: command.connectorId });
      return { accepted: answer.status === 'Unlocked', reason: `charger answered ${answer.status}` };
    }
    case 'available': {
      const type = command.available ? 'Operative' : 'Inoperative';
      const answer = await send(command.chargerId, 'ChangeAvailability', { connectorId: command.connectorId, type });
      // Scheduled: the charger changes once its running transaction ends (OCPP 1.6 §5.2).
      return { accepted: answer.status !== 'Rejected', reason: `charger answered ${answer.status} to ChangeAvailability ${type}` };
    }
    case 'reset': {
      const answer = await send(command.chargerId, 'Reset', { type: command.type });
      return chargerSaid(`Reset ${command.type}`, answer.status);
    }
    case 'maxcurrent': {
      const limits = deps.limits();
      if (!limits) return rejected(NO_BALANCER);
      return limits.setCap(command.chargerId, command.connectorId, command.amps, 'mqtt');
    }
    case 'siteLimit': {
      const limits = deps.limits();
      if (!limits) return rejected(NO_BALANCER);
      return limits.setSiteLimit(command.amps, command.durationS, 'mqtt');
    }
  }
}

function chargerSaid(action: string, status: string): ControlResult {
  return { accepted: status === 'Accepted', reason: `charger answered ${status} to ${action}` };
}

function rejected(reason: string): ControlResult {
  return { accepted: false, reason };
}

function describeFailure(err: unknown): string {
  if (err instanceof OcppOfflineError) return `charger is not connected (${err.message})`;
  if (err instanceof OcppTimeoutError) return `charger did not answer (${err.message})`;
  if (err instanceof OcppCallError) return `OCPP error ${err.code}: ${err.description}`;
  return `failed: ${(err as Error)?.message ?? String(err)}`;
}
