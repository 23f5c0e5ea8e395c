// What `psirt feeds import` and the scheduled imports are given: files or
// URLs, each an NVD API 2.0 response page, a supplier's CSAF 2.0 advisory, or
// a CSAF provider's ROLIE feed — told apart by their content. Everything is
// imported first, then what is new or changed is matched once.
import { pathToFileURL } from 'node:url';
import type { Db } from '@psirt/db';
import type { LiveBus } from '../live/bus.ts';
import { importCsafDocuments } from './csaf.ts';
import { type MatchSummary, matchInventory } from './match.ts';
import { emptySummary, type ImportSummary, importNvdRecords, recordsOf } from './nvd.ts';
import { defaultLoader, importRolieFeed, type Loader } from './rolie.ts';

export type FeedSource =
  | { kind: 'nvd'; name: string; records: unknown[] }
  | { kind: 'csaf'; name: string; json: unknown }
  /** `feed`: the feed as already read (when it was read to tell what it is). */
  | { kind: 'rolie'; name: string; url: URL; feed?: unknown };

/** Tells what a feed document is; throws with a message naming it when it is none of them. */
export function classifyFeed(json: unknown, name: string, url: URL): FeedSource {
  const o = (json ?? {}) as Record<string, unknown>;
  if (Array.isArray(o.vulnerabilities) && !o.document) return { kind: 'nvd', name, records: recordsOf(json, name) };
  if (o.document && typeof o.document === 'object' && 'csaf_version' in o.document) {
    return { kind: 'csaf', name, json };
  }
  if (o.feed && typeof o.feed === 'object' && 'entry' in o.feed) return { kind: 'rolie', name, url, feed: json };
  throw new Error(`${name}: neither an NVD CVE API 2.0 page, a CSAF 2.0 document nor a ROLIE feed`);
}

/** Reads and classifies a file path or an http(s) URL. */
export async function loadFeed(input: string, load: Loader = defaultLoader()): Promise<FeedSource> {
  const url = /^https?:\/\//.test(input) ? new URL(input) : pathToFileURL(input);
  const text = (await load(url)).toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${input}: ${(error as Error).message}`);
  }
  return classifyFeed(json, input, url);
}

export interface FeedsResult extends ImportSummary {
  matched: MatchSummary;
}

/**
 * Imports the sources in order, then matches what changed.
 * `progress(label, done, total)` reports each source's advance.
 */
export async function importFeedSources(
  db: Db,
  sources: readonly FeedSource[],
  options: { load?: Loader; live?: LiveBus; progress?: (label: string, done: number, total: number) => void } = {},
): Promise<FeedsResult> {
  const summary = emptySummary();
  const nvd = sources.flatMap((s) => (s.kind === 'nvd' ? s.records : []));
  if (nvd.length) {
    await importNvdRecords(db, nvd, { summary, progress: (n) => options.progress?.('NVD records', n, nvd.length) });
  }
  const csaf = sources.flatMap((s) => (s.kind === 'csaf' ? [{ name: s.name, json: s.json }] : []));
  if (csaf.length) {
    await importCsafDocuments(db, csaf, {
      summary,
      progress: (n) => options.progress?.('CSAF advisories', n, csaf.length),
    });
  }
  for (const s of sources) {
    if (s.kind !== 'rolie') continue;
    try {
      await importRolieFeed(db, s.url, {
        summary,
        feed: s.feed,
        load: options.load,
        progress: (n, total) => options.progress?.(`ROLIE ${s.name}`, n, total),
      });
    } catch (error) {
      // The feed itself unreadable: said, and what the other sources brought is still matched.
      summary.skipped.push({ id: s.name, reason: (error as Error).message });
    }
  }
  const matched = await matchInventory(db, { vulnerabilityIds: summary.changed }, { live: options.live });
  return { ...summary, matched };
}
