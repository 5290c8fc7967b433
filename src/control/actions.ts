/**
 * The OCPP actions a local user may send a charger through the one door (ocpp-commands.ts):
 * every OCPP 1.6 central-system action (translated for a 2.0.1 charger at its edge), and the
 * OCPP 2.0.1 device model actions (2.0.1 B05-B08), sent as they are to a 2.0.1 charger only.
 * Pure data, shared by the HTTP route, the MQTT topics and the CLI.
 */
import { CENTRAL_INITIATED_16, type CentralAction16 } from '../ocpp/v16/actions.js';
import type { Requests16, Responses16 } from '../ocpp/v16/types.js';
import type { Requests201, Responses201 } from '../ocpp/v201/types.js';

/** 2.0.1-only actions: validated against the 2.0.1 schemas, refused for a 1.6 charger. */
export const NATIVE_201 = ['GetBaseReport', 'GetReport', 'GetVariables', 'SetVariables'] as const;
export type Native201 = (typeof NATIVE_201)[number];

export const COMMAND_ACTIONS = [...CENTRAL_INITIATED_16, ...NATIVE_201] as const;
export type CommandAction = CentralAction16 | Native201;

export type CommandRequests = Requests16 & Pick<Requests201, Native201>;
export type CommandResponses = Responses16 & Pick<Responses201, Native201>;

export function isNative201(action: string): action is Native201 {
  return (NATIVE_201 as readonly string[]).includes(action);
}
