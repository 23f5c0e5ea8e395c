// The vector grammar shared by CVSS v2, v3.1 and v4.0: `PREFIX/KEY:VALUE/KEY:VALUE…`.
// Each version is a table of metrics (key, name, allowed values in the
// specification's order); this module turns a table into a parser that
// validates a vector and reports the first problem in words a person can act
// on. Written by hand because the parser is the hot path of the calculator
// (≥ 1M vectors/s is the goal) and the npm calculators either throw bare
// "invalid vector" errors or accept duplicates and unknown metrics silently.
import { DomainError } from '../errors.ts';

export type MetricGroup = 'BASE' | 'TEMPORAL' | 'THREAT' | 'ENVIRONMENTAL' | 'SUPPLEMENTAL';

export interface MetricDef {
  readonly key: string;
  readonly name: string;
  readonly group: MetricGroup;
  /** Allowed values as [code, name], in the specification's order. */
  readonly values: readonly (readonly [code: string, name: string])[];
}

/** One metric of a parsed vector, for people. */
export interface CvssMetric {
  key: string;
  name: string;
  group: MetricGroup;
  value: string;
  valueName: string;
}

/** A vector that cannot be scored. Always VALIDATION on the `vector` path. */
export class CvssVectorError extends DomainError {
  constructor(message: string) {
    super('VALIDATION', message, 'vector');
  }
}

const COLON = 58;
const SLASH = 47;

/** Keys are at most 3 characters: pack them into one small integer for a Map lookup without slicing. */
function keyCode(s: string, from: number, to: number): number {
  let code = 0;
  for (let i = from, shift = 0; i < to; i++, shift += 7) code |= (s.charCodeAt(i) & 0x7f) << shift;
  return code;
}

export class VectorGrammar {
  readonly count: number;
  /** Index of the "not defined" value (X or ND) per metric, or -1 when the metric has none. */
  readonly notDefined: Int8Array;
  readonly requiredCount: number;
  private readonly keyIndex = new Map<number, number>();
  /** Per metric: value index by char code for one-character values (-1 = none). */
  private readonly single: Int8Array[];
  private readonly multi: Map<string, number>[];

  constructor(
    /** "CVSS v3.1" — used in messages. */
    readonly label: string,
    /** The mandatory prefix including its slash ("CVSS:3.1/"), or "" for none. */
    readonly prefix: string,
    readonly metrics: readonly MetricDef[],
    /** How many of the first metrics are mandatory (the base metrics). */
    required: number,
  ) {
    this.count = metrics.length;
    this.requiredCount = required;
    this.notDefined = new Int8Array(metrics.length).fill(-1);
    this.single = [];
    this.multi = [];
    metrics.forEach((m, i) => {
      if (m.key.length > 3) throw new Error(`metric key ${m.key} is longer than 3 characters`);
      this.keyIndex.set(keyCode(m.key, 0, m.key.length), i);
      const single = new Int8Array(128).fill(-1);
      const multi = new Map<string, number>();
      m.values.forEach(([code], v) => {
        if (code.length === 1) single[code.charCodeAt(0)] = v;
        else multi.set(code, v);
        if (code === 'X' || code === 'ND') this.notDefined[i] = v;
      });
      this.single.push(single);
      this.multi.push(multi);
    });
  }

  /**
   * Parses `s` from `start` (just after the prefix). Fills `out` with value
   * index + 1 per metric (0 = absent). Returns true when the vector was already
   * canonical: metrics in the specification's order and no "not defined" value.
   */
  parseInto(s: string, start: number, out: Uint8Array): boolean {
    const n = s.length;
    let i = start;
    let last = -1;
    let canonical = true;
    if (i >= n) this.fail(`${this.label} vector has no metrics after "${s.slice(0, start)}"`);
    for (;;) {
      const keyStart = i;
      let c = 0;
      while (i < n) {
        c = s.charCodeAt(i);
        if (c === COLON || c === SLASH) break;
        i++;
      }
      if (i === keyStart) this.fail(this.emptyPart(s, keyStart));
      if (i === n || c !== COLON) {
        this.fail(`"${s.slice(keyStart, i)}" is not a metric:value pair (at character ${keyStart + 1})`);
      }
      const m = i - keyStart <= 3 ? this.keyIndex.get(keyCode(s, keyStart, i)) : undefined;
      if (m === undefined) this.unknownMetric(s.slice(keyStart, i));
      const def = this.metrics[m] as MetricDef;
      i++;
      const valueStart = i;
      while (i < n && s.charCodeAt(i) !== SLASH) i++;
      let v: number | undefined;
      if (i - valueStart === 1) {
        const code = s.charCodeAt(valueStart);
        v = code < 128 ? (this.single[m] as Int8Array)[code] : -1;
      } else {
        v = (this.multi[m] as Map<string, number>).get(s.slice(valueStart, i)) ?? -1;
      }
      if (v === undefined || v < 0) {
        const value = s.slice(valueStart, i);
        if (value === '') this.fail(`${def.name} (${def.key}) has no value (allowed: ${allowed(def)})`);
        this.fail(`${def.key}:${value} is not a value of ${def.name} (allowed: ${allowed(def)})`);
      }
      if (out[m] !== 0) this.fail(`${def.name} (${def.key}) is given twice`);
      out[m] = v + 1;
      if (m < last || v === this.notDefined[m]) canonical = false;
      last = m;
      if (i === n) break;
      i++;
      if (i === n) this.fail(this.emptyPart(s, i));
    }
    for (let r = 0; r < this.requiredCount; r++) {
      if (out[r] === 0) {
        const def = this.metrics[r] as MetricDef;
        const base = this.metrics.slice(0, this.requiredCount).map((d) => d.key);
        this.fail(`${def.name} (${def.key}) is missing: every ${this.label} vector has ${base.join(', ')}`);
      }
    }
    return canonical;
  }

  /** The canonical form: specification order, "not defined" metrics left out. */
  format(values: Uint8Array): string {
    let s = this.prefix;
    let first = true;
    for (let m = 0; m < this.count; m++) {
      const v = values[m] as number;
      if (v === 0 || v - 1 === this.notDefined[m]) continue;
      const def = this.metrics[m] as MetricDef;
      s += `${first ? '' : '/'}${def.key}:${(def.values[v - 1] as readonly [string, string])[0]}`;
      first = false;
    }
    return s;
  }

  /** The given metrics (not-defined ones left out), in specification order, with their names. */
  describe(values: Uint8Array): CvssMetric[] {
    const list: CvssMetric[] = [];
    for (let m = 0; m < this.count; m++) {
      const v = values[m] as number;
      if (v === 0 || v - 1 === this.notDefined[m]) continue;
      const def = this.metrics[m] as MetricDef;
      const [value, valueName] = def.values[v - 1] as readonly [string, string];
      list.push({ key: def.key, name: def.name, group: def.group, value, valueName });
    }
    return list;
  }

  /** True when any metric of `group` has a defined value. */
  hasGroup(values: Uint8Array, group: MetricGroup): boolean {
    for (let m = 0; m < this.count; m++) {
      const v = values[m] as number;
      if (v !== 0 && v - 1 !== this.notDefined[m] && (this.metrics[m] as MetricDef).group === group) return true;
    }
    return false;
  }

  private emptyPart(s: string, at: number): string {
    return `${this.label} vector "${s}" has an empty metric at character ${at + 1} (a doubled or trailing "/")`;
  }

  private unknownMetric(key: string): never {
    const hint = this.metrics.find((d) => d.key.toLowerCase() === key.toLowerCase());
    const keys = this.metrics.map((d) => d.key).join(', ');
    this.fail(
      hint
        ? `${key} is not a ${this.label} metric: metric names are case-sensitive, did you mean ${hint.key}?`
        : `${key} is not a ${this.label} metric (metrics: ${keys})`,
    );
  }

  private fail(message: string): never {
    throw new CvssVectorError(message);
  }
}

function allowed(def: MetricDef): string {
  return def.values.map(([code]) => code).join(', ');
}
