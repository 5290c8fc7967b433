/**
 * The per-phase constraints of one allocation, as flat arrays indexed by constraint number
 * (see site-index.ts): what is left on each, and the lowest priority admitted on it (which
 * tells a paused session whether it waits for its turn or for higher priorities).
 */
import { PHASE_NAMES, type ChargerModel, type Phase } from './model.js';
import type { SiteIndex } from './site-index.js';

interface ConstraintName {
  readonly kind: 'supply' | 'circuit' | 'charger';
  readonly id: string;
  readonly phase: Phase;
}

export class ConstraintTable {
  /** A per phase still free on each constraint; negative when fixed loads overfill it. */
  readonly remaining: number[];
  /** Each constraint's capacity before anything was taken. */
  private readonly caps: number[];
  readonly lowestAdmitted: number[];
  private readonly circuits: number;
  private readonly chargerBase = new Map<string, number>();
  private readonly chargerIds: string[] = [];
  private readonly names: (ConstraintName | undefined)[] = [];

  constructor(private readonly index: SiteIndex, supplyRoom: readonly number[]) {
    this.circuits = index.circuitIds.length;
    const n = this.circuits * 3;
    this.remaining = new Array<number>(n);
    for (let c = 0; c < this.circuits; c++) {
      for (let p = 0; p < 3; p++) this.remaining[c * 3 + p] = c === 0 ? supplyRoom[p]! : index.circuitCaps[c]!;
    }
    this.lowestAdmitted = new Array<number>(n).fill(Infinity);
    this.caps = this.remaining.slice();
  }

  /** The same constraints, numbered alike, with nothing taken and another supply room. */
  reopened(supplyRoom: readonly number[]): ConstraintTable {
    const copy = new ConstraintTable(this.index, supplyRoom);
    for (const id of this.chargerIds) {
      const base = copy.remaining.length;
      copy.chargerBase.set(id, base);
      copy.chargerIds.push(id);
      for (let p = 0; p < 3; p++) {
        copy.remaining.push(this.caps[base + p]!);
        copy.caps.push(this.caps[base + p]!);
        copy.lowestAdmitted.push(Infinity);
      }
    }
    return copy;
  }

  /** The constraint of a multi-connector charger's own maximum, shared by its connectors. */
  ofCharger(charger: ChargerModel, phase: Phase): number {
    let base = this.chargerBase.get(charger.id);
    if (base === undefined) {
      base = this.remaining.length;
      this.chargerBase.set(charger.id, base);
      this.chargerIds.push(charger.id);
      this.remaining.push(charger.maxCurrent, charger.maxCurrent, charger.maxCurrent);
      this.caps.push(charger.maxCurrent, charger.maxCurrent, charger.maxCurrent);
      this.lowestAdmitted.push(Infinity, Infinity, Infinity);
    }
    return base + phase;
  }

  /** Its name; made once per constraint (a full one names every connector it stopped). */
  name(c: number): ConstraintName {
    let name = this.names[c];
    if (name) return name;
    const phase = (c % 3) as Phase;
    const circuit = Math.floor(c / 3);
    if (circuit === 0) name = { kind: 'supply', id: 'supply', phase };
    else if (circuit < this.circuits) name = { kind: 'circuit', id: this.index.circuitIds[circuit]!, phase };
    else name = { kind: 'charger', id: this.chargerIds[circuit - this.circuits]!, phase };
    this.names[c] = name;
    return name;
  }

  /** "the supply's L2", "circuit garage L1", "charger CP1 L3": for pause reasons. */
  describe(c: number): string {
    const { kind, id, phase } = this.name(c);
    if (kind === 'supply') return `the supply's ${PHASE_NAMES[phase]}`;
    return `${kind} ${id} ${PHASE_NAMES[phase]}`;
  }
}
