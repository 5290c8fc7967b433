/**
 * Every OCPP command a local user may send to a charger (the HTTP API, MQTT, and the CLI, which
 * speaks HTTP), through one door, so all surfaces mean the same thing:
 *   1. the charger must be one chargegate knows (ControlRefusal unknown_charger);
 *   2. the payload is checked against the OCA schema (OcppCommandInvalid: nothing is sent);
 *   3. interceptors registered for the action decide first, in order of registration: where
 *      chargegate owns what the action changes (ChangeConfiguration of keys it relies on,
 *      charging profiles merged by the balancer, firmware and diagnostics served through the
 *      box), an interceptor answers for it or rewrites the payload;
 *   4. otherwise the payload is sent to the charger and its answer returned as it is.
 * The errors of not reaching the charger are the OCPP ones (OcppOfflineError, OcppTimeoutError,
 * OcppCallError, ChargerNotBootedError); each surface words them its own way.
 */
import type { Commands } from '../gateway/commands.js';
import type { Logger } from '../log.js';
import type { Validator } from '../ocpp/validate.js';
import { isNative201, type CommandAction, type CommandRequests, type CommandResponses } from './actions.js';
import { ControlRefusal } from './site-commands.js';

/** Who asked: kept in the log and passed to interceptors. The CLI comes in as 'http'. */
export type CommandSource = 'http' | 'mqtt';

export interface InterceptContext {
  chargerId: string;
  source: CommandSource;
  logger: Logger;
}

/**
 * An interceptor's decision: undefined, not its business (the next one decides, or the payload
 * is sent); `answer`: chargegate answers, nothing (more) is sent, `reason` says why in words;
 * `send`: this payload goes to the charger instead (an URL rewritten to the box, say).
 */
export type Interception<A extends CommandAction> = { answer: CommandResponses[A]; reason: string } | { send: CommandRequests[A]; reason?: string } | undefined;

export type Interceptor<A extends CommandAction> = (payload: CommandRequests[A], ctx: InterceptContext) => Promise<Interception<A>> | Interception<A>;

export interface OcppCommandResult<A extends CommandAction = CommandAction> {
  action: A;
  /** The OCPP answer: the charger's, or chargegate's when answeredBy says so. */
  answer: CommandResponses[A];
  answeredBy: 'charger' | 'chargegate';
  /** Why chargegate answered or changed the request, when it did. */
  reason?: string;
}

/**
 * Whether an answer says the charger did what was asked: no status (GetConfiguration,
 * UpdateFirmware…), or one of the statuses of success — RebootRequired (the value is taken and
 * applies after a reset, §9.3), Scheduled (availability after the running session, §5.2),
 * Unlocked (§5.17).
 */
export function answerAccepted(answer: unknown): boolean {
  const status = (answer as { status?: unknown } | null)?.status;
  return status === undefined || status === 'Accepted' || status === 'RebootRequired' || status === 'Scheduled' || status === 'Unlocked';
}

/** A payload that does not fit the action's schema: nothing was sent. */
export class OcppCommandInvalid extends Error {
  override readonly name = 'OcppCommandInvalid';
  constructor(
    readonly action: string,
    readonly code: string,
    readonly description: string,
  ) {
    super(`${action}: ${description} (${code})`);
  }
}

export interface OcppCommands {
  send<A extends CommandAction>(chargerId: string, action: A, payload: unknown, source: CommandSource): Promise<OcppCommandResult<A>>;
  /** Registers an interceptor for an action (called in registration order). */
  intercept<A extends CommandAction>(action: A, interceptor: Interceptor<A>): void;
}

export interface OcppCommandDeps {
  commands: Pick<Commands, 'send'>;
  /** The 1.6 schemas: a 1.6 action is checked against them whatever the charger speaks (its edge translates). */
  validator: Pick<Validator, 'checkRequest'>;
  /** The 2.0.1 schemas, for the 2.0.1-only actions (actions.ts NATIVE_201). */
  validator201: Pick<Validator, 'checkRequest'>;
  /** The OCPP version the charger speaks (its connection's, else its config entry's); undefined: not known. */
  versionOf(chargerId: string): '1.6' | '2.0.1' | undefined;
  knowsCharger(chargerId: string): boolean;
  logger: Logger;
}

export function createOcppCommands({ commands, validator, validator201, versionOf, knowsCharger, logger }: OcppCommandDeps): OcppCommands {
  const interceptors = new Map<CommandAction, Interceptor<CommandAction>[]>();
  const log = logger.child({ component: 'ocpp-commands' });

  return {
    intercept(action, interceptor) {
      const list = interceptors.get(action) ?? [];
      list.push(interceptor as unknown as Interceptor<CommandAction>);
      interceptors.set(action, list);
    },

    async send<A extends CommandAction>(chargerId: string, action: A, payload: unknown, source: CommandSource): Promise<OcppCommandResult<A>> {
      if (!knowsCharger(chargerId)) throw new ControlRefusal('unknown_charger', `unknown charger "${chargerId}"`);
      const native = isNative201(action);
      if (native && versionOf(chargerId) !== '2.0.1') {
        throw new OcppCommandInvalid(action, 'NotSupported', `${action} is an OCPP 2.0.1 command and ${chargerId} speaks OCPP ${versionOf(chargerId) ?? '(not known yet)'}: nothing was sent`);
      }
      // A 2.0.1-only action goes to the charger as it is (its edge passes it through).
      const invalid = (native ? validator201 : validator).checkRequest(action, payload);
      if (invalid) throw new OcppCommandInvalid(action, invalid.code, invalid.description);
      const ctx: InterceptContext = { chargerId, source, logger: log.child({ chargerId }) };
      let request = payload as CommandRequests[A];
      let reason: string | undefined;
      for (const interceptor of interceptors.get(action) ?? []) {
        const decision = (await interceptor(request as never, ctx)) as Interception<A>;
        if (!decision) continue;
        if ('answer' in decision) {
          ctx.logger.info({ action, source, answer: decision.answer, reason: decision.reason }, 'command answered by chargegate');
          return { action, answer: decision.answer, answeredBy: 'chargegate', reason: decision.reason };
        }
        request = decision.send;
        reason = decision.reason ?? reason;
      }
      const answer = (await commands.send(chargerId, action as never, request as never)) as CommandResponses[A];
      return { action, answer, answeredBy: 'charger', ...(reason ? { reason } : {}) };
    },
  };
}
