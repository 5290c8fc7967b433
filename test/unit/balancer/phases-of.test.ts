import t from 'tap';
import { defaultCharger, phasesOf } from '../../../src/balancer/allocate.js';
import { SUPPLY, type ChargerModel, type Phase, type SiteModel } from '../../../src/balancer/model.js';
import { siteIndex } from '../../../src/balancer/site-index.js';

// phasesOf() hands out shared lists (one per phase sequence) instead of a new array per
// connector and run. What it says must stay what the rule says (allocate.ts): the phases whose
// currents exceed the threshold, in the charger's order; else the car's declared count of the
// charger's first phases; a switch to three phases counts all of them.
const site: SiteModel = {
  supply: { maxCurrent: 63, phases: 3, voltage: 230, margin: 0 },
  circuits: new Map([[SUPPLY, { id: SUPPLY, parent: undefined, maxCurrent: 63 }]]),
  chargers: new Map(),
  balancing: { settleMs: 0, releaseHeadroom: 2, turnMs: 900_000, maxWaitMs: 1_800_000, phaseThreshold: 1 },
};
const index = siteIndex(site);
const ROTATIONS: [Phase, Phase, Phase][] = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];

/** The rule written out plainly, with a new array each time. */
function expected(charger: ChargerModel, currents: number[] | undefined, evPhases: 1 | 2 | 3 | undefined, switched: 1 | 3 | undefined, partial = false): Phase[] {
  const wired = [...charger.rotation];
  if (switched === 3) return wired;
  const declared = switched === 1 ? 1 : evPhases;
  // A reading that left out phases (car-reading.ts) tells none.
  const used = partial ? [] : (currents ?? []).flatMap((a, i) => (a > 1 ? [charger.rotation[i]!] : []));
  if (used.length > 0) return used;
  return declared !== undefined && declared < 3 ? wired.slice(0, declared) : wired;
}

t.test('every rotation, reading, declared count and switch: the rule, as one shared, frozen list', async (t) => {
  let cases = 0;
  for (const rotation of ROTATIONS) {
    const charger: ChargerModel = { ...defaultCharger(`CP-${rotation.join('')}`), rotation };
    for (let mask = -1; mask < 8; mask++) {
      const currents = mask < 0 ? undefined : [0, 1, 2].map((i) => (mask & (1 << i) ? 16 : 0.5));
      for (const evPhases of [undefined, 1, 2, 3] as const) {
        for (const switched of [undefined, 1, 3] as const) {
          const measured = currents ? { currents: currents as [number, number, number], at: 0 } : undefined;
          const got = phasesOf(charger, index, measured, 1, evPhases, switched);
          t.same([...got], expected(charger, currents, evPhases, switched), `rotation ${rotation.join('')}, currents ${currents?.join('/') ?? 'none'}, declared ${evPhases}, switched ${switched}`);
          if (measured) {
            const partial = phasesOf(charger, index, { ...measured, partial: true }, 1, evPhases, switched);
            t.same([...partial], expected(charger, currents, evPhases, switched, true), `the same, read from a partial reading`);
          }
          t.equal(phasesOf(charger, index, measured, 1, evPhases, switched), got, 'the same list again, not a copy');
          cases++;
        }
      }
    }
  }
  t.equal(cases, 6 * 9 * 4 * 3);
});

t.test('a shared list cannot be changed by whoever holds it', async (t) => {
  const charger = { ...defaultCharger('CP-1'), rotation: [1, 2, 0] as [Phase, Phase, Phase] };
  const got = phasesOf(charger, index, { currents: [16, 0, 0], at: 0 }, 1);
  t.same([...got], [1]);
  t.throws(() => (got as Phase[]).push(2), TypeError);
});
