/**
 * What the outside (MQTT commands, the HTTP API, the cloud) may ask of the site's load
 * balancing, in one small interface. The balancer implements it; MQTT and HTTP call it. When
 * no balancer runs (no `site:` in the config), callers answer "rejected: load balancing is not
 * configured" instead of pretending.
 */
export interface ControlResult {
  accepted: boolean;
  /** Why, in words a person understands: shown on the MQTT result topic and in the API. */
  reason: string;
  /** An OCPP command's answer from the charger, whole (the security extension's commands). */
  answer?: unknown;
  /**
   * A limit sent to the charger: settles with its answer (accepted false: it refused it, or the
   * call failed, with the reason). Left out when nothing was sent now (offline, unchanged).
   */
  applied?: Promise<ControlResult>;
}

export interface LimitControl {
  /**
   * Caps a charger (connectorId undefined) or one connector at `amps` per phase; null removes
   * the cap. `source` names who asked ("mqtt", "http", "cloud"), shown as the reason.
   */
  setCap(chargerId: string, connectorId: number | undefined, amps: number | null, source: string): ControlResult;
  /** A temporary site limit in A per phase (demand response) for `durationS` seconds; null clears it. */
  setSiteLimit(amps: number | null, durationS: number, source: string): ControlResult;
}
