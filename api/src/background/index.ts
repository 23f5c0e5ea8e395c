// Every job an API instance runs on a timer, each with its schedule. The state
// of each is in the database, so instances can run them side by side.
import type { Db } from '@psirt/db';
import { checkCraClocks } from '../cra/check.ts';
import type { CraSettings } from '../cra/settings.ts';
import type { CveServicesClient } from '../cve/client.ts';
import type { CnaSettings } from '../cve/record.ts';
import { drainCveOutbox } from '../cve/worker.ts';
import { type NvdSource, syncNvd } from '../feeds/fetch.ts';
import { importFeedUrls } from '../feeds/sources.ts';
import { type IntakeDeps, retryStalledMail } from '../intake/mail.ts';
import type { LiveBus } from '../live/bus.ts';
import type { Logger } from '../logger.ts';
import { drainOutbox } from '../outbox.ts';
import { releaseDueAdvisories } from '../services/advisories.ts';
import { resolveLinkRequests } from '../services/reporter-links.ts';
import { type Job, periodic } from './periodic.ts';

export interface BackgroundDeps {
  db: Db;
  log: Logger;
  now: () => Date;
  live: LiveBus;
  draining: () => boolean;
  publisher: { name: string; namespace: string; contactDetails: string };
  /** The PSIRT as a CNA: released advisories queue their CVE records. */
  cna: CnaSettings;
  /** The CRA clocks: prompts on new evidence, reminders before each due time (checkIntervalMs; 0: off). */
  cra: CraSettings;
  /** How often scheduled advisories are checked for release (0: off). */
  releaseIntervalMs: number;
  /** CVE Services calls from the outbox (absent without its credentials). */
  cve: { client: CveServicesClient; cna: CnaSettings; intervalMs: number } | null;
  /** Outbox delivery (absent without SMTP). */
  mailer: (Parameters<typeof drainOutbox>[0] & { intervalMs: number }) | null;
  feeds?: {
    nvd?: NvdSource & { intervalMs?: number };
    csaf?: { feeds: string[]; intervalMs?: number };
    urls?: { urls: string[]; intervalMs?: number };
  };
  /** Mail intake (absent when off), and how often half-processed mail is taken up again. */
  intake: (IntakeDeps & { retryIntervalMs: number }) | null;
  /** On the embedded database: how often the planner's statistics are refreshed (0: off). */
  analyzeIntervalMs: number;
}

export function backgroundJobs(d: BackgroundDeps): Job[] {
  const { db, log, live } = d;
  const every = (name: string, ms: number, task: () => Promise<unknown>) => periodic(d, name, ms, task);
  const jobs: Job[] = [];
  if (d.mailer) {
    const mailer = d.mailer;
    // Requests for a reporter's link are resolved first: the mails they queue go in the same run.
    const links = { db, now: d.now, live, requestId: 'outbox', publisherNamespace: d.publisher.namespace };
    jobs.push(
      every('outbox delivery', mailer.intervalMs, async () => {
        await resolveLinkRequests(links);
        return drainOutbox(mailer);
      }),
    );
  }
  const cve = d.cve;
  if (cve) {
    const deps = {
      db,
      client: cve.client,
      cna: cve.cna,
      now: d.now,
      live,
      log: log.child({ component: 'cve-services' }),
    };
    jobs.push(every('CVE Services', cve.intervalMs, () => drainCveOutbox(deps)));
  }
  // Scheduled releases (advisories approved for their embargo time): a release
  // due while no instance ran happens at the first tick after start;
  // instances claim each advisory atomically.
  const scheduler = {
    db,
    now: d.now,
    requestId: 'scheduler',
    log: log.child({ component: 'scheduler' }),
    publisher: d.publisher,
    cna: d.cna,
    live,
  };
  jobs.push(every('scheduled release', d.releaseIntervalMs, () => releaseDueAdvisories(scheduler)));
  // CRA Art. 14: the state is in the database, so a reminder due while no instance ran goes at the next start.
  const cra = {
    db,
    now: d.now,
    live,
    log: log.child({ component: 'cra' }),
    settings: d.cra,
    manufacturer: { name: d.publisher.name, contact: d.publisher.contactDetails },
  };
  jobs.push(every('CRA clocks', d.cra.checkIntervalMs, () => checkCraClocks(cra)));
  const nvd = d.feeds?.nvd;
  if (nvd) {
    jobs.push(
      every('NVD feed', nvd.intervalMs ?? 2 * 3_600_000, () =>
        syncNvd(db, nvd, d.now(), { log: log.child({ component: 'feeds' }), live }),
      ),
    );
  }
  // Suppliers' CSAF feeds (ROLIE or provider metadata, maybe with #key=…); OSV exports, CVE 5
  // records, the KEV catalogue, EPSS scores: each read whole, imported idempotently.
  const scheduled = [
    {
      name: 'CSAF feeds',
      feed: d.feeds?.csaf && { urls: d.feeds.csaf.feeds, intervalMs: d.feeds.csaf.intervalMs ?? 2 * 3_600_000 },
    },
    {
      name: 'feed URLs',
      feed: d.feeds?.urls && { urls: d.feeds.urls.urls, intervalMs: d.feeds.urls.intervalMs ?? 12 * 3_600_000 },
    },
  ];
  for (const { name, feed } of scheduled) {
    if (!feed) continue;
    jobs.push(
      every(name, feed.intervalMs, async () => {
        const r = await importFeedUrls(db, feed.urls, { live });
        log.child({ component: 'feeds' }).info(
          {
            sources: r.perSource,
            skipped: r.skipped.slice(0, 10),
            matches: r.matched.created,
            unreadableVersions: r.matched.unreadable.length,
          },
          `${name} read`,
        );
      }),
    );
  }
  // Mail a stopped instance left half-processed (stored, never finished) is taken up again.
  const intake = d.intake;
  if (intake) jobs.push(every('mail intake retry', intake.retryIntervalMs, () => retryStalledMail(intake)));
  if (d.analyzeIntervalMs > 0) jobs.push(every('planner statistics', d.analyzeIntervalMs, plannerStatistics(db)));
  return jobs;
}

/**
 * What PostgreSQL's autovacuum does for the planner, for PGlite, which has no
 * autovacuum: without ANALYZE its planner never learns a table's size and
 * reads 80,000 rows to find 200 (a page of the case list at 20,000 cases:
 * 5-35 ms per relation instead of 0.3). Every table at start; then, like
 * autovacuum's defaults, each table with more changed rows since its last
 * ANALYZE than 50 + 10 % of its size (the whole database at 20,000 cases
 * holds PGlite's one thread for ~0.4 s; one table, a fraction of that).
 */
function plannerStatistics(db: Db): () => Promise<unknown> {
  let first = true;
  return async () => {
    if (first) {
      await db.$executeRawUnsafe('ANALYZE');
      first = false;
      return;
    }
    const changed = await db.$queryRaw<{ name: string }[]>`
      SELECT s.relname AS name FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
      WHERE s.n_mod_since_analyze > 50 + 0.1 * GREATEST(c.reltuples, 0)`;
    for (const t of changed) await db.$executeRawUnsafe(`ANALYZE "${t.name.replaceAll('"', '""')}"`);
  };
}
