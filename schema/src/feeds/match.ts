// Does a CVE's configuration apply to one product version's inventory? NVD
// configurations (API 2.0): each is nodes joined by AND or OR (default OR);
// each node is CPE match criteria joined by OR or AND, maybe negated; a
// criterion marked `vulnerable: false` names a platform that must be present
// but is not itself affected (the application on an operating system). A
// configuration applies when it holds and at least one vulnerable criterion
// matched a component: those components are the affected ones.
//
// Suppliers' CSAF advisories name products by package URL as often as by CPE,
// with a version or a vers range: such a criterion's `criteria` is the package
// URL without version ("pkg:npm/lodash", as packageurl-js writes it), matched
// against the components' package URLs written the same way.
import { type Cpe, cpeAttributesAgree, cpeKey, cpeVersion, parseCpe } from './cpe.ts';
import { parseVers, versContains } from './vers.ts';
import { compareVersions, inRange, type VersionRange } from './version.ts';

export interface CpeCriterion extends VersionRange {
  vulnerable: boolean;
  /**
   * A CPE 2.3 formatted string (its version "*" when a range is given), or a
   * package URL without version.
   */
  criteria: string;
  /** One version (a package URL criterion's, or a CPE's given apart). */
  version?: string | null;
  /** A vers range ("vers:generic/>=1.0|<1.2.3"), as suppliers' CSAF write them. */
  vers?: string | null;
  /** A package URL criterion's qualifiers (distro, arch…): compared where its type needs them. */
  qualifiers?: Record<string, string> | null;
  /**
   * The version scheme the bounds are written in: an OSV ecosystem ("npm",
   * "PyPI", "Maven"…) or "SEMVER". Absent: the natural order of version.ts.
   */
  scheme?: string | null;
}

/**
 * How versions of a scheme compare: < 0, 0, > 0; null when one of the two is
 * not a version of the scheme (it is then neither matched nor skipped silently:
 * see `MatchOptions.unreadable`).
 */
export type VersionOrder = (a: string, b: string) => number | null;

export interface MatchOptions {
  /** The order of a criterion's scheme (default: the natural order for every scheme). */
  orderOf?: (scheme: string | null | undefined) => VersionOrder;
  /** Told of each component whose version its criterion's scheme cannot read. */
  unreadable?: (item: InventoryItem, version: string, scheme: string) => void;
}

const naturalOrder: VersionOrder = compareVersions;

/**
 * The version scheme of a package URL type (or of a vers scheme, which uses
 * the same names): the ecosystem whose order its versions follow. Types not
 * listed (generic, deb, rpm…) compare in the natural order.
 */
export const PURL_TYPE_SCHEME: Record<string, string> = {
  npm: 'npm',
  pypi: 'PyPI',
  maven: 'Maven',
  gem: 'RubyGems',
  golang: 'Go',
  cargo: 'crates.io',
  nuget: 'NuGet',
  hex: 'Hex',
  pub: 'Pub',
};

/** "pkg:npm/lodash" → "npm". */
const purlType = (purl: string) => {
  const slash = purl.indexOf('/');
  return purl.slice(4, slash > 4 ? slash : undefined).toLowerCase();
};

/** Whether a version lies in a range, in an order that may not read it (null). */
function inRangeBy(version: string, r: VersionRange, order: VersionOrder): boolean | null {
  const cmp = (bound: string) => order(version, bound);
  for (const [bound, ok] of [
    [r.startIncluding, (c: number) => c >= 0],
    [r.startExcluding, (c: number) => c > 0],
    [r.endIncluding, (c: number) => c <= 0],
    [r.endExcluding, (c: number) => c < 0],
  ] as const) {
    if (!bound) continue;
    const c = cmp(bound);
    if (c === null) return null;
    if (!ok(c)) return false;
  }
  return true;
}

export interface ConfigNode {
  operator?: 'OR' | 'AND';
  negate?: boolean;
  cpeMatch: CpeCriterion[];
}

export interface Configuration {
  operator?: 'OR' | 'AND';
  negate?: boolean;
  nodes: ConfigNode[];
}

/** One component of a product version, as matching needs it. */
export interface InventoryItem {
  id: string;
  cpe: Cpe | null;
  /** The component's package URL without version (as packageurl-js writes it). */
  purl?: string | null;
  /** The component's version when its CPE has none. */
  version: string | null;
  /** Its package URL's qualifiers (distro, arch…), if any. */
  qualifiers?: Record<string, string> | null;
}

/**
 * The qualifiers a package URL type needs to name one package: a Debian
 * package of bookworm is not bullseye's, an x86_64 RPM not an aarch64 one.
 * Other qualifiers (Maven's type=jar, classifiers…) do not change which
 * vulnerabilities apply, and are ignored.
 */
export const PURL_IDENTIFYING_QUALIFIERS: Record<string, readonly string[]> = {
  deb: ['distro', 'arch'],
  rpm: ['distro', 'arch'],
  apk: ['distro', 'arch'],
  alpm: ['distro', 'arch'],
};

/** Whether a criterion's and a component's qualifiers name the same package (both given and different: no). */
function sameQualifiers(criteria: string, want: CpeCriterion['qualifiers'], have: InventoryItem['qualifiers']) {
  if (!want || !have) return true;
  for (const q of PURL_IDENTIFYING_QUALIFIERS[purlType(criteria)] ?? []) {
    const a = want[q];
    const b = have[q];
    if (a !== undefined && b !== undefined && a.toLowerCase() !== b.toLowerCase()) return false;
  }
  return true;
}

/** A product version's components by cpe:vendor:product, so a criterion looks only at its own. */
export class Inventory {
  private readonly byKey = new Map<string, InventoryItem[]>();
  constructor(readonly items: readonly InventoryItem[]) {
    for (const item of items) {
      for (const key of itemKeys(item)) {
        const list = this.byKey.get(key);
        if (list) list.push(item);
        else this.byKey.set(key, [item]);
      }
    }
  }
  withKey(key: string): readonly InventoryItem[] {
    return this.byKey.get(key) ?? [];
  }
}

/** The keys a component is found by: cpe:vendor:product and its package URL. */
export function itemKeys(item: InventoryItem): string[] {
  const keys: string[] = [];
  if (item.cpe) keys.push(cpeKey(item.cpe));
  if (item.purl) keys.push(item.purl);
  return keys;
}

const isPurl = (criteria: string) => criteria.startsWith('pkg:');

/** Whether one criterion matches one component. */
export function criterionMatches(
  c: CpeCriterion,
  parsed: Cpe | null,
  item: InventoryItem,
  options: MatchOptions = {},
): boolean {
  let exact: string | null;
  let version: string | null;
  if (isPurl(c.criteria)) {
    if (!item.purl || item.purl !== c.criteria) return false;
    if (!sameQualifiers(c.criteria, c.qualifiers, item.qualifiers)) return false;
    exact = c.version ?? null;
    version = item.version ?? (item.cpe ? cpeVersion(item.cpe) : null);
  } else {
    if (!parsed || !item.cpe) return false;
    if (parsed.vendor !== item.cpe.vendor || parsed.product !== item.cpe.product) return false;
    if (!cpeAttributesAgree(parsed, item.cpe)) return false;
    exact = cpeVersion(parsed) ?? c.version ?? null;
    version = cpeVersion(item.cpe) ?? item.version;
  }
  const ranged = c.startIncluding || c.startExcluding || c.endIncluding || c.endExcluding;
  const vers = c.vers ? parseVers(c.vers) : null;
  // A range that cannot be read matches nothing rather than everything.
  if (c.vers && !vers) return false;
  if (!exact && !ranged && !vers) return true;
  // A component of unknown version matches only criteria without a version condition.
  if (!version) return false;
  // A package URL's versions compare in its type's scheme (npm's semver, PyPI's PEP 440…), or its vers range's.
  const scheme =
    c.scheme ?? (isPurl(c.criteria) ? (PURL_TYPE_SCHEME[vers?.scheme ?? purlType(c.criteria)] ?? null) : null);
  if (scheme) {
    const order = (options.orderOf ?? (() => naturalOrder))(scheme);
    let result: boolean | null;
    if (exact) {
      const cmp = order(version, exact);
      result = cmp === null ? null : cmp === 0;
    } else if (vers) {
      // The vers algorithm in the scheme's order; a version it cannot read stops it.
      const unreadable = Symbol('unreadable');
      try {
        result = versContains(vers, version, (a, b) => {
          const cmp = order(a, b);
          if (cmp === null) throw unreadable;
          return cmp;
        });
      } catch (error) {
        if (error !== unreadable) throw error;
        result = null;
      }
    } else result = inRangeBy(version, c, order);
    if (result === null) options.unreadable?.(item, version, scheme);
    return result === true;
  }
  if (exact) return compareVersions(version, exact) === 0;
  if (vers && !versContains(vers, version)) return false;
  return inRange(version, c);
}

const parsedCache = new Map<string, Cpe | null>();
function parsedCriterion(criteria: string) {
  if (isPurl(criteria)) return null;
  let p = parsedCache.get(criteria);
  if (p === undefined) {
    p = parseCpe(criteria);
    if (parsedCache.size > 200_000) parsedCache.clear();
    parsedCache.set(criteria, p);
  }
  return p;
}

/**
 * The components through which `config` makes the product version vulnerable
 * (ids); empty when it does not apply.
 */
export function matchConfiguration(
  config: Configuration,
  inventory: Inventory | readonly InventoryItem[],
  options: MatchOptions = {},
): string[] {
  const index = inventory instanceof Inventory ? inventory : new Inventory(inventory);
  const affected = new Set<string>();
  const results = config.nodes.map((node) => {
    const vulnerable: string[] = [];
    const hits = node.cpeMatch.map((c) => {
      const parsed = parsedCriterion(c.criteria);
      const key = criterionKey(c.criteria, parsed);
      const candidates = key ? index.withKey(key) : [];
      const matched = candidates.filter((item) => criterionMatches(c, parsed, item, options));
      if (c.vulnerable) vulnerable.push(...matched.map((m) => m.id));
      return matched.length > 0;
    });
    let holds = node.operator === 'AND' ? hits.every(Boolean) : hits.some(Boolean);
    if (node.negate) holds = !holds;
    return { holds, vulnerable: node.negate ? [] : vulnerable };
  });
  let holds = config.operator === 'AND' ? results.every((r) => r.holds) : results.some((r) => r.holds);
  if (config.negate) holds = !holds;
  if (!holds) return [];
  for (const r of results) if (r.holds) for (const id of r.vulnerable) affected.add(id);
  return [...affected];
}

function criterionKey(criteria: string, parsed: Cpe | null): string | null {
  if (isPurl(criteria)) return criteria;
  return parsed ? cpeKey(parsed) : null;
}

/** The keys (cpe:vendor:product, package URLs) a configuration's vulnerable criteria name. */
export function configurationKeys(config: Configuration): string[] {
  const keys = new Set<string>();
  for (const node of config.nodes) {
    for (const c of node.cpeMatch) {
      if (!c.vulnerable) continue;
      const key = criterionKey(c.criteria, parsedCriterion(c.criteria));
      if (key) keys.add(key);
    }
  }
  return [...keys];
}
