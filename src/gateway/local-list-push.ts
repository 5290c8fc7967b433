/**
 * Keeps a charger's own local authorization list equal to chargegate's, for chargers whose
 * config says `pushLocalList: true` (OCPP 1.6 §3.5, §5.15). With its own copy, a charger can
 * authorize its regular cards even while chargegate itself is down. What it gets is its merged
 * view (local-lists.ts: the config's list and the cloud's of its channel), always in full
 * (updateType Full), with the lists' generation as its version (a merged list has no version of
 * its own; the generation goes up with every change of either): simple, and right whatever the
 * charger held.
 * At each boot the charger's version is asked first (GetLocalListVersion, §5.10), so an
 * unchanged list is not sent again.
 */
import type { EventBus } from '../events.js';
import type { Logger } from '../log.js';
import type { SendLocalListRequest } from '../ocpp/v16/types.js';
import type { AuthEntry } from '../store/ports.js';
import type { Commands } from './commands.js';

export interface LocalListPushDeps {
  events: EventBus;
  /** The list a charger holds: its merged view and the version to give it. */
  view(chargerId: string): { version: number; entries: AuthEntry[] };
  /** The upstream channel whose cloud list is part of a charger's view (undefined: none). */
  channelOf(chargerId: string): string | undefined;
  commands: Pick<Commands, 'send'>;
  /** The chargers that get the list. */
  chargers: readonly string[];
  /** Whether a charger is connected now. */
  online(chargerId: string): boolean;
  logger: Logger;
}

export function startLocalListPush(deps: LocalListPushDeps): () => void {
  const targets = new Set(deps.chargers);
  if (targets.size === 0) return () => undefined;

  async function push(chargerId: string, onlyIfDifferent: boolean): Promise<void> {
    const log = deps.logger.child({ chargerId });
    const { version, entries } = deps.view(chargerId);
    try {
      if (onlyIfDifferent) {
        const held = await deps.commands.send(chargerId, 'GetLocalListVersion', {});
        if (held.listVersion === version) return;
      }
      const request: SendLocalListRequest = { listVersion: version, updateType: 'Full', localAuthorizationList: entries.map(toListEntry) };
      const answer = await deps.commands.send(chargerId, 'SendLocalList', request);
      if (answer.status === 'Accepted') log.info({ listVersion: version, entries: request.localAuthorizationList!.length }, 'local authorization list sent to the charger');
      else log.warn({ listVersion: version, status: answer.status }, 'the charger did not take the local authorization list');
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'local authorization list not sent to the charger');
    }
  }

  const offs = [
    deps.events.on('charger.boot', ({ chargerId }) => {
      // After the BootNotification.conf has gone out: the charger is told it is accepted before
      // it gets calls (1.6 §4.2). The event is emitted while the boot is being answered.
      if (targets.has(chargerId)) setImmediate(() => void push(chargerId, true));
    }),
    deps.events.on('localList.changed', ({ channel }) => {
      // The config's list is every charger's; a cloud list only its channel's chargers'.
      for (const chargerId of targets) {
        if (channel !== undefined && deps.channelOf(chargerId) !== channel) continue;
        if (deps.online(chargerId)) void push(chargerId, false);
      }
    }),
  ];
  return () => offs.forEach((off) => off());
}

function toListEntry(e: AuthEntry): NonNullable<SendLocalListRequest['localAuthorizationList']>[number] {
  return {
    idTag: e.idTag,
    idTagInfo: { status: e.status, ...(e.expiryDate ? { expiryDate: e.expiryDate } : {}), ...(e.parentIdTag ? { parentIdTag: e.parentIdTag } : {}) },
  };
}
