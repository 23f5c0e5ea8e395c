// Does a CVE's configuration apply to one product version's inventory? NVD
// configurations (API 2.0): each is nodes joined by AND or OR (default OR);
// each node is CPE match criteria joined by OR or AND, maybe negated; a
// criterion marked `vulnerable: false` names a platform that must be present
// but is not itself affected (the application on an operating system). A
// configuration applies when it holds and at least one vulnerable criterion
// matched a component: those components are the affected ones.
import { type Cpe, cpeAttributesAgree, cpeVersion, parseCpe } from './cpe.ts';
import { compareVersions, inRange, type VersionRange } from './version.ts';

export interface CpeCriterion extends VersionRange {
  vulnerable: boolean;
  /** A CPE 2.3 formatted string; its version is "*" when a range is given. */
  criteria: string;
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
  /** The component's version when its CPE has none. */
  version: string | null;
}

/** A product version's components by cpe:vendor:product, so a criterion looks only at its own. */
export class Inventory {
  private readonly byKey = new Map<string, InventoryItem[]>();
  constructor(readonly items: readonly InventoryItem[]) {
    for (const item of items) {
      if (!item.cpe) continue;
      const key = `cpe:${item.cpe.vendor}:${item.cpe.product}`;
      const list = this.byKey.get(key);
      if (list) list.push(item);
      else this.byKey.set(key, [item]);
    }
  }
  withKey(key: string): readonly InventoryItem[] {
    return this.byKey.get(key) ?? [];
  }
}

/** Whether one criterion matches one component. */
export function criterionMatches(c: CpeCriterion, parsed: Cpe | null, item: InventoryItem): boolean {
  if (!parsed || !item.cpe) return false;
  if (parsed.vendor !== item.cpe.vendor || parsed.product !== item.cpe.product) return false;
  if (!cpeAttributesAgree(parsed, item.cpe)) return false;
  const exact = cpeVersion(parsed);
  const ranged = c.startIncluding || c.startExcluding || c.endIncluding || c.endExcluding;
  if (!exact && !ranged) return true;
  // A component of unknown version matches only criteria without a version condition.
  const version = cpeVersion(item.cpe) ?? item.version;
  if (!version) return false;
  if (exact) return compareVersions(version, exact) === 0;
  return inRange(version, c);
}

const parsedCache = new Map<string, Cpe | null>();
function parsedCriterion(criteria: string) {
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
export function matchConfiguration(config: Configuration, inventory: Inventory | readonly InventoryItem[]): string[] {
  const index = inventory instanceof Inventory ? inventory : new Inventory(inventory);
  const affected = new Set<string>();
  const results = config.nodes.map((node) => {
    const vulnerable: string[] = [];
    const hits = node.cpeMatch.map((c) => {
      const parsed = parsedCriterion(c.criteria);
      const candidates = parsed ? index.withKey(`cpe:${parsed.vendor}:${parsed.product}`) : [];
      const matched = candidates.filter((item) => criterionMatches(c, parsed, item));
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

/** The vendor:product keys a configuration's criteria name (to find candidate components). */
export function configurationKeys(config: Configuration): string[] {
  const keys = new Set<string>();
  for (const node of config.nodes) {
    for (const c of node.cpeMatch) {
      const p = parsedCriterion(c.criteria);
      if (p && c.vulnerable) keys.add(`cpe:${p.vendor}:${p.product}`);
    }
  }
  return [...keys];
}
