import t from 'tap';
import { EventBus } from '../../../src/events.js';
import { createLeniencyNotes } from '../../../src/gateway/tolerance.js';
import { capturingLogger } from '../../helpers/gateway.js';

t.test('every leniency is an event; the log has it once per charger and kind', async (t) => {
  const events = new EventBus();
  const seen: string[] = [];
  events.on('ocpp.leniency', (e) => seen.push(`${e.chargerId} ${e.kind}`));
  const log = capturingLogger('info');
  const note = createLeniencyNotes(events);
  const cp1 = log.logger.child({ chargerId: 'CP1' });
  const cp2 = log.logger.child({ chargerId: 'CP2' });
  note('CP1', cp1, 'long-string', 'idTag has 25 characters', 'Authorize');
  note('CP1', cp1, 'long-string', 'idTag has 26 characters', 'StartTransaction');
  note('CP1', cp1, 'enum-mapped', 'errorCode "Error" read as OtherError', 'StatusNotification');
  note('CP2', cp2, 'long-string', 'idTag has 25 characters', 'Authorize');
  t.same(seen, ['CP1 long-string', 'CP1 long-string', 'CP1 enum-mapped', 'CP2 long-string']);
  await new Promise((r) => setImmediate(r));
  t.match(log.entries().map((e) => [e.chargerId, e.kind, e.action, e.detail]), [
    ['CP1', 'long-string', 'Authorize', 'idTag has 25 characters'],
    ['CP1', 'enum-mapped', 'StatusNotification', 'errorCode "Error" read as OtherError'],
    ['CP2', 'long-string', 'Authorize', 'idTag has 25 characters'],
  ]);
  t.equal(log.entries().length, 3);
});
