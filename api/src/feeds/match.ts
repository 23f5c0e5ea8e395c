// Matching third-party CVEs against the inventory. Candidates come from an
// index join (vulnerability_criterion.key = the component's cpe:vendor:product
// or its package URL without version),
// then each candidate CVE's configurations are evaluated against the whole
// inventory of each product version holding such a component (AND
// configurations need their platform in the same product version). Every
// affected component gets one assessment per CVE, created IN_TRIAGE; existing
// assessments are left as the analysts set them.
import type { Db } from '@psirt/db';
import {
  type Configuration,
  criterionMatches,
  Inventory,
  type InventoryItem,
  itemKeys,
  type MatchOptions,
  matchConfiguration,
  parseCpe,
  type SupplierMetric,
  supplierScore,
} from '@psirt/schema';
import { v7 as uuidv7 } from 'uuid';
import type { LiveBus } from '../live/bus.ts';
import type { SupplierAdvisoryEntry } from './csaf.ts';
import { purlKey } from './purl.ts';
import { versionOrder } from './versions.ts';

export interface MatchSummary {
  /** (CVE, product version) pairs evaluated. */
  evaluated: number;
  /** Components found affected (existing assessments included). */
  matches: number;
  /** Assessments created now. */
  created: number;
  /** Ids of the assessments created. */
  createdIds: string[];
  /**
   * Components whose version a criterion's scheme cannot read (an OSV range in
   * PEP 440 against "2.x-custom"): neither matched nor skipped in silence.
   */
  unreadable: { componentId: string; version: string; scheme: string }[];
}

interface Held extends InventoryItem {
  productVersionId: string;
  productId: string;
}

/**
 * Matches `vulnerabilityIds` (or every CVE) against `productVersionIds` (or
 * the whole inventory) and records new assessments.
 */
export async function matchInventory(
  db: Db,
  scope: { vulnerabilityIds?: readonly string[]; productVersionIds?: readonly string[] } = {},
  options: { live?: LiveBus } = {},
): Promise<MatchSummary> {
  const summary: MatchSummary = { evaluated: 0, matches: 0, created: 0, createdIds: [], unreadable: [] };
  const unreadableSeen = new Set<string>();
  const matchOptions: MatchOptions = {
    orderOf: versionOrder,
    unreadable: (item, version, scheme) => {
      const key = `${item.id} ${scheme}`;
      if (unreadableSeen.has(key)) return;
      unreadableSeen.add(key);
      summary.unreadable.push({ componentId: item.id, version, scheme });
    },
  };
  const components = await db.component.findMany({
    where: scope.productVersionIds ? { productVersionId: { in: [...scope.productVersionIds] } } : {},
    select: {
      id: true,
      cpe: true,
      purl: true,
      version: true,
      productVersionId: true,
      productVersion: { select: { productId: true } },
    },
  });
  const byVersion = new Map<string, Held[]>();
  const keys = new Set<string>();
  for (const c of components) {
    const cpe = c.cpe ? parseCpe(c.cpe) : null;
    const purl = c.purl ? purlKey(c.purl) : null;
    const held: Held = {
      id: c.id,
      cpe,
      purl: purl?.key ?? null,
      qualifiers: purl?.qualifiers ?? null,
      version: c.version ?? purl?.version ?? null,
      productVersionId: c.productVersionId,
      productId: c.productVersion.productId,
    };
    const list = byVersion.get(c.productVersionId) ?? [];
    list.push(held);
    byVersion.set(c.productVersionId, list);
    for (const k of itemKeys(held)) keys.add(k);
  }
  if (keys.size === 0) return summary;
  const inventories = new Map([...byVersion].map(([pv, list]) => [pv, new Inventory(list)]));
  const productOf = new Map(components.map((c) => [c.id, c.productVersion.productId]));
  // Product versions by key, to evaluate a CVE only where it can apply.
  const versionsByKey = new Map<string, Set<string>>();
  for (const [pv, list] of byVersion) {
    for (const h of list) {
      for (const k of itemKeys(h)) {
        const set = versionsByKey.get(k) ?? new Set<string>();
        set.add(pv);
        versionsByKey.set(k, set);
      }
    }
  }
  const keyList = [...keys];
  const candidates = new Map<string, Set<string>>();
  for (let i = 0; i < keyList.length; i += 1000) {
    const rows = await db.vulnerabilityCriterion.findMany({
      where: {
        key: { in: keyList.slice(i, i + 1000) },
        ...(scope.vulnerabilityIds ? { vulnerabilityId: { in: [...scope.vulnerabilityIds] } } : {}),
      },
      select: { vulnerabilityId: true, key: true },
    });
    for (const r of rows) {
      const set = candidates.get(r.vulnerabilityId) ?? new Set<string>();
      for (const pv of versionsByKey.get(r.key) ?? []) set.add(pv);
      candidates.set(r.vulnerabilityId, set);
    }
  }
  const ids = [...candidates.keys()];
  for (let i = 0; i < ids.length; i += 1000) {
    const vulns = await db.thirdPartyVulnerability.findMany({
      where: { id: { in: ids.slice(i, i + 1000) } },
      select: { id: true, configurations: true, advisories: true },
    });
    const found: { componentId: string; vulnerabilityId: string; productId: string }[] = [];
    for (const v of vulns) {
      // NVD's configurations and every supplier advisory's.
      const configurations = [
        ...(v.configurations as unknown as Configuration[]),
        ...(v.advisories as unknown as SupplierAdvisoryEntry[]).flatMap((a) => a.configurations),
      ];
      for (const pv of candidates.get(v.id) ?? []) {
        const inventory = inventories.get(pv) as Inventory;
        summary.evaluated += 1;
        const affected = new Set(configurations.flatMap((c) => matchConfiguration(c, inventory, matchOptions)));
        for (const componentId of affected) {
          found.push({ componentId, vulnerabilityId: v.id, productId: productOf.get(componentId) as string });
        }
      }
    }
    summary.matches += found.length;
    if (found.length) {
      // One statement for the batch (see feeds/nvd.ts for why not createMany);
      // an assessment that exists keeps its state: ON CONFLICT DO NOTHING.
      const now = new Date().toISOString();
      const rows = found.map((f) => ({ id: uuidv7(), ...f }));
      const created = await db.$queryRaw<{ id: string }[]>`
        INSERT INTO "component_assessment" ("id", "component_id", "vulnerability_id", "product_id", "matched_at",
          "created_at", "updated_at")
        SELECT x."id", x."componentId", x."vulnerabilityId", x."productId", ${now}::timestamptz, ${now}::timestamptz,
          ${now}::timestamptz
        FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
          AS x("id" uuid, "componentId" uuid, "vulnerabilityId" uuid, "productId" uuid)
        ON CONFLICT ("component_id", "vulnerability_id") DO NOTHING
        RETURNING "id"`;
      summary.created += created.length;
      summary.createdIds.push(...created.map((c) => c.id));
      // Ids only, like every live event: each subscriber reloads what it may see.
      if (created.length) options.live?.publish('assessment', { assessmentIds: created.map((c) => c.id) });
    }
  }
  return summary;
}

/**
 * The score shown beside the AVSS for one matched component: a supplier's own
 * (its CSAF advisory's) only when the component is one of that supplier's
 * products — matched through its product tree — else NVD's primary score,
 * else another source's (the CNA's, OSV's). Every score keeps its source.
 */
export function supplierScoreFor(
  v: { metrics: unknown; advisories: unknown },
  component: { id: string; cpe: string | null; purl: string | null; version: string | null },
): SupplierMetric | null {
  const purl = component.purl ? purlKey(component.purl) : null;
  const item: InventoryItem = {
    id: component.id,
    cpe: component.cpe ? parseCpe(component.cpe) : null,
    purl: purl?.key ?? null,
    qualifiers: purl?.qualifiers ?? null,
    version: component.version ?? purl?.version ?? null,
  };
  const options: MatchOptions = { orderOf: versionOrder };
  const names = (a: SupplierAdvisoryEntry) =>
    a.configurations.some((c) =>
      c.nodes.some((n) =>
        n.cpeMatch.some((m) => m.vulnerable && criterionMatches(m, parseCpe(m.criteria), item, options)),
      ),
    );
  const metrics = [
    ...(v.metrics as SupplierMetric[]),
    ...(v.advisories as SupplierAdvisoryEntry[]).flatMap((a) =>
      a.metrics.filter((m) => m.type !== 'Supplier' || names(a)),
    ),
  ];
  return supplierScore(metrics);
}
