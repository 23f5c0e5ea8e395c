// Fetching NVD CVE API 2.0 pages from a configurable base URL (the NVD, or a
// mirror), incrementally: each run asks for what changed since the last
// successful run (lastModStartDate/lastModEndDate, in windows of at most the
// 120 days the API allows), page by page, importing each page as it comes,
// then matches what changed. The mark moves only when every window succeeded.
import type { Db } from '@psirt/db';
import type { LiveBus } from '../live/bus.ts';
import type { Logger } from '../logger.ts';
import { type MatchSummary, matchInventory } from './match.ts';
import { emptySummary, type ImportSummary, importNvdRecords, recordsOf } from './nvd.ts';
import { applySignals } from './signals.ts';

const MARK = 'feeds.nvd.lastModified';
const WINDOW_MS = 120 * 86_400_000;

export interface NvdSource {
  /** e.g. https://services.nvd.nist.gov/rest/json/cves/2.0 */
  baseUrl: string;
  apiKey?: string;
  /** Records per page (the API's maximum is 2000). */
  pageSize?: number;
  /** Pause between requests (NVD asks for 6 s without a key, 0.6 s with one). */
  delayMs?: number;
  fetch?: typeof fetch;
}

export interface SyncResult extends ImportSummary {
  pages: number;
  matched: MatchSummary;
  /** The lastModified mark now stored. */
  until: Date;
}

/** NVD wants extended ISO 8601 with milliseconds and no zone letter ambiguity. */
const nvdTime = (d: Date) => d.toISOString();

export async function syncNvd(
  db: Db,
  source: NvdSource,
  now: Date,
  options: { log?: Logger; live?: LiveBus; progress?: (done: number, total: number) => void } = {},
): Promise<SyncResult> {
  const doFetch = source.fetch ?? fetch;
  const pageSize = source.pageSize ?? 2000;
  const delayMs = source.delayMs ?? (source.apiKey ? 600 : 6000);
  const mark = await db.setting.findUnique({ where: { key: MARK } });
  const since = typeof mark?.value === 'string' ? new Date(mark.value) : null;
  const summary = emptySummary();
  let pages = 0;
  let done = 0;
  // Without a mark, one full pass (no date filter); else windows from the mark to now.
  const windows: (readonly [Date, Date] | null)[] = [];
  if (!since) windows.push(null);
  else
    for (let start = since; start < now; start = new Date(start.getTime() + WINDOW_MS)) {
      windows.push([start, new Date(Math.min(start.getTime() + WINDOW_MS, now.getTime()))]);
    }
  for (const window of windows) {
    for (let startIndex = 0; ; ) {
      const url = new URL(source.baseUrl);
      url.searchParams.set('resultsPerPage', String(pageSize));
      url.searchParams.set('startIndex', String(startIndex));
      if (window) {
        url.searchParams.set('lastModStartDate', nvdTime(window[0]));
        url.searchParams.set('lastModEndDate', nvdTime(window[1]));
      }
      if (pages > 0 && delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
      const res = await doFetch(url, { headers: source.apiKey ? { apiKey: source.apiKey } : {} });
      if (!res.ok) throw new Error(`${url.origin}${url.pathname}: HTTP ${res.status} ${res.statusText}`);
      const page = (await res.json()) as { totalResults?: number; resultsPerPage?: number };
      const records = recordsOf(page, `${url.origin}${url.pathname} page ${pages + 1}`);
      pages += 1;
      await importNvdRecords(db, records, { summary });
      done += records.length;
      const total = typeof page.totalResults === 'number' ? page.totalResults : done;
      options.progress?.(done, total);
      startIndex += records.length;
      if (records.length === 0 || startIndex >= total) break;
    }
  }
  await applySignals(db, summary.changed);
  const matched = await matchInventory(db, { vulnerabilityIds: summary.changed }, { live: options.live });
  await db.setting.upsert({
    where: { key: MARK },
    create: { key: MARK, value: now.toISOString() },
    update: { value: now.toISOString() },
  });
  options.log?.info(
    { pages, new: summary.new, updated: summary.updated, skipped: summary.skipped.length, matches: matched.created },
    'NVD feed synchronised',
  );
  return { ...summary, pages, matched, until: now };
}
