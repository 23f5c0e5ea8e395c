// Version range specifiers ("vers", from the package-url project:
// vers:<scheme>/<constraint>|<constraint>…, each constraint a comparator
// (=, !=, <, <=, >, >=) and a version, or "*" for every version). CSAF 2.0
// suppliers write them in `product_version_range` branches. No maintained
// JavaScript implementation is on npm, and the algorithm is short, so it is
// written here. Versions compare in the natural order of version.ts whatever
// the scheme: close to semver for npm, and usable for the free-form versions
// ("generic", "deb", OpenSSL's letters) the feeds carry.
import { compareVersions as naturalCompare } from './version.ts';

export type Comparator = '=' | '!=' | '<' | '<=' | '>' | '>=';

export interface VersConstraint {
  comparator: Comparator;
  version: string;
}

export interface Vers {
  scheme: string;
  /** Null for "*": every version. */
  constraints: VersConstraint[] | null;
}

/** Parses a vers string; null when it is not one. */
export function parseVers(text: string): Vers | null {
  const m = /^vers:([a-z0-9.+-]+)\/(.+)$/i.exec(text.replace(/\s+/g, ''));
  if (!m) return null;
  const scheme = (m[1] as string).toLowerCase();
  const body = m[2] as string;
  if (body === '*') return { scheme, constraints: null };
  const constraints: VersConstraint[] = [];
  for (const part of body.split('|')) {
    const c = /^(!=|<=|>=|<|>|=)?(.+)$/.exec(part);
    if (!c?.[2]) return null;
    constraints.push({ comparator: (c[1] ?? '=') as Comparator, version: decodeURIComponent(c[2]) });
  }
  return constraints.length ? { scheme, constraints } : null;
}

/** Whether `version` is in the range (the vers specification's algorithm), in `compare`'s order. */
export function versContains(
  range: Vers,
  version: string,
  compareVersions: (a: string, b: string) => number = naturalCompare,
): boolean {
  if (!range.constraints) return true;
  let ranged: VersConstraint[] = [];
  for (const c of range.constraints) {
    const cmp = compareVersions(version, c.version);
    if (cmp === 0) {
      if (c.comparator === '!=') return false;
      if (c.comparator === '=' || c.comparator === '<=' || c.comparator === '>=') return true;
    }
    if (c.comparator !== '=' && c.comparator !== '!=') ranged.push(c);
  }
  // Only "!=" constraints (and the version is none of them): everything else is in.
  if (ranged.length === 0) return range.constraints.every((c) => c.comparator === '!=');
  ranged = ranged.sort((a, b) => compareVersions(a.version, b.version));
  const first = ranged[0] as VersConstraint;
  const last = ranged[ranged.length - 1] as VersConstraint;
  if ((first.comparator === '<' || first.comparator === '<=') && compareVersions(version, first.version) < 0) {
    return true;
  }
  if ((last.comparator === '>' || last.comparator === '>=') && compareVersions(version, last.version) > 0) {
    return true;
  }
  // Each lower bound followed by an upper bound is one interval.
  for (let i = 0; i + 1 < ranged.length; i++) {
    const lo = ranged[i] as VersConstraint;
    const hi = ranged[i + 1] as VersConstraint;
    if (
      (lo.comparator === '>' || lo.comparator === '>=') &&
      (hi.comparator === '<' || hi.comparator === '<=') &&
      compareVersions(version, lo.version) > 0 &&
      compareVersions(version, hi.version) < 0
    ) {
      return true;
    }
  }
  return false;
}
