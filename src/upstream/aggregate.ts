/**
 * Aggregate mode: the cloud sees the whole site as one charge point, chargegate itself, on one
 * connection (`upstream.identity`). The chargers' connectors are numbered 1..N over the site
 * (connectors.ts VirtualConnectors); connector 0 is chargegate's own, never a charger's; the
 * configuration keys and triggered messages are chargegate's (own-charge-point.ts).
 */
import type { ConnectorState } from '../store/ports.js';
import { VirtualConnectors } from './connectors.js';
import type { ChannelSpec, Mode, ModeDeps, OwnChannel } from './mode.js';
import { upstreamProfile } from './authorization-key.js';
import { ownChargePoint } from './own-charge-point.js';

export function aggregateMode(deps: ModeDeps): Mode {
  const { config, store, gateway } = deps;
  const u = config.upstream;
  const identity = u.identity!;
  const connectors = new VirtualConnectors(store, u.connectors, config.chargers.list);
  const site: ChannelSpec = {
    name: identity,
    identity,
    ...(u.password !== undefined ? { password: u.password } : {}),
    boot: () => ({
      chargePointVendor: 'chargegate',
      chargePointModel: 'site gateway',
      chargePointSerialNumber: identity.slice(0, 25),
      firmwareVersion: deps.version.slice(0, 50),
    }),
    bootKnown: () => true,
  };

  // Every charger of the site: the configured ones and any other that connected (allowUnknown).
  const profile = upstreamProfile(u, u.password);
  const everyCharger = () => [...new Set([...config.chargers.list.map((c) => c.id), ...gateway.registry.list().map((c) => c.id)])];

  return {
    name: 'aggregate',
    connectors,
    channels: [site],
    channelOf: () => site.name,
    chargersOf: everyCharger,
    bootPassedDown: false,
    chargePointOf: () => undefined,
    ownStatus: (at): ConnectorState => ({ chargerId: '', connectorId: 0, status: 'Available', errorCode: 'NoError', timestamp: at }),
    chargerStatusOnConnectors: true,
    unavailableWhenGone: (_channel, chargerId) => connectors.connectorsOf().filter((c) => c.chargerId === chargerId).map((c) => c.virtual),
    siteFacts: (link) => ({
      identity,
      version: deps.version,
      heartbeatInterval: link.heartbeatIntervalS,
      messageTimeout: u.callTimeout,
      transactionMessageAttempts: u.transactionMessageAttempts,
      transactionMessageRetryInterval: u.transactionMessageRetryInterval,
      stopTxOnInvalidId: u.stopTransactionOnInvalidId,
      offlineTxForUnknownId: u.offline.unknownIdTag === 'accept',
      ...(profile !== undefined ? { securityProfile: profile } : {}),
      supply: { phases: config.site?.supply.phases ?? 3, voltage: config.site?.supply.voltage ?? 230 },
      sampleInterval: config.chargers.setup.meterValueSampleInterval,
      evses: connectors.connectorsOf().map((c) => {
        const charger = config.chargers.list.find((x) => x.id === c.chargerId);
        const status = gateway.registry.connection(c.chargerId) ? gateway.registry.get(c.chargerId)?.connectors.get(c.connectorId)?.status : undefined;
        // A 2.0.1 charger's connector c.connectorId is its EVSE c.connectorId, connector 1 (edge201): its reported type.
        const connectorType = store.deviceModel.list(c.chargerId, { component: 'Connector' }).find((v) => v.variable === 'ConnectorType' && v.attributeType === 'Actual' && v.evseId === c.connectorId)?.value;
        return {
          id: c.virtual,
          chargerId: c.chargerId,
          connectorId: c.connectorId,
          ...(status !== undefined ? { status } : {}),
          ...(charger ? { maxCurrent: charger.maxCurrent, phases: charger.phases } : {}),
          ...(connectorType !== undefined ? { connectorType } : {}),
        };
      }),
    }),
    ownChargePoint: (channel: OwnChannel) =>
      ownChargePoint({
        commands: gateway.commands,
        chargers: everyCharger,
        toCharger: (virtual) => connectors.toCharger(channel.spec.name, virtual),
        ownKeys: () => [
          { key: 'HeartbeatInterval', readonly: true, value: String(channel.link.heartbeatIntervalS) },
          { key: 'NumberOfConnectors', readonly: true, value: String(connectors.connectorsOf().length) },
          { key: 'TransactionMessageAttempts', readonly: true, value: String(u.transactionMessageAttempts) },
          { key: 'TransactionMessageRetryInterval', readonly: true, value: String(u.transactionMessageRetryInterval) },
          { key: 'StopTransactionOnInvalidId', readonly: true, value: String(u.stopTransactionOnInvalidId) },
          { key: 'AllowOfflineTxForUnknownId', readonly: true, value: String(u.offline.unknownIdTag === 'accept') },
          { key: 'LocalAuthListEnabled', readonly: true, value: 'true' },
          { key: 'AuthorizationCacheEnabled', readonly: true, value: 'true' },
          { key: 'SupportedFeatureProfiles', readonly: true, value: 'Core,LocalAuthListManagement,Reservation,RemoteTrigger,SmartCharging' },
        ],
        // TriggerMessage for chargegate's own messages (1.6 §5.17): sent now, when the link is up.
        sendOwn: (message, connectorId) => {
          if (!channel.link.ready) return false;
          if (message === 'StatusNotification') channel.announce(connectorId);
          else if (message === 'Heartbeat') channel.call('Heartbeat', {}).catch(() => undefined);
          else channel.call('BootNotification', channel.spec.boot()).catch(() => undefined);
          return true;
        },
      }),
  };
}
