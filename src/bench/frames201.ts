/**
 * The 2.0.1 bench chargers' frames (pure): a BootNotification, a TransactionEvent `Started`
 * per charger, then `Updated` events carrying the same meter readings as the 1.6 MeterValues
 * load (load.ts meterValuesFrame), so the two lines compare the same work in each protocol.
 * test/unit/bench/frames201.test.ts checks every kind against the OCA 2.0.1 schemas (and the
 * 1.6 line's frames against the 1.6 ones).
 */
import { meterValuesFrame } from './load.js';

/** BootNotificationRequest (2.0.1 §B01): reason and station are required. */
export const bootFrame201: [string, unknown] = ['BootNotification', { reason: 'PowerUp', chargingStation: { vendorName: 'bench', model: 'load' } }];

/** The charger's own transactionId (2.0.1: the station names the transaction, ≤ 36 chars). */
export const benchTransactionId = (charger: number): string => `bench-tx-${charger}`;

/** TransactionEvent `Started` on EVSE 1 (seqNo 0): the transaction the `Updated` events belong to. */
export const transactionStartedFrame = (charger: number): [string, unknown] => {
  const now = new Date().toISOString();
  return [
    'TransactionEvent',
    {
      eventType: 'Started',
      timestamp: now,
      triggerReason: 'Authorized',
      seqNo: 0,
      transactionInfo: { transactionId: benchTransactionId(charger), chargingState: 'Charging' },
      evse: { id: 1, connectorId: 1 },
      idToken: { idToken: `BENCH${charger}`, type: 'ISO14443' },
      meterValue: [{ timestamp: now, sampledValue: [{ value: 1000, context: 'Transaction.Begin', measurand: 'Energy.Active.Import.Register', unitOfMeasure: { unit: 'Wh' } }] }],
    },
  ];
};

/**
 * TransactionEvent `Updated`, triggerReason MeterValuePeriodic (2.0.1 §E02/J02), seqNo one past
 * the Started's and increasing with `seq`, with the 1.6 load's four samples (energy, power,
 * current L1, voltage L1-N). 2.0.1 values are numbers and units sit in unitOfMeasure.
 */
export const transactionUpdatedFrame = (charger: number, seq: number): [string, unknown] => [
  'TransactionEvent',
  {
    eventType: 'Updated',
    timestamp: new Date().toISOString(),
    triggerReason: 'MeterValuePeriodic',
    seqNo: seq + 1,
    transactionInfo: { transactionId: benchTransactionId(charger), chargingState: 'Charging' },
    meterValue: [
      {
        timestamp: new Date().toISOString(),
        sampledValue: [
          { value: 1000 + seq * 10, context: 'Sample.Periodic', measurand: 'Energy.Active.Import.Register', unitOfMeasure: { unit: 'Wh' } },
          { value: 11040, context: 'Sample.Periodic', measurand: 'Power.Active.Import', unitOfMeasure: { unit: 'W' } },
          { value: 16.0, context: 'Sample.Periodic', measurand: 'Current.Import', phase: 'L1', unitOfMeasure: { unit: 'A' } },
          { value: 230 + (charger % 3), context: 'Sample.Periodic', measurand: 'Voltage', phase: 'L1-N', unitOfMeasure: { unit: 'V' } },
        ],
      },
    ],
  },
];

/**
 * The 1.6 line's StartTransaction (1.6 §4.10), sent in its warm-up: the 1.6 chargers then run a
 * transaction as the 2.0.1 ones do after their Started, so both lines do the same work per
 * message (the core's ownership check of the named transaction, the samples filed under it).
 */
export const startTransactionFrame16 = (charger: number): [string, unknown] => [
  'StartTransaction',
  { connectorId: 1, idTag: `BENCH${charger}`, meterStart: 1000, timestamp: new Date().toISOString() },
];

/**
 * The 1.6 load's MeterValues (load.ts meterValuesFrame) naming the charger's running
 * transaction: `transactionIds[charger]` is the id the gateway gave its StartTransaction. Each
 * sample names its context (Sample.Periodic) as the 2.0.1 Updated's do: the context is stored
 * with each sample and is part of the samples' resend index, so a side without it would write
 * fewer bytes per sample.
 */
export const meterValuesInTransactionFrame =
  (transactionIds: readonly number[]) =>
  (charger: number, seq: number): [string, unknown] => {
    const [action, payload] = meterValuesFrame(charger, seq) as [string, { meterValue: { timestamp: string; sampledValue: object[] }[] }];
    const meterValue = payload.meterValue.map((mv) => ({ ...mv, sampledValue: mv.sampledValue.map((sv) => ({ ...sv, context: 'Sample.Periodic' })) }));
    return [action, { ...payload, meterValue, transactionId: transactionIds[charger] }];
  };

/** The 2.0.1 line's ratio to the 1.6 MeterValues line of the same run, against its goal. */
export function ratioVerdict(v201PerSecond: number, v16PerSecond: number, goal = 0.9): { ratio: number; mark: 'PASS' | 'BELOW' } {
  const ratio = v16PerSecond > 0 ? v201PerSecond / v16PerSecond : NaN;
  return { ratio, mark: ratio >= goal ? 'PASS' : 'BELOW' };
}
