/**
 * A local user's charging profiles (SetChargingProfile, ClearChargingProfile through the door,
 * src/control/ocpp-commands.ts) while a load balancer runs the site. Sent to the charger, a
 * user's profile would be overwritten by the balancer's next one, or worse outrank it and
 * raise the charger above what the fuse allows (OCPP 1.6 §3.13.2: the highest stackLevel
 * prevails). So chargegate keeps it, as it keeps the cloud's (upstream/cloud-caps.ts, the same
 * keeper): the limit it sets now is a cap the balancer honours, never more than its allocation.
 *
 * One channel per charger: its connector 0 is the charger (a ChargePointMaxProfile caps the
 * whole charger, §3.13.1), its connectors keep their numbers; a TxProfile names chargegate's
 * own transactionId and ends with its transaction (§3.13.3). Kept in store.meta, one key per
 * charger, on disk before the user hears Accepted. The balancer shows the cap's source as
 * "user profile <chargingProfileId>".
 *
 * Without a balancer the interceptors step aside: the payload goes to the charger as it is.
 * GetCompositeSchedule is not intercepted: the charger's answer is what the balancer set there,
 * the user's caps included.
 */
import type { EventBus } from '../events.js';
import type { Logger } from '../log.js';
import type { Store } from '../store/ports.js';
import { createProfileCaps, type CapSink, type ChannelLimitsView, type ProfileCaps } from '../upstream/cloud-caps.js';
import { SameConnectors } from '../upstream/connectors.js';
import type { OcppCommands } from './ocpp-commands.js';

export const userMetaKey = (chargerId: string) => `control.userProfiles/${chargerId}`;
export const userSource = (profileId: number | undefined) => `user profile ${profileId ?? '?'}`;

/** Said with every answer chargegate gives for the charger. */
const FOLLOWED = 'kept by chargegate and followed through the load balancer (never above its allocation)';

export interface UserProfilesDeps {
  /** Undefined without a `site:` section: then nothing is intercepted. */
  balancer: () => CapSink | undefined;
  /** The chargers whose kept profiles are read back at start (configured and seen ones). */
  chargers: readonly string[];
  connectorCount(chargerId: string): number;
  /** The phases a charger is wired to: a W limit is A × voltage × phases. */
  chargerPhases(chargerId: string): number;
  supply: { voltage: number; phases: number; maxCurrent: number };
  store: Pick<Store, 'meta' | 'durably' | 'sessions'>;
  events: Pick<EventBus, 'on'>;
  now: () => Date;
  logger: Logger;
}

export interface UserProfiles {
  /** What a charger's kept user profiles say now; undefined when no balancer keeps them (they went to the charger). */
  view(chargerId: string): ChannelLimitsView | undefined;
  /** Registers the interceptors for SetChargingProfile and ClearChargingProfile. */
  register(door: Pick<OcppCommands, 'intercept'>): void;
  start(): void;
  stop(): void;
}

export function createUserProfiles(deps: UserProfilesDeps): UserProfiles {
  const keeper: ProfileCaps = createProfileCaps({
    chargePointOf: (channel) => channel,
    channels: deps.chargers,
    connectors: new SameConnectors(deps.connectorCount),
    supply: deps.supply,
    chargerPhases: deps.chargerPhases,
    balancer: deps.balancer,
    store: deps.store,
    events: deps.events,
    now: deps.now,
    logger: deps.logger.child({ component: 'user-profiles' }),
    owner: {
      source: userSource,
      metaKey: userMetaKey,
      whose: "a local user's",
      // A local user sees chargegate's transactionIds (the API, MQTT): no translation.
      localTransactionId: (_chargerId, transactionId) => transactionId,
    },
  });

  return {
    view: (chargerId) => (keeper.active() ? keeper.view(chargerId) : undefined),
    register(door) {
      door.intercept('SetChargingProfile', async (payload, ctx) => {
        if (!keeper.active()) return undefined;
        const { answer, problem } = await keeper.set(ctx.chargerId, payload);
        return { answer, reason: problem ? `rejected by chargegate: ${problem}` : `${FOLLOWED} as "${userSource(payload.csChargingProfiles.chargingProfileId)}"` };
      });
      door.intercept('ClearChargingProfile', async (payload, ctx) => {
        if (!keeper.active()) return undefined;
        const answer = await keeper.clear(ctx.chargerId, payload);
        // §5.5: Unknown when nothing matched. The balancer's own profile stays on the charger.
        return { answer, reason: answer.status === 'Accepted' ? 'the matching user profiles kept by chargegate are cleared; the load balancer\'s own limit applies' : 'no user profile kept by chargegate matches' };
      });
    },
    start: () => keeper.start(),
    stop: () => keeper.stop(),
  };
}
