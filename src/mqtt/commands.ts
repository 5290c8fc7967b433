/**
 * Carries out a parsed MQTT command through the site commands (src/control/site-commands.ts,
 * shared with the HTTP API). Always resolves with a result a person can read (accepted or
 * rejected, and why); never throws.
 */
import type { ControlResult } from '../control/ports.js';
import { ControlRefusal, type SiteCommands } from '../control/site-commands.js';
import { OcppCallError, OcppOfflineError, OcppTimeoutError } from '../ocpp/errors.js';
import type { Commands } from '../gateway/commands.js';
import type { Command } from './command-parse.js';

export interface CommandRunnerDeps {
  control: SiteCommands;
  /** idTag for a start command that names none. */
  startIdTag?: string;
  /** The OCPP commands sent as they are (the security extension's). */
  commands?: Pick<Commands, 'send'>;
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

async function run(command: Command, { control, startIdTag, commands }: CommandRunnerDeps): Promise<ControlResult> {
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
    case 'siteLimit':
      return control.setSiteLimit(command.amps, command.durationS, 'mqtt');
    case 'ocpp': {
      if (!commands) return rejected('OCPP commands are not available here');
      // An invalid payload is refused by the session before anything is sent (OCPP error …).
      const answer = await commands.send(command.chargerId, command.action, command.payload as never);
      const status = (answer as { status?: string }).status;
      const accepted = status === undefined || status === 'Accepted';
      return { accepted, reason: status === undefined ? 'the charger answered' : `the charger answered ${status}`, answer };
    }
  }
}

function rejected(reason: string): ControlResult {
  return { accepted: false, reason };
}

function describeFailure(err: unknown): string {
  if (err instanceof ControlRefusal) return err.message;
  if (err instanceof OcppOfflineError) return `charger is not connected (${err.message})`;
  if (err instanceof OcppTimeoutError) return `charger did not answer (${err.message})`;
  if (err instanceof OcppCallError) return `OCPP error ${err.code}: ${err.description}`;
  return `failed: ${(err as Error)?.message ?? String(err)}`;
}
