import t from 'tap';
import { chargerStatus, rolledUpStatus } from '../../../src/gateway/charger-status.js';

t.test('a charger is as busy as its busiest connector', async (t) => {
  t.equal(chargerStatus('Available', ['Charging']), 'Charging', 'connector 0 Available, connector 1 Charging: Charging (issue #18)');
  t.equal(chargerStatus(undefined, ['Available', 'Charging']), 'Charging', 'a 2.0.1 charger has no connector 0');
  t.equal(chargerStatus('Available', ['SuspendedEV', 'Preparing']), 'SuspendedEV');
  t.equal(chargerStatus('Available', ['Finishing', 'Available']), 'Finishing');
  t.equal(chargerStatus('Available', ['Reserved', 'Available']), 'Reserved');
  t.equal(chargerStatus('Available', ['Available', 'Available']), 'Available');
  t.equal(chargerStatus('Available', ['Occupied', 'Available']), 'Occupied', 'a status outside 1.6 still beats Available');
});

t.test('a fault anywhere is the charger\'s; Unavailable only when the charger or every connector is', async (t) => {
  t.equal(chargerStatus('Faulted', ['Charging']), 'Faulted', 'connector 0 Faulted');
  t.equal(chargerStatus('Available', ['Charging', 'Faulted']), 'Faulted', 'one connector Faulted');
  t.equal(chargerStatus('Unavailable', ['Available']), 'Unavailable', 'the whole charger out of service (1.6 §5.2)');
  t.equal(chargerStatus('Available', ['Unavailable', 'Unavailable']), 'Unavailable', 'every connector');
  t.equal(chargerStatus('Available', ['Unavailable', 'Available']), 'Available', 'one connector out of service, the other free');
  t.equal(chargerStatus('Available', ['Unavailable', 'Charging']), 'Charging');
});

t.test('with no connector known: connector 0, or Available', async (t) => {
  t.equal(chargerStatus(undefined, []), 'Available');
  t.equal(chargerStatus('Preparing', []), 'Preparing');
  t.equal(rolledUpStatus([{ connectorId: 0, status: 'Available' }, { connectorId: 2, status: 'Charging' }, { connectorId: 1, status: 'Available' }]), 'Charging');
  t.equal(rolledUpStatus([]), 'Available');
});
