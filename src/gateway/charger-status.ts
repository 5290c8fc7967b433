/**
 * A charger's status rolled up from its connectors (pure). OCPP 1.6 §4.9 gives connector 0 a
 * status of its own (the charge point's main controller), which most chargers leave at
 * Available while a connector charges, and 2.0.1 chargers have no connector 0 at all: the
 * charger's status that a user sees (API, MQTT `…/status`, the dashboard badge, Home Assistant)
 * is derived from all of them by this one rule.
 *
 *   1. Faulted      if connector 0 or any connector is Faulted;
 *   2. Unavailable  if connector 0 is Unavailable (the whole charger was taken out of service,
 *                   OCPP 1.6 §5.2), or every connector is;
 *   3. otherwise the busiest status of the connectors that are not Unavailable:
 *      Charging > SuspendedEV > SuspendedEVSE > Finishing > Preparing > Reserved > Available
 *      (a status outside OCPP 1.6 §7.7 ranks just above Available);
 *   4. with no connector known: connector 0's status, or Available.
 */

/** Busiest first. */
const RANK = ['Charging', 'SuspendedEV', 'SuspendedEVSE', 'Finishing', 'Preparing', 'Reserved'] as const;

export function chargerStatus(connector0: string | undefined, connectors: readonly string[]): string {
  if (connector0 === 'Faulted' || connectors.includes('Faulted')) return 'Faulted';
  if (connector0 === 'Unavailable') return 'Unavailable';
  if (connectors.length === 0) return connector0 ?? 'Available';
  const inService = connectors.filter((s) => s !== 'Unavailable');
  if (inService.length === 0) return 'Unavailable';
  for (const status of RANK) if (inService.includes(status)) return status;
  return inService.find((s) => s !== 'Available') ?? 'Available';
}

/** The same rule over a charger's connector states keyed by connector id (0 is the charger itself). */
export function rolledUpStatus(states: Iterable<{ connectorId: number; status: string }>): string {
  let connector0: string | undefined;
  const connectors: string[] = [];
  for (const s of states) {
    if (s.connectorId === 0) connector0 = s.status;
    else connectors.push(s.status);
  }
  return chargerStatus(connector0, connectors);
}
