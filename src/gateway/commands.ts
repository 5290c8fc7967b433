/**
 * Commands to chargers (OCPP 1.6 §5), one typed function per central-system action:
 * `commands.RemoteStartTransaction('CP1', { idTag: '04A2B3C4', connectorId: 1 })`.
 * Each payload is validated against the official schema before it is sent (the session does
 * this); the promise resolves with the charger's answer or rejects with a clear error:
 * OcppOfflineError (charger not connected), OcppTimeoutError, OcppCallError (its CALLERROR,
 * or an invalid payload: then nothing was sent), ChargerNotBootedError (an OcppTimeoutError:
 * the charger had not booted within ocpp.callTimeout, so nothing was sent; boot-guard.ts).
 */
import type { Logger } from '../log.js';
import { OcppOfflineError, OcppTimeoutError } from '../ocpp/errors.js';
import { createLogBudget } from '../ocpp/log-budget.js';
import { OcppHeldError, type CallOptions } from '../ocpp/session.js';
import { CENTRAL_INITIATED_16, type CentralAction16 } from '../ocpp/v16/actions.js';
import type { Requests16, Responses16 } from '../ocpp/v16/types.js';
import type { Registry } from './registry.js';

export type Commands = {
  [A in CentralAction16]: (chargerId: string, payload: Requests16[A]) => Promise<Responses16[A]>;
} & {
  /** The same, with the action as a value (MQTT and HTTP route by name). */
  send<A extends CentralAction16>(chargerId: string, action: A, payload: Requests16[A]): Promise<Responses16[A]>;
};

/**
 * A command that was never sent: the charger's BootNotification was not accepted within
 * ocpp.callTimeout of the command (OCPP 1.6 §4.2; calls wait for the boot, boot-guard.ts).
 */
export class ChargerNotBootedError extends OcppTimeoutError {
  constructor(
    readonly chargerId: string,
    action: string,
    timeoutMs: number,
  ) {
    super(action, timeoutMs);
    this.message = `charger ${chargerId} has not booted (no BootNotification accepted): ${action} was not sent within ${timeoutMs / 1000} s`;
  }
}

/**
 * `options.urgent`: the balancer's commands (gateway.limitCommands), queued on each connection
 * ahead of everyone else's (session.ts CallOptions).
 */
export function createCommands(registry: Registry, logger: Logger, options: CallOptions = {}): Commands {
  // A flood of failing commands (a cloud or an MQTT user sending faster than a charger answers)
  // costs the log 10 lines per charger and action every 10 s, and a count of the rest.
  const failures = createLogBudget(10, 10_000);
  async function send<A extends CentralAction16>(chargerId: string, action: A, payload: Requests16[A]): Promise<Responses16[A]> {
    const connection = registry.connection(chargerId);
    if (!connection) throw new OcppOfflineError(chargerId);
    try {
      const answer = await connection.session.call<Responses16[A]>(action, payload, options);
      connection.logger.info({ action, answer }, 'command answered');
      return answer;
    } catch (err) {
      const e = err as Error;
      // Offline errors from the session name "peer": say which charger.
      if (e instanceof OcppOfflineError) throw new OcppOfflineError(chargerId, e.message.replace(/^peer is offline: /, ''));
      if (e instanceof OcppHeldError) {
        logger.warn({ chargerId, action }, 'command not sent: the charger has not booted');
        throw new ChargerNotBootedError(chargerId, action, e.timeoutMs);
      }
      const budget = failures.take(`${chargerId}\n${action}`, Date.now());
      if (budget.log) logger.warn({ chargerId, action, err: e.message, ...(budget.suppressed ? { suppressed: budget.suppressed } : {}) }, 'command failed');
      throw e;
    }
  }
  const commands = { send } as Commands;
  for (const action of CENTRAL_INITIATED_16) {
    (commands as unknown as Record<string, unknown>)[action] = (chargerId: string, payload: never) => send(chargerId, action, payload);
  }
  return commands;
}
