/**
 * The tariff and session costs on MQTT (src/cost), retained, one value per topic:
 *   <prefix>/tariff/price                                   the price per kWh now ('none': no price)
 *   <prefix>/chargers/<id>/connectors/<n>/session/cost      the running session's cost so far;
 *                                                           its final cost once it ended, until the next starts
 */
import type { GatewayEvents } from '../events.js';
import type { Topics } from './topics.js';

type Listen = <K extends 'session.cost' | 'tariff.price'>(name: K, handle: (payload: GatewayEvents[K]) => void) => void;

export function mirrorCost(listen: Listen, topics: Topics, publisher: { state(topic: string, value: string, qos: 0 | 1): void }, priceNow: () => number | undefined): void {
  const price = (value: number | null | undefined) => publisher.state(topics.tariffPrice, value === null || value === undefined ? 'none' : String(value), 1);
  price(priceNow());
  listen('tariff.price', (e) => price(e.price));
  listen('session.cost', (e) => publisher.state(topics.connector(e.chargerId, e.connectorId, 'session/cost'), String(e.cost.amount), 1));
}
