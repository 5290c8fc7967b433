/**
 * A measured car on a rotated 3-phase charger: its phases are the site phases the charger's
 * rotation wires them to, not the charger's own numbering (mutation phase-rotation-ignored).
 */
import t from 'tap';
import { allocate } from '../../../src/balancer/allocate.js';
import type { Phase } from '../../../src/balancer/model.js';
import { session, site } from '../../helpers/balancer-site.js';

const NOW = 1_000_000_000;

t.test('a 1-phase car on the L1 of a charger wired L2-L3-L1 loads the site L2, and gets the room of L2', async (t) => {
  // 32 A supply; the house takes 20 A on L2 only: L2 has 12 A left, L1 and L3 32 A.
  const s = site({ supply: 32, chargers: [{ id: 'R', phases: 3, rotation: [1, 2, 0] as [Phase, Phase, Phase] }] });
  const result = allocate({
    site: s,
    connectors: [session('R', { measured: { currents: [16, 0, 0], at: NOW } })],
    otherLoad: { currents: [0, 20, 0] },
    external: [],
    state: {},
    now: NOW,
  });
  const r = result.connectors[0]!;
  t.same(r.phases, [1], "the charger's L1 is the site's L2");
  t.equal(r.amps, 12, 'limited by the 12 A left on L2, not by the 32 A of L1');
  t.same(result.load, [0, 12, 0], 'the load lands on the site L2');
});
