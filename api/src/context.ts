import type { Db, Prepared, SqlReader } from '@psirt/db';
import type { SlaPolicy } from '@psirt/schema';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Viewer } from './auth.ts';
import type { CraSettings } from './cra/settings.ts';
import type { CnaSettings } from './cve/record.ts';
import type { LiveBus } from './live/bus.ts';
import type { LiveLimits } from './live/stream.ts';
import type { Loaders } from './loaders.ts';
import type { Logger } from './logger.ts';
import type { OperationLimits } from './server/limits.ts';

/**
 * The GraphQL context. The Prisma client is in it (rather than imported) because
 * one process may serve several databases: the test suites run many apps side by
 * side, each on its own isolated database.
 */
export interface Context {
  viewer: Viewer;
  db: Db;
  /** Typed SQL for the read path (read/), on the same connections as `db`. */
  sql: SqlReader;
  /** Statements prepared once per connection (the token check, live/stream.ts's re-check). */
  prepared: Prepared;
  log: Logger;
  requestId: string;
  loaders: Loaders;
  /** The clock (tests move it to make SLAs overdue). */
  now(): Date;
  /** The reporter-communication SLA in force (read once per request). */
  sla(): Promise<SlaPolicy>;
  /** The same once it has been read in this request (fields of a list then answer without a promise). */
  slaNow(): SlaPolicy | undefined;
  /** The caller's address, for rate limits. */
  clientIp: string;
  /** Policy wording and contacts used in messages to reporters. */
  policy: {
    supportContact: string;
    /** Who publishes advisories: the CSAF publisher (name, namespace URL, contact). */
    publisher: { name: string; namespace: string; contactDetails: string };
    /** The PSIRT as a CVE Numbering Authority (cve/record.ts). */
    cna: CnaSettings;
    /** The manufacturer under the Cyber Resilience Act (cra/settings.ts). */
    cra: CraSettings;
  };
  /** Mail intake settings, for re-processing quarantined mail. */
  mailIntake: { passphrase: string; maxBytes: number; publisherNamespace: string };
  /**
   * A report arriving through the website's form (set by the site, in-process
   * only: never from a request): its channel, whether it was encrypted in the
   * reporter's browser, and its attachments, stored in the submission's unit of work.
   */
  webForm?: WebFormSubmission;
  /** Limits anonymous report submissions per client address. */
  submissionLimiter: RateLimiterAbstract;
  /** Limits calls of the public CVSS calculator per caller. */
  calculatorLimiter: RateLimiterAbstract;
  /** Where committed changes are announced to live subscriptions. */
  live: LiveBus;
  /** How far a live subscriber may fall behind before its connection is closed. */
  liveLimits: LiveLimits;
  /** What one operation may ask for (the cost limit is read from here). */
  limits: OperationLimits;
  /** The connection this operation arrived on (live subscriptions watch its send buffer). */
  transport: Transport;
  /**
   * Re-bases the context on the viewer as they are now, with empty loaders: a
   * live subscription calls it before each event, so what it delivers is
   * authorized and loaded afresh, not as it was when it subscribed.
   */
  renew(viewer: Viewer): void;
}

export interface Transport {
  kind: 'http' | 'ws';
  /** Bytes accepted for sending but not yet written to the network. */
  buffered(): number;
  /** Ends the connection (WebSocket: with this close code and reason). */
  close(code: number, reason: string): void;
}

export interface WebFormSubmission {
  encrypted: boolean;
  attachments: { filename: string; contentType: string; content: Buffer; encrypted: boolean }[];
}
