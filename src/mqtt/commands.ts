/**
 * Carries out a parsed MQTT command through the site commands (src/control/site-commands.ts,
 * shared with the HTTP API). Always resolves with a result a person can read (accepted or
 * rejected, and why); never throws.
 */
import type { ControlResult } from '../control/ports.js';
import { ControlRefusal, NO_BALANCER, type SiteCommands } from '../control/site-commands.js';
import { OcppCallError, OcppOfflineError, OcppTimeoutError } from '../ocpp/errors.js';
import { answerAccepted, OcppCommandInvalid, type OcppCommands } from '../control/ocpp-commands.js';
import type { Command } from './command-parse.js';
import type { ChargeModes } from '../control/charge-modes.js';
import type { Plans } from '../plan/service.js';

export interface CommandRunnerDeps {
  control: SiteCommands;
  /** idTag for a start command that names none. */
  startIdTag?: string;
  /** Every OCPP command, through the shared door (src/control/ocpp-commands.ts). */
  ocpp?: OcppCommands;
  /** The charge modes, when load balancing runs (src/control/charge-modes.ts). */
  modes?: Pick<ChargeModes, 'set'>;
  /** The charging plans (src/plan). */
  plans?: Pick<Plans, 'set' | 'clear'>;
  /** The tariff's price feed (src/cost); undefined without a tariff. */
  tariff?: { setFeed(doc: unknown): ControlResult };
}

export function createCommandRunner(deps: CommandRunnerDeps): (command: Command) => Promise<ControlResult> {
  return async (command) => {
    try {
      return await run(command, deps);
    } catch (err) {
      return rejected(describeFailure(err));
    }
  };
}

async function run(command: Command, { control, startIdTag, ocpp, modes, plans, tariff }: CommandRunnerDeps): Promise<ControlResult> {
  switch (command.kind) {
    case 'start': {
      const idTag = command.idTag ?? startIdTag;
      if (!idTag) return rejected('no idTag given, and mqtt.startIdTag is not set');
      return control.start(command.chargerId, command.connectorId, idTag);
    }
    case 'stop':
      return control.stop(command.chargerId, command.connectorId);
    case 'unlock':
      return control.unlock(command.chargerId, command.connectorId);
    case 'available':
      return control.setAvailable(command.chargerId, command.connectorId, command.available);
    case 'reset':
      return control.reset(command.chargerId, command.type);
    case 'maxcurrent':
      return control.setCap(command.chargerId, command.connectorId, command.amps, 'mqtt');
    case 'mode':
      if (!modes) return rejected(NO_BALANCER);
      return modes.set(command.chargerId, command.connectorId, command.mode);
    case 'plan': {
      if (!plans) return rejected('charging plans are not available here');
      const { accepted, reason } = command.plan ? await plans.set(command.chargerId, command.connectorId, command.plan) : await plans.clear(command.chargerId, command.connectorId);
      return { accepted, reason };
    }
    case 'siteLimit':
      return control.setSiteLimit(command.amps, command.durationS, 'mqtt');
    case 'tariffPrices':
      return tariff ? tariff.setFeed(command.prices) : rejected('no tariff: section in the config (docs/cost.md)');
    case 'ocpp': {
      if (!ocpp) return rejected('OCPP commands are not available here');
      // An invalid payload is refused before anything is sent (OcppCommandInvalid).
      const result = await ocpp.send(command.chargerId, command.action, command.payload, 'mqtt');
      const status = (result.answer as { status?: string }).status;
      const accepted = answerAccepted(result.answer);
      const who = result.answeredBy === 'charger' ? 'the charger' : 'chargegate';
      const said = status === undefined ? `${who} answered` : `${who} answered ${status}`;
      return { accepted, reason: result.reason ? `${said}: ${result.reason}` : said, answer: result.answer };
    }
  }
}

function rejected(reason: string): ControlResult {
  return { accepted: false, reason };
}

function describeFailure(err: unknown): string {
  if (err instanceof ControlRefusal) return err.message;
  if (err instanceof OcppCommandInvalid) return `invalid ${err.action} request: ${err.description} (${err.code})`;
  if (err instanceof OcppOfflineError) return `charger is not connected (${err.message})`;
  if (err instanceof OcppTimeoutError) return `charger did not answer (${err.message})`;
  if (err instanceof OcppCallError) return `OCPP error ${err.code}: ${err.description}`;
  return `failed: ${(err as Error)?.message ?? String(err)}`;
}
