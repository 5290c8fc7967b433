import t from 'tap';
import { decideIdTag } from '../../../src/gateway/authorize.js';
import type { AuthEntry } from '../../../src/store/ports.js';

const NOW = new Date('2025-06-01T12:00:00Z');
const entry = (status: AuthEntry['status'], extra: Partial<AuthEntry> = {}): AuthEntry => ({ idTag: 'T', status, ...extra });

t.test('list mode: listed tags get their status, unlisted ones Invalid', async (t) => {
  t.same(decideIdTag('list', entry('Accepted'), undefined, NOW), { status: 'Accepted' });
  t.same(decideIdTag('list', entry('Blocked'), undefined, NOW), { status: 'Blocked' });
  t.same(decideIdTag('list', entry('Invalid'), undefined, NOW), { status: 'Invalid' });
  t.same(decideIdTag('list', undefined, undefined, NOW), { status: 'Invalid' });
});

t.test('accept-all: unlisted tags are Accepted, but a Blocked tag stays Blocked', async (t) => {
  t.same(decideIdTag('accept-all', undefined, undefined, NOW), { status: 'Accepted' });
  t.same(decideIdTag('accept-all', entry('Blocked'), undefined, NOW), { status: 'Blocked' });
  t.same(decideIdTag('accept-all', entry('Accepted', { expiryDate: '2020-01-01T00:00:00Z' }), undefined, NOW).status, 'Expired');
});

t.test('expiry: at or after expiryDate the tag is Expired; the date is passed on', async (t) => {
  t.same(decideIdTag('list', entry('Accepted', { expiryDate: '2025-06-01T12:00:01Z' }), undefined, NOW), { status: 'Accepted', expiryDate: '2025-06-01T12:00:01Z' });
  t.same(decideIdTag('list', entry('Accepted', { expiryDate: '2025-06-01T12:00:00Z' }), undefined, NOW), { status: 'Expired', expiryDate: '2025-06-01T12:00:00Z' });
  t.same(decideIdTag('list', entry('Accepted', { expiryDate: '2025-06-01T14:00:00+02:00' }), undefined, NOW).status, 'Expired', 'offsets are honoured');
  t.same(decideIdTag('list', entry('Blocked', { expiryDate: '2020-01-01T00:00:00Z' }), undefined, NOW).status, 'Blocked', 'Blocked is not softened to Expired');
});

t.test('a blocked or expired parent takes its members with it', async (t) => {
  const member = entry('Accepted', { parentIdTag: 'FAMILY' });
  t.same(decideIdTag('list', member, { idTag: 'FAMILY', status: 'Accepted' }, NOW), { status: 'Accepted', parentIdTag: 'FAMILY' });
  t.same(decideIdTag('list', member, { idTag: 'FAMILY', status: 'Blocked' }, NOW), { status: 'Blocked', parentIdTag: 'FAMILY' });
  t.same(decideIdTag('list', member, { idTag: 'FAMILY', status: 'Accepted', expiryDate: '2021-01-01T00:00:00Z' }, NOW).status, 'Expired');
  t.same(decideIdTag('accept-all', member, { idTag: 'FAMILY', status: 'Blocked' }, NOW).status, 'Blocked', 'also in accept-all');
  t.same(decideIdTag('list', member, undefined, NOW), { status: 'Accepted', parentIdTag: 'FAMILY' }, 'an unlisted parent is only a group name');
});
