/**
 * Transparent mode: the cloud sees each configured charger as itself, one connection each
 * (`chargers.list[].upstream.identity`, default its id), with its own connector numbers and its
 * own BootNotification; chargegate stays in between as their Local Controller (OCPP 1.6
 * §3.13.4). A charger not in chargers.list (allowUnknown) has no connection: nothing of it goes up.
 */
import { SameConnectors } from './connectors.js';
import type { ChannelSpec, Mode, ModeDeps } from './mode.js';

export function transparentMode(deps: ModeDeps): Mode {
  const { config, store, gateway } = deps;
  const connectorCount = (id: string) => config.chargers.list.find((c) => c.id === id)?.connectors ?? gateway.registry.get(id)?.connectors.size ?? 1;

  /** The charger's own BootNotification as it last sent it (the cloud learns what it is talking to; kept in the chargers table across restarts). */
  const boot = (chargerId: string) => () => {
    const rec = store.chargers.get(chargerId);
    return {
      chargePointVendor: (rec?.vendor ?? 'unknown').slice(0, 20),
      chargePointModel: (rec?.model ?? 'unknown').slice(0, 20),
      ...(rec?.serialNumber ? { chargePointSerialNumber: rec.serialNumber.slice(0, 25) } : {}),
      ...(rec?.firmwareVersion ? { firmwareVersion: rec.firmwareVersion.slice(0, 50) } : {}),
    };
  };
  const channels: ChannelSpec[] = config.chargers.list.map((c) => ({
    name: c.id,
    identity: c.upstream?.identity ?? c.id,
    ...(c.upstream?.password !== undefined ? { password: c.upstream.password } : {}),
    boot: boot(c.id),
    // A charger that never booted: the cloud would learn "unknown"; its channel waits for its boot.
    bootKnown: () => store.chargers.get(c.id)?.vendor !== undefined,
  }));

  return {
    name: 'transparent',
    connectors: new SameConnectors(connectorCount),
    channels,
    channelOf: (chargerId) => chargerId,
    chargersOf: (channel) => [channel],
    bootPassedDown: true,
    chargePointOf: (channel) => channel,
    // Connector 0 is the charger's: its own StatusNotification goes up as it comes.
    ownStatus: () => undefined,
    // Nothing is queued when the charger drops its connection to chargegate (its channel to the
    // cloud stays up); the channel's next accepted boot reports its connectors Unavailable.
    chargerStatusOnConnectors: false,
    unavailableWhenGone: () => [],
    ownChargePoint: () => undefined,
  };
}
