// The public side of the API process: the advisory website, its Atom feed,
// security.txt, and the CSAF provider layout (CSAF 2.0 section 7.1:
// provider-metadata.json, a ROLIE feed, per-advisory JSON with .sha256 and
// .sha512, index.txt, changes.csv). Everything here is public by construction:
// it reads only PUBLIC_ADVISORIES.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { Db } from '@psirt/db';
import { csafFileName, DomainError, SEVERITIES } from '@psirt/schema';
import { Feed } from 'feed';
import { escape as escapeHtml } from 'html-escaper';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { currentPublicKey, signDetached } from '../services/keys.ts';
import { confirmSubscription, subscribe, unsubscribe } from '../services/mailing.ts';
import { csafOf, filterAdvisories, type PublicAdvisory, publicAdvisories } from './data.ts';
import {
  advisoryPage,
  indexPage,
  messagePage,
  notFoundPage,
  POLICY_PATH,
  policyPage,
  renderPolicy,
  type SiteInfo,
  subscribePage,
  unsubscribePage,
} from './pages.ts';
import { type ReporterSiteDeps, reporterSite } from './report.ts';

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
};

const CSAF_DIR = '/.well-known/csaf/white';
/** The site's icon (a shield, 32 px), asked for by every browser on every page. */
const FAVICON = readFileSync(fileURLToPath(new URL('./assets/favicon.ico', import.meta.url)));
const FEED_FILE = 'csaf-feed-tlp-white.json';

export interface Site {
  /** Serves the request if it is a public page or file; false to let GraphQL have it. */
  handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean>;
}

/** Reads a small urlencoded form body (at most 16 KiB). */
async function formBody(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 16_384) throw new DomainError('VALIDATION', 'The form is too large.');
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

export function createSite(deps: {
  db: Db;
  publisher: SiteInfo['publisher'];
  now: () => Date;
  limiter: RateLimiterAbstract;
  /** The passphrase of the PSIRT keys: with it, CSAF documents get detached .asc signatures. */
  keyPassphrase?: string;
  /** The coordinated vulnerability disclosure policy (Markdown), served at POLICY_PATH (CRA Annex I, Part II). */
  policy?: string;
  /** GraphQL in-process, for the reporter's pages (report.ts); without it they are not served. */
  gql?: ReporterSiteDeps['gql'];
}): Site {
  const site: SiteInfo = { publisher: deps.publisher };
  const policyHtml = renderPolicy(deps.policy ?? '', deps.publisher);
  const policy = policyPage(site, policyHtml);
  const reporter = deps.gql
    ? reporterSite({
        db: deps.db,
        site,
        now: deps.now,
        keyPassphrase: deps.keyPassphrase,
        gql: deps.gql,
        policy: policyHtml,
        limiter: deps.limiter,
      })
    : null;
  const base = deps.publisher.namespace.replace(/\/$/, '');

  function send(
    req: IncomingMessage,
    res: ServerResponse,
    status: number,
    type: string,
    body: string | Buffer,
    extra: Record<string, string> = {},
  ) {
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    res.writeHead(status, {
      'content-type': type,
      'content-length': bytes.length,
      'cache-control': status === 200 ? 'public, max-age=60' : 'no-store',
      ...SECURITY_HEADERS,
      ...extra,
    });
    res.end(req.method === 'HEAD' ? undefined : bytes);
    return true;
  }
  const page = (req: IncomingMessage, res: ServerResponse, status: number, body: string) =>
    send(req, res, status, 'text/html; charset=utf-8', body);

  /** The bytes of an advisory's CSAF file (what its hashes are computed over). */
  const csafBytes = (a: PublicAdvisory) => Buffer.from(`${JSON.stringify(csafOf(a, deps.publisher), null, 2)}\n`);

  /** The PSIRT's e-mail address, when its contact details hold one. */
  function contactEmail(): string | null {
    return /[^\s<>@]+@[^\s<>@]+\.[^\s<>@]+/.exec(deps.publisher.contactDetails)?.[0] ?? null;
  }

  function contactLine() {
    const c = deps.publisher.contactDetails;
    if (/^https?:\/\//.test(c)) return c;
    const email = /[^\s<>@]+@[^\s<>@]+\.[^\s<>@]+/.exec(c)?.[0];
    return email ? `mailto:${email}` : `${base}/advisories`;
  }

  function securityTxt(hasKey: boolean) {
    // RFC 9116. Expires a year ahead, rounded to the day so the file is stable within a day.
    const expires = new Date(deps.now().getTime() + 365 * 86_400_000);
    expires.setUTCHours(0, 0, 0, 0);
    return [
      `Contact: ${contactLine()}`,
      `Expires: ${expires.toISOString()}`,
      ...(hasKey ? [`Encryption: ${base}/pgp-key.asc`] : []),
      'Preferred-Languages: en',
      `Canonical: ${base}/.well-known/security.txt`,
      `Policy: ${base}${POLICY_PATH}`,
      `CSAF: ${base}/.well-known/csaf/provider-metadata.json`,
      '',
    ].join('\n');
  }

  function providerMetadata(list: readonly PublicAdvisory[], key: { fingerprint: string } | null) {
    const updated = list[0]?.lastPublished ?? new Date(0);
    return {
      canonical_url: `${base}/.well-known/csaf/provider-metadata.json`,
      ...(key ? { public_openpgp_keys: [{ fingerprint: key.fingerprint, url: `${base}/pgp-key.asc` }] } : {}),
      distributions: [
        {
          directory_url: `${base}${CSAF_DIR}/`,
          rolie: {
            feeds: [{ summary: 'TLP:WHITE advisories', tlp_label: 'WHITE', url: `${base}${CSAF_DIR}/${FEED_FILE}` }],
          },
        },
      ],
      last_updated: updated.toISOString(),
      list_on_CSAF_aggregators: true,
      metadata_version: '2.0',
      mirror_on_CSAF_aggregators: true,
      publisher: {
        category: 'vendor',
        name: deps.publisher.name,
        namespace: deps.publisher.namespace,
        contact_details: deps.publisher.contactDetails,
      },
      role: 'csaf_provider',
    };
  }

  function rolieFeed(list: readonly PublicAdvisory[], signed: boolean) {
    const updated = list[0]?.lastPublished ?? new Date(0);
    return {
      feed: {
        id: `${deps.publisher.name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-csaf-feed-tlp-white`,
        title: `${deps.publisher.name} CSAF feed (TLP:WHITE)`,
        link: [{ rel: 'self', href: `${base}${CSAF_DIR}/${FEED_FILE}` }],
        category: [{ scheme: 'urn:ietf:params:rolie:category:information-type', term: 'csaf' }],
        updated: updated.toISOString(),
        entry: list.map((a) => {
          const url = `${base}${a.csafPath}`;
          return {
            id: a.publicId,
            title: a.content.title,
            link: [
              { rel: 'self', href: url },
              { rel: 'hash', href: `${url}.sha256` },
              { rel: 'hash', href: `${url}.sha512` },
              ...(signed ? [{ rel: 'signature', href: `${url}.asc` }] : []),
            ],
            published: a.firstPublished.toISOString(),
            updated: a.lastPublished.toISOString(),
            content: { type: 'application/json', src: url },
            format: { schema: 'https://docs.oasis-open.org/csaf/csaf/v2.0/csaf_json_schema.json', version: '2.0' },
          };
        }),
      },
    };
  }

  function atom(list: readonly PublicAdvisory[]) {
    const feed = new Feed({
      title: `${deps.publisher.name} security advisories`,
      id: `${base}/advisories`,
      link: `${base}/advisories`,
      language: 'en',
      copyright: deps.publisher.name,
      updated: list[0]?.lastPublished ?? new Date(0),
      feedLinks: { atom: `${base}/advisories.atom` },
    });
    // RFC 4287: every entry has an author (the publisher), and each category a term.
    const email = contactEmail();
    const author = [{ name: deps.publisher.name, link: base, ...(email ? { email } : {}) }];
    // The feed library labels every entry's title and summary type="html" (in CDATA): what we
    // hand it must be HTML, so advisory text — which staff type and may hold markup — is
    // escaped here and a feed reader shows it as the page does, as text.
    for (const a of list) {
      const facts = [
        a.severity ? `Severity: ${a.severity.severity} (CVSS ${a.severity.score.toFixed(1)})` : null,
        a.content.cves.length ? `CVE: ${a.content.cves.join(', ')}` : null,
      ].filter(Boolean);
      feed.addItem({
        title: escapeHtml(`${a.publicId}: ${a.content.title}`),
        id: `${base}/advisories/${a.publicId}`,
        link: `${base}/advisories/${a.publicId}`,
        date: a.lastPublished,
        published: a.firstPublished,
        author,
        description: escapeHtml([a.content.summary ?? a.content.title, facts.join('. ')].filter(Boolean).join(' — ')),
        category: [
          ...(a.severity
            ? [
                {
                  term: a.severity.severity.toLowerCase(),
                  name: a.severity.severity,
                  scheme: `${base}/advisories?severity=`,
                },
              ]
            : []),
          ...a.content.cves.map((cve) => ({ term: cve, name: cve, scheme: 'https://www.cve.org/CVERecord?id=' })),
        ],
      });
    }
    return feed.atom1();
  }

  return {
    async handle(req, res, path) {
      const query = new URL(req.url ?? '/', 'http://x').searchParams;
      const token = query.get('token') ?? '';
      const ctx = { db: deps.db, now: deps.now, requestId: 'site' };
      if (reporter && (await reporter.handle(req, res, path))) return true;
      // The mailing list: forms and the links in mails.
      if (path === '/subscribe' || path.startsWith('/subscriptions/')) {
        const products = await deps.db.product.findMany({
          orderBy: { name: 'asc' },
          select: { key: true, name: true },
        });
        try {
          if (path === '/subscribe' && req.method === 'POST') {
            const form = await formBody(req);
            const { message } = await subscribe(
              {
                ...ctx,
                clientIp: req.socket.remoteAddress ?? 'unknown',
                limiter: deps.limiter,
                publisher: deps.publisher,
              },
              {
                email: form.get('email') ?? '',
                products: form.getAll('products').filter(Boolean),
                minSeverity: (form.get('minSeverity') || null) as never,
              },
            );
            return page(req, res, 200, messagePage(site, 'Check your inbox', message));
          }
          if (path === '/subscribe') return page(req, res, 200, subscribePage(site, products));
          if (path === '/subscriptions/confirm') {
            await confirmSubscription(ctx, token);
            return page(
              req,
              res,
              200,
              messagePage(site, 'Subscribed', 'You will receive our security advisories by e-mail.'),
            );
          }
          if (path === '/subscriptions/unsubscribe' && req.method === 'POST') {
            await unsubscribe(ctx, token);
            return page(req, res, 200, messagePage(site, 'Unsubscribed', 'You will receive no more advisory mails.'));
          }
          if (path === '/subscriptions/unsubscribe') return page(req, res, 200, unsubscribePage(site, token));
        } catch (error) {
          if (!DomainError.is(error)) throw error;
          if (path === '/subscribe')
            return page(req, res, 400, subscribePage(site, products, error.message.replace(/^input\./, '')));
          return page(
            req,
            res,
            error.code === 'NOT_FOUND' ? 404 : 400,
            messagePage(site, 'That did not work', error.message),
          );
        }
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') return false;
      if (path === '/favicon.ico') {
        return send(req, res, 200, 'image/x-icon', FAVICON, { 'cache-control': 'public, max-age=86400' });
      }
      if (path === '/') {
        res.writeHead(302, { location: '/advisories', ...SECURITY_HEADERS });
        res.end();
        return true;
      }
      const isSite =
        path === '/advisories' ||
        path.startsWith('/advisories/') ||
        path === '/advisories.atom' ||
        path === '/.well-known/security.txt' ||
        path === '/pgp-key.asc' ||
        path === POLICY_PATH ||
        path.startsWith('/.well-known/csaf/');
      if (!isSite) return false;
      if (path === POLICY_PATH) return page(req, res, 200, policy);
      if (path === '/.well-known/security.txt') {
        const key = await currentPublicKey(deps.db);
        return send(req, res, 200, 'text/plain; charset=utf-8', securityTxt(key !== null));
      }
      if (path === '/pgp-key.asc') {
        // The PSIRT's current public key: what reporters encrypt to.
        const key = await currentPublicKey(deps.db);
        if (!key) return send(req, res, 404, 'text/plain; charset=utf-8', 'The PSIRT has no OpenPGP key yet.\n');
        return send(req, res, 200, 'application/pgp-keys', key.armored);
      }

      const list = await publicAdvisories(deps.db);
      if (path === '/advisories') {
        const sev = query.get('severity') ?? '';
        const year = Number(query.get('year'));
        const filter = {
          product: query.get('product') || undefined,
          minSeverity: (SEVERITIES as readonly string[]).includes(sev) ? sev : undefined,
          year: Number.isInteger(year) && year > 1999 ? year : undefined,
        };
        return page(req, res, 200, indexPage(site, list, filterAdvisories(list, filter), filter));
      }
      if (path.startsWith('/advisories/')) {
        const id = decodeURIComponent(path.slice('/advisories/'.length)).toUpperCase();
        const a = list.find((x) => x.publicId === id);
        const links = { signed: Boolean(deps.keyPassphrase), key: (await currentPublicKey(deps.db)) !== null };
        return a
          ? page(req, res, 200, advisoryPage(site, a, links))
          : page(req, res, 404, notFoundPage(site, `There is no published advisory ${id}.`));
      }
      if (path === '/advisories.atom') return send(req, res, 200, 'application/atom+xml; charset=utf-8', atom(list));

      // CSAF provider layout.
      const json = (body: unknown) =>
        send(req, res, 200, 'application/json; charset=utf-8', `${JSON.stringify(body, null, 2)}\n`);
      const key = deps.keyPassphrase ? await currentPublicKey(deps.db) : null;
      if (path === '/.well-known/csaf/provider-metadata.json') return json(providerMetadata(list, key));
      if (path === `${CSAF_DIR}/${FEED_FILE}`) return json(rolieFeed(list, key !== null));
      if (path === `${CSAF_DIR}/index.txt`) {
        return send(
          req,
          res,
          200,
          'text/plain; charset=utf-8',
          list.map((a) => `${a.csafPath.slice(CSAF_DIR.length + 1)}\n`).join(''),
        );
      }
      if (path === `${CSAF_DIR}/changes.csv`) {
        const rows = list.map((a) => `"${a.csafPath.slice(CSAF_DIR.length + 1)}","${a.lastPublished.toISOString()}"\n`);
        return send(req, res, 200, 'text/csv; charset=utf-8', rows.join(''));
      }
      const m = new RegExp(`^${CSAF_DIR}/(\\d{4})/([a-z0-9_+-]+\\.json)(\\.sha256|\\.sha512|\\.asc)?$`).exec(path);
      const a = m ? list.find((x) => x.csafPath === `${CSAF_DIR}/${m[1]}/${m[2]}`) : undefined;
      if (m && a) {
        const bytes = csafBytes(a);
        if (!m[3]) return send(req, res, 200, 'application/json; charset=utf-8', bytes);
        if (m[3] === '.asc') {
          // Dated at the last publication of the document it signs.
          const signature =
            deps.keyPassphrase && (await signDetached(deps.db, deps.keyPassphrase, bytes, a.lastPublished));
          if (!signature) return send(req, res, 404, 'text/plain; charset=utf-8', 'Not signed.\n');
          return send(req, res, 200, 'application/pgp-signature', signature);
        }
        const algo = m[3] === '.sha256' ? 'sha256' : 'sha512';
        const digest = createHash(algo).update(bytes).digest('hex');
        return send(req, res, 200, 'text/plain; charset=utf-8', `${digest}  ${csafFileName(a.publicId)}\n`);
      }
      return send(req, res, 404, 'text/plain; charset=utf-8', 'Not found.\n');
    },
  };
}
