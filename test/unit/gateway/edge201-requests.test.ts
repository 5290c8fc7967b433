/**
 * The edge's memory of firmware and log requestIds (src/gateway/edge201/requests.ts): per charger
 * and kind, the newest few, a requestId of one kind never answering for the other.
 */
import t from 'tap';
import { createRequestPairs } from '../../../src/gateway/edge201/requests.js';

t.test('origins are kept per charger and kind; the oldest go once a charger has had many', async (t) => {
  const pairs = createRequestPairs();
  const first = pairs.next();
  t.not(pairs.next(), first, 'fresh ids');
  pairs.sent('CP1', 10, 'UpdateFirmware');
  pairs.sent('CP1', 10, 'GetLog');
  pairs.sent('CP2', 10, 'SignedUpdateFirmware');
  t.equal(pairs.originOf('CP1', 'firmware', 10), 'UpdateFirmware');
  t.equal(pairs.originOf('CP1', 'log', 10), 'GetLog', 'the same id for a log request is another request');
  t.equal(pairs.originOf('CP2', 'firmware', 10), 'SignedUpdateFirmware');
  t.equal(pairs.originOf('CP2', 'log', 10), undefined);
  t.equal(pairs.originOf('CP1', 'firmware', undefined), undefined, 'no requestId: no pairing');
  pairs.sent('CP1', 10, 'SignedUpdateFirmware');
  t.equal(pairs.originOf('CP1', 'firmware', 10), 'SignedUpdateFirmware', 'the id sent again: its latest origin');

  for (let id = 100; id < 108; id++) pairs.sent('CP1', id, 'UpdateFirmware');
  t.equal(pairs.originOf('CP1', 'firmware', 10), undefined, 'the oldest firmware request forgotten after eight newer ones');
  t.equal(pairs.originOf('CP1', 'firmware', 100), 'UpdateFirmware');
  t.equal(pairs.originOf('CP1', 'log', 10), 'GetLog', 'the log requests are not pushed out by firmware ones');
});
