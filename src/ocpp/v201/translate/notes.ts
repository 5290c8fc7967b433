/**
 * What a translation between OCPP 2.0.1 and the core's model (today OCPP 1.6 shapes) could not
 * carry over. Pure data: the caller logs and counts them (the edge, src/gateway/edge201/).
 */
export interface TranslationNote {
  /** lost: something the charger sent is not kept; mapped: a value had no equal and got the nearest. */
  kind: 'lost' | 'mapped';
  /** Where, e.g. "meterValue.0.sampledValue.2". */
  path: string;
  detail: string;
}

/** A translation's result and what it could not carry over. */
export interface Translated<T> {
  value: T;
  notes: TranslationNote[];
}
