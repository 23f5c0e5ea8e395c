// A CSAF provider's ROLIE feed (CSAF 2.0 §7.1.20: an Atom-like JSON feed whose
// entries link to advisories, each with its .sha256/.sha512 and OpenPGP .asc
// beside it). Each run imports the entries updated since the newest one
// imported before (kept per feed URL in the settings), checks each document
// against its published hash and — with the OpenPGP keys the provider's
// metadata names — its signature, and imports it as a supplier CSAF advisory.
// The metadata is the one the feed was found through (a provider-metadata URL
// given as the source), else /.well-known/csaf/provider-metadata.json at the
// feed's host; a source may pin a key fingerprint, and then an entry that is
// not signed by that key is refused. Whether each entry's signature was
// checked is said in the summary. The mark moves only when every entry was
// read; re-reading is harmless (imports are idempotent).
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Db } from '@psirt/db';
import * as openpgp from 'openpgp';
import { z } from 'zod';
import { PgpProblem, verifyDetached } from '../services/keys.ts';
import { importCsafDocuments } from './csaf.ts';
import type { ImportSummary } from './nvd.ts';

const link = z.object({ rel: z.string(), href: z.string() });
export const RolieFeed = z.object({
  feed: z.object({
    id: z.string(),
    title: z.string().optional(),
    entry: z.array(
      z.object({
        id: z.string(),
        updated: z.string().datetime({ offset: true }),
        link: z.array(link).default([]),
        content: z.object({ src: z.string(), type: z.string().optional() }).optional(),
      }),
    ),
  }),
});

/** Reads a URL: http(s) with fetch, file: from disk (a feed saved with its documents). */
export type Loader = (url: URL) => Promise<Buffer>;

export function defaultLoader(doFetch: typeof fetch = fetch): Loader {
  return async (url) => {
    if (url.protocol === 'file:') return readFile(fileURLToPath(url));
    const res = await doFetch(url);
    if (!res.ok) throw new Error(`HTTP ${res.status} ${res.statusText}`);
    return Buffer.from(await res.arrayBuffer());
  };
}

const markKey = (feedUrl: string) => `feeds.rolie:${feedUrl}`;

export async function importRolieFeed(
  db: Db,
  feedUrl: URL,
  options: {
    summary: ImportSummary;
    load?: Loader;
    /** The feed, when already read. */
    feed?: unknown;
    /** The provider metadata naming the keys (default: /.well-known/csaf/provider-metadata.json at the feed's host). */
    metadataUrl?: URL;
    /** A key fingerprint the entries must be signed with (hex, spaces ignored). */
    pinned?: string | null;
    /** Called once the feed is read, then after each entry. */
    progress?: (done: number, total: number) => void;
  },
): Promise<void> {
  const load = options.load ?? defaultLoader();
  const { summary } = options;
  const parsed = RolieFeed.safeParse(options.feed ?? JSON.parse((await load(feedUrl)).toString('utf8')));
  if (!parsed.success) throw new Error(`${feedUrl.href}: not a ROLIE feed of CSAF documents (no "feed.entry" list)`);
  const mark = await db.setting.findUnique({ where: { key: markKey(feedUrl.href) } });
  const since = typeof mark?.value === 'string' ? mark.value : null;
  const entries = parsed.data.feed.entry;
  const fresh = entries.filter((e) => !since || new Date(e.updated).toISOString() > since);
  let newest = since;
  let complete = true;
  const metadataUrl = options.metadataUrl ?? new URL('/.well-known/csaf/provider-metadata.json', feedUrl);
  const pinned = options.pinned ? options.pinned.replace(/\s+/g, '').toUpperCase() : null;
  const keys = fresh.length ? await providerKeys(metadataUrl, load, pinned) : { keys: null, why: '' };
  options.progress?.(0, fresh.length);
  for (const [i, e] of fresh.entries()) {
    const href = e.content?.src ?? e.link.find((l) => l.rel === 'self')?.href;
    try {
      const problem = await importEntry(db, feedUrl, load, href, e, keys, pinned, summary);
      // A document that fails its hash or is not JSON is not retried until its entry changes.
      if (problem) summary.skipped.push({ id: e.id, reason: problem });
      const updated = new Date(e.updated).toISOString();
      if (!newest || updated > newest) newest = updated;
    } catch (error) {
      // Unreachable now: reported, and asked again next run.
      complete = false;
      summary.skipped.push({ id: e.id, reason: `${href ?? e.id}: ${(error as Error).message}` });
    }
    options.progress?.(i + 1, fresh.length);
  }
  if (complete && newest && newest !== since) {
    await db.setting.upsert({
      where: { key: markKey(feedUrl.href) },
      create: { key: markKey(feedUrl.href), value: newest },
      update: { value: newest },
    });
  }
}

/** Imports one entry's document; answers why it was not imported, if so. */
async function importEntry(
  db: Db,
  feedUrl: URL,
  load: Loader,
  href: string | undefined,
  e: { id: string; link: readonly z.infer<typeof link>[] },
  keys: { keys: openpgp.PublicKey[] | null; why: string },
  pinned: string | null,
  summary: ImportSummary,
): Promise<string | null> {
  if (!href) return 'the entry links to no document';
  const links = e.link;
  const docUrl = new URL(href, feedUrl);
  const body = await load(docUrl);
  const hash = links.find((l) => l.rel === 'hash');
  if (hash) {
    const algorithm = hash.href.endsWith('.sha512') ? 'sha512' : 'sha256';
    const published = (await load(new URL(hash.href, feedUrl))).toString('utf8').trim().split(/\s+/)[0];
    if (published?.toLowerCase() !== createHash(algorithm).update(body).digest('hex')) {
      return `${docUrl.href}: the document does not match its ${algorithm}`;
    }
  }
  const signature = links.find((l) => l.rel === 'signature');
  summary.signatures ??= [];
  const signatures = summary.signatures;
  if (!signature || !keys.keys) {
    const why = !signature ? 'the entry has no signature' : keys.why;
    // With a pinned key, what cannot be checked against it is not taken.
    if (pinned) return `${docUrl.href}: not imported: a key is pinned (${pinned}) and ${why}`;
    signatures.push({ id: e.id, checked: false, note: `signature not checked: ${why}` });
  } else {
    const armored = (await load(new URL(signature.href, feedUrl))).toString('utf8');
    let status: string;
    try {
      status = (await verifyDetached(body, armored, keys.keys, new Date())).status;
    } catch (error) {
      if (!(error instanceof PgpProblem)) throw error;
      status = 'UNREADABLE';
    }
    if (status !== 'VALID') {
      const why =
        (
          {
            BAD: 'does not verify',
            UNKNOWN_KEY: pinned ? 'is not by the pinned key' : "is by none of the provider's keys",
            UNSIGNED: 'holds no signature',
          } as Record<string, string>
        )[status] ?? 'cannot be read';
      return `${docUrl.href}: its OpenPGP signature ${why}`;
    }
    signatures.push({
      id: e.id,
      checked: true,
      note: pinned ? 'signature verified (pinned key)' : 'signature verified',
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch (error) {
    return `${docUrl.href}: ${(error as Error).message}`;
  }
  await importCsafDocuments(db, [{ name: docUrl.href, json }], { summary });
  return null;
}

const ProviderMetadata = z.object({
  public_openpgp_keys: z.array(z.object({ url: z.string(), fingerprint: z.string().optional() })).optional(),
});

/**
 * The provider's OpenPGP keys, as its metadata names them (a key whose
 * fingerprint is not the one named — or, when one is pinned, not the pinned
 * one — is not used), with why there are none when there are none.
 */
async function providerKeys(
  metadataUrl: URL,
  load: Loader,
  pinned: string | null,
): Promise<{ keys: openpgp.PublicKey[] | null; why: string }> {
  let meta: z.infer<typeof ProviderMetadata>;
  try {
    const text = (await load(metadataUrl)).toString('utf8');
    meta = ProviderMetadata.parse(JSON.parse(text));
  } catch (error) {
    return {
      keys: null,
      why: `no provider metadata at ${metadataUrl.href} (${(error as Error).message.slice(0, 80)})`,
    };
  }
  const keys: openpgp.PublicKey[] = [];
  for (const k of meta.public_openpgp_keys ?? []) {
    try {
      const key = await openpgp.readKey({ armoredKey: (await load(new URL(k.url, metadataUrl))).toString('utf8') });
      const fingerprint = key.getFingerprint().toUpperCase();
      const named = k.fingerprint?.replace(/\s+/g, '').toUpperCase();
      if ((!named || fingerprint === named) && (!pinned || fingerprint === pinned)) keys.push(key);
    } catch {
      // Unreachable or unreadable: not one to check with.
    }
  }
  if (keys.length) return { keys, why: '' };
  return {
    keys: null,
    why: pinned
      ? `the provider metadata at ${metadataUrl.href} names no readable key ${pinned}`
      : `the provider metadata at ${metadataUrl.href} names no readable OpenPGP key`,
  };
}
