// What `psirt feeds import` and the scheduled imports are given: files,
// directories, zip files or URLs, each an NVD API 2.0 response page, a
// supplier's CSAF 2.0 advisory, a CSAF provider's ROLIE feed, or OSV records
// (one file each, a JSON array of them, or osv.dev's per-ecosystem zip) —
// told apart by their content. Everything is imported first, then what is new
// or changed is matched once.
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Db } from '@psirt/db';
import { gunzipSync, unzipSync } from 'fflate';
import type { LiveBus } from '../live/bus.ts';
import { importCsafDocuments } from './csaf.ts';
import { importCve5Records, isCve5 } from './cve5.ts';
import { type MatchSummary, matchInventory } from './match.ts';
import { emptySummary, type ImportSummary, importNvdRecords, recordsOf } from './nvd.ts';
import { importOsvRecords, isOsv } from './osv.ts';
import { defaultLoader, importRolieFeed, type Loader } from './rolie.ts';
import { applySignals, importEpss, importKev, isEpss, isKev } from './signals.ts';

export type FeedSource =
  | { kind: 'nvd'; name: string; records: unknown[] }
  | { kind: 'csaf'; name: string; json: unknown }
  /**
   * `feed`: the feed as already read (when it was read to tell what it is);
   * `pinned`: a key fingerprint its entries must be signed with (the URL's #key=…).
   */
  | { kind: 'rolie'; name: string; url: URL; feed?: unknown; pinned?: string | null }
  /** A CSAF provider's metadata: its ROLIE feeds are read, with the keys it names. */
  | { kind: 'provider'; name: string; url: URL; json: unknown; pinned?: string | null }
  /** OSV records, each with where it came from (a file, a zip entry). */
  | { kind: 'osv'; name: string; records: { name: string; json: unknown }[] }
  /** CVE JSON 5 records (cvelistV5), each with where it came from. */
  | { kind: 'cve5'; name: string; records: { name: string; json: unknown }[] }
  /** CISA's KEV catalogue (JSON), FIRST's EPSS scores (CSV). */
  | { kind: 'kev'; name: string; json: unknown }
  | { kind: 'epss'; name: string; text: string };

/** Tells what a feed document is; throws with a message naming it when it is none of them. */
export function classifyFeed(json: unknown, name: string, url: URL): FeedSource {
  const o = (json ?? {}) as Record<string, unknown>;
  if (isKev(json)) return { kind: 'kev', name, json };
  if (Array.isArray(o.vulnerabilities) && !o.document) return { kind: 'nvd', name, records: recordsOf(json, name) };
  if (o.document && typeof o.document === 'object' && 'csaf_version' in o.document) {
    return { kind: 'csaf', name, json };
  }
  const pinned = pinnedKey(url);
  if (o.feed && typeof o.feed === 'object' && 'entry' in o.feed) {
    return { kind: 'rolie', name, url: withoutPin(url), feed: json, pinned };
  }
  if (typeof o.canonical_url === 'string' && Array.isArray(o.distributions)) {
    return { kind: 'provider', name, url: withoutPin(url), json, pinned };
  }
  if (isCve5(json)) return { kind: 'cve5', name, records: [{ name, json }] };
  if (isOsv(json)) return { kind: 'osv', name, records: [{ name, json }] };
  if (Array.isArray(json) && json.length > 0 && json.every(isOsv)) {
    return { kind: 'osv', name, records: json.map((r, i) => ({ name: `${name}[${i}]`, json: r })) };
  }
  throw new Error(
    `${name}: neither an NVD CVE API 2.0 page, a CSAF 2.0 document, a ROLIE feed, an OSV record, a CVE JSON 5 record nor the KEV catalogue`,
  );
}

/** The key fingerprint a source pins with "#key=<fingerprint>" after its URL. */
export function pinnedKey(url: URL): string | null {
  const m = /^#key=([0-9A-Fa-f ]{16,})$/.exec(decodeURIComponent(url.hash));
  return m ? (m[1] as string).replace(/\s+/g, '').toUpperCase() : null;
}

const withoutPin = (url: URL) => {
  const u = new URL(url.href);
  u.hash = '';
  return u;
};

/** The ROLIE feed URLs a provider's metadata lists (its distributions). */
function providerFeeds(json: unknown, base: URL): URL[] {
  const distributions = ((json as { distributions?: unknown }).distributions ?? []) as {
    rolie?: { feeds?: { url?: unknown }[] };
  }[];
  return distributions
    .flatMap((d) => d.rolie?.feeds ?? [])
    .flatMap((f) => (typeof f.url === 'string' ? [new URL(f.url, base)] : []));
}

/**
 * Reads what one argument names: a file or URL (one document), a directory
 * (every .json below it) or a .zip (every .json in it, as osv.dev publishes
 * each ecosystem's records). OSV records come back as one source.
 */
export async function loadFeeds(input: string, load: Loader = defaultLoader()): Promise<FeedSource[]> {
  const isUrl = /^https?:\/\//.test(input);
  if (!isUrl && (await stat(input).catch(() => null))?.isDirectory()) {
    const files = (await readdir(input, { recursive: true }))
      .filter((f) => f.toLowerCase().endsWith('.json'))
      .sort()
      .map((f) => path.join(input, f));
    return merge(await Promise.all(files.map((f) => loadFeed(f, load))), input);
  }
  const url = isUrl ? new URL(input) : pathToFileURL(input);
  if (url.pathname.toLowerCase().endsWith('.zip')) {
    const bytes = await load(url);
    let entries: Record<string, Uint8Array>;
    try {
      entries = unzipSync(new Uint8Array(bytes), { filter: (f) => f.name.toLowerCase().endsWith('.json') });
    } catch (error) {
      throw new Error(`${input}: not a readable zip file (${(error as Error).message})`);
    }
    const sources = Object.keys(entries)
      .sort()
      .map((name) => {
        const where = `${input}!${name}`;
        const text = Buffer.from(entries[name] as Uint8Array).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch (error) {
          throw new Error(`${where}: ${(error as Error).message}`);
        }
        return classifyFeed(json, where, url);
      });
    return merge(sources, input);
  }
  return [await loadFeed(input, load)];
}

/** OSV and CVE 5 records of many files as one source each (imported and reported together). */
function merge(sources: FeedSource[], name: string): FeedSource[] {
  const osv = sources.flatMap((s) => (s.kind === 'osv' ? s.records : []));
  const cve5 = sources.flatMap((s) => (s.kind === 'cve5' ? s.records : []));
  const rest = sources.filter((s) => s.kind !== 'osv' && s.kind !== 'cve5');
  return [
    ...rest,
    ...(osv.length ? [{ kind: 'osv' as const, name, records: osv }] : []),
    ...(cve5.length ? [{ kind: 'cve5' as const, name, records: cve5 }] : []),
  ];
}

/** Reads and classifies a file path or an http(s) URL. */
export async function loadFeed(input: string, load: Loader = defaultLoader()): Promise<FeedSource> {
  const url = /^https?:\/\//.test(input) ? new URL(input) : pathToFileURL(input);
  let bytes = await load(url);
  // FIRST publishes EPSS gzipped (epss_scores-YYYY-MM-DD.csv.gz).
  if (url.pathname.toLowerCase().endsWith('.gz')) {
    try {
      bytes = Buffer.from(gunzipSync(new Uint8Array(bytes)));
    } catch (error) {
      throw new Error(`${input}: not a readable gzip file (${(error as Error).message})`);
    }
  }
  const text = bytes.toString('utf8');
  if (isEpss(text)) return { kind: 'epss', name: input, text };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${input}: ${(error as Error).message}`);
  }
  return classifyFeed(json, input, url);
}

/** What one source (or one kind of source given as files) brought. */
export interface SourceSummary {
  source: string;
  new: number;
  updated: number;
  unchanged: number;
  skipped: number;
}

export interface FeedsResult extends ImportSummary {
  /** The same counts per source, in the order imported. */
  perSource: SourceSummary[];
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
  const perSource: SourceSummary[] = [];
  /** Runs one source's import and keeps what it added to the summary as that source's. */
  const tracked = async (source: string, run: () => Promise<unknown>) => {
    const before = {
      new: summary.new,
      updated: summary.updated,
      unchanged: summary.unchanged,
      skipped: summary.skipped.length,
    };
    try {
      await run();
    } finally {
      perSource.push({
        source,
        new: summary.new - before.new,
        updated: summary.updated - before.updated,
        unchanged: summary.unchanged - before.unchanged,
        skipped: summary.skipped.length - before.skipped,
      });
    }
  };
  const nvd = sources.flatMap((s) => (s.kind === 'nvd' ? s.records : []));
  if (nvd.length) {
    await tracked(`NVD (${nvd.length} records)`, () =>
      importNvdRecords(db, nvd, { summary, progress: (n) => options.progress?.('NVD records', n, nvd.length) }),
    );
  }
  const csaf = sources.flatMap((s) => (s.kind === 'csaf' ? [{ name: s.name, json: s.json }] : []));
  if (csaf.length) {
    await tracked(`CSAF advisories (${csaf.length})`, () =>
      importCsafDocuments(db, csaf, {
        summary,
        progress: (n) => options.progress?.('CSAF advisories', n, csaf.length),
      }),
    );
  }
  const cve5 = sources.flatMap((s) => (s.kind === 'cve5' ? s.records : []));
  if (cve5.length) {
    await tracked(`CVE 5 (${cve5.length} records)`, () =>
      importCve5Records(db, cve5, {
        summary,
        progress: (n) => options.progress?.('CVE 5 records', n, cve5.length),
      }),
    );
  }
  const osv = sources.flatMap((s) => (s.kind === 'osv' ? s.records : []));
  if (osv.length) {
    await tracked(`OSV (${osv.length} records)`, () =>
      importOsvRecords(db, osv, { summary, progress: (n) => options.progress?.('OSV records', n, osv.length) }),
    );
  }
  // Exploitation signals, then carried onto every vulnerability they name (and those imported now).
  let signals = false;
  for (const s of sources) {
    if (s.kind === 'kev') {
      await tracked(`KEV ${s.name}`, () =>
        importKev(db, s.json, s.name, { summary, progress: (n, t) => options.progress?.('KEV entries', n, t) }),
      );
      signals = true;
    }
    if (s.kind === 'epss') {
      await tracked(`EPSS ${s.name}`, () =>
        importEpss(db, s.text, s.name, { summary, progress: (n, t) => options.progress?.('EPSS scores', n, t) }),
      );
      signals = true;
    }
  }
  for (const s of sources) {
    if (s.kind !== 'rolie' && s.kind !== 'provider') continue;
    await tracked(`ROLIE ${s.name}`, async () => {
      try {
        if (s.kind === 'provider') {
          // The feeds the provider lists, wherever they are served, checked with the keys it names here.
          const feeds = providerFeeds(s.json, s.url);
          if (feeds.length === 0)
            summary.skipped.push({ id: s.name, reason: 'the provider metadata lists no ROLIE feed' });
          for (const feed of feeds) {
            await importRolieFeed(db, feed, {
              summary,
              load: options.load,
              metadataUrl: s.url,
              pinned: s.pinned,
              progress: (n, total) => options.progress?.(`ROLIE ${feed.href}`, n, total),
            });
          }
          return;
        }
        await importRolieFeed(db, s.url, {
          summary,
          feed: s.feed,
          load: options.load,
          pinned: s.pinned,
          progress: (n, total) => options.progress?.(`ROLIE ${s.name}`, n, total),
        });
      } catch (error) {
        // The feed itself unreadable: said, and what the other sources brought is still matched.
        summary.skipped.push({ id: s.name, reason: (error as Error).message });
      }
    });
  }
  await applySignals(db, signals ? undefined : summary.changed);
  const matched = await matchInventory(db, { vulnerabilityIds: summary.changed }, { live: options.live });
  return { ...summary, perSource, matched };
}

/**
 * Reads each URL as `psirt feeds import` reads its arguments and imports them
 * together (the scheduled feeds); a URL that cannot be read is reported in
 * `skipped`, and the others are imported all the same.
 */
export async function importFeedUrls(
  db: Db,
  urls: readonly string[],
  options: { load?: Loader; live?: LiveBus } = {},
): Promise<FeedsResult> {
  const sources: FeedSource[] = [];
  const unreadable: { id: string; reason: string }[] = [];
  for (const url of urls) {
    try {
      sources.push(...(await loadFeeds(url, options.load)));
    } catch (error) {
      unreadable.push({ id: url, reason: (error as Error).message });
    }
  }
  const r = await importFeedSources(db, sources, options);
  r.skipped.unshift(...unreadable);
  return r;
}
