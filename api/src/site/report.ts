// The reporter's side of the website: /report (the form), /report/status (the
// private page a reporter token opens), replies, link rotation and a new link
// by mail. Every read and write goes through the GraphQL API in-process as the
// reporter (or anonymously), so a reporter sees exactly what their token may
// read there — no wider — and submissions meet the API's limits and rules.
// The token travels in POST bodies and URL fragments only: never in a URL a
// server, a log or a Referer would see.
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { Db } from '@psirt/db';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { WebFormSubmission } from '../context.ts';
import { currentPublicKey, openForPsirt } from '../services/keys.ts';
import {
  ATTACHMENT_LIMITS,
  CONTENT_TYPES,
  extension,
  type Form,
  FormProblem,
  MAX_REQUEST_BYTES,
  readForm,
} from './form.ts';
import { formTokens } from './form-tokens.ts';
import type { SafeHtml } from './html.ts';
import type { SiteInfo } from './pages.ts';
import {
  linkRequestPage,
  type ReportValues,
  reportFormPage,
  reportSentPage,
  type StatusReport,
  statusEntryPage,
  statusPage,
} from './report-pages.ts';
import { overTls, siteOrigin } from './transport.ts';

export interface GqlAnswer {
  status: number;
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

export interface ReporterSiteDeps {
  db: Db;
  site: SiteInfo;
  now: () => Date;
  /** The PSIRT keys' passphrase: without it nothing sealed in a browser can be opened. */
  keyPassphrase?: string;
  /** The disclosure policy, rendered, shown on the form before sending. */
  policy: SafeHtml;
  /** The API's per-address submission limit (submitVulnerabilityReport consumes it). */
  limiter: RateLimiterAbstract;
  /** GraphQL, in-process, for the request being served (its client address counts for rate limits). */
  gql(
    req: IncomingMessage,
    o: { token?: string; query: string; variables?: Record<string, unknown>; webForm?: WebFormSubmission },
  ): Promise<GqlAnswer>;
}

// Scripts from our origin only (openpgp.js is served from here, no CDN); no inline script at all.
// Referrer-Policy same-origin, not no-referrer: under no-referrer a browser posts our own forms
// with "Origin: null" — exactly what a hostile page sends by choosing that policy for itself — so
// only with the real Origin can a forged post be told apart. No other site ever gets a Referer,
// and the token is only ever in the fragment, which no Referer carries.
const HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'cache-control': 'no-store',
  'content-security-policy':
    "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
};

const ASSETS: Record<string, { file: string; type: string }> = {
  '/assets/report.js': {
    file: fileURLToPath(new URL('./assets/report.js', import.meta.url)),
    type: 'text/javascript; charset=utf-8',
  },
  // The browser build of the openpgp package we already depend on (its exports map names only the Node build).
  '/assets/openpgp.min.mjs': {
    file: fileURLToPath(new URL('../openpgp.min.mjs', import.meta.resolve('openpgp'))),
    type: 'text/javascript; charset=utf-8',
  },
};

export function reporterSite(deps: ReporterSiteDeps) {
  const { site } = deps;
  const tokens = formTokens({ db: deps.db, now: deps.now, keyPassphrase: deps.keyPassphrase });
  const csrf = () => tokens.issue();
  const csrfOk = (req: IncomingMessage, token: string | undefined) => tokens.consume(req, token);

  function send(
    req: IncomingMessage,
    res: ServerResponse,
    status: number,
    body: string | Buffer,
    type = 'text/html; charset=utf-8',
    extra = {},
  ) {
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    res.writeHead(status, { 'content-type': type, 'content-length': bytes.length, ...HEADERS, ...extra });
    res.end(req.method === 'HEAD' ? undefined : bytes);
    return true;
  }

  const products = () => deps.db.product.findMany({ orderBy: { name: 'asc' }, select: { key: true, name: true } });
  const keyInfo = async () => {
    const k = await currentPublicKey(deps.db);
    return k ? { fingerprint: k.fingerprint } : null;
  };
  const formPage = async (req: IncomingMessage, values: ReportValues, error?: string) =>
    reportFormPage(site, {
      products: await products(),
      values,
      error,
      csrf: csrf(),
      limits: ATTACHMENT_LIMITS,
      key: await keyInfo(),
      policy: deps.policy,
      tls: overTls(req, site.publisher.namespace),
    });

  /** Opens what a browser sealed to the PSIRT key (armoured text or binary). */
  async function unseal(input: string | Buffer): Promise<Buffer> {
    if (!deps.keyPassphrase)
      throw new FormProblem('Encrypted reports cannot be opened here; please send it with JavaScript off.');
    try {
      const opened = await openForPsirt(
        deps.db,
        deps.keyPassphrase,
        typeof input === 'string' ? input : new Uint8Array(input),
        {
          now: deps.now(),
          maxBytes: ATTACHMENT_LIMITS.fileBytes * 2,
        },
      );
      return Buffer.from(opened.data);
    } catch {
      throw new FormProblem(
        'What your browser encrypted could not be opened with our key (was the page open during a key change?). Please send it again.',
      );
    }
  }

  const valuesOf = (f: Map<string, string>): ReportValues => ({
    title: f.get('title') ?? '',
    description: f.get('description') ?? '',
    product: f.get('product') ?? '',
    version: f.get('version') ?? '',
    cvssVector: f.get('cvssVector') ?? '',
    exploited: f.get('exploited') === '1',
    kind: f.get('kind') ?? 'RESEARCHER',
    name: f.get('name') ?? '',
    organization: f.get('organization') ?? '',
    email: f.get('email') ?? '',
    confidential: f.get('confidential') === '1',
    creditPreference: f.get('creditPreference') ?? 'NAME_AND_ORGANIZATION',
    creditAs: f.get('creditAs') ?? '',
    pgpPublicKey: f.get('pgpPublicKey') ?? '',
  });
  const orNull = (s: string | undefined) => (s?.trim() ? s.trim() : null);

  async function submit(req: IncomingMessage, res: ServerResponse) {
    // Refused before it is read: more than the form's fields and attachments can hold.
    if (Number(req.headers['content-length'] ?? 0) > MAX_REQUEST_BYTES) {
      req.resume();
      return send(
        req,
        res,
        413,
        await formPage(req, {}, 'The report is too large: attachments may be at most 5 files of 5 MiB.'),
        undefined,
        {
          connection: 'close',
        },
      );
    }
    let form: Form;
    try {
      form = await readForm(req);
    } catch (error) {
      if (!(error instanceof FormProblem)) throw error;
      return send(req, res, 400, await formPage(req, error.form ? valuesOf(error.form.fields) : {}, error.message));
    }
    const f = form.fields;
    const values = valuesOf(f);
    const sealed = f.get('sealed')?.trim() ?? '';
    // What a browser sealed comes back empty: the script keeps the plaintext in the tab and puts it back.
    const refill = sealed ? { ...values, description: '' } : values;
    const refuse = async (status: number, message: string) =>
      send(req, res, status, await formPage(req, refill, message));
    if (f.get('website'))
      return refuse(400, 'The form has a field filled in that people leave empty; please send it again.');
    if (!(await csrfOk(req, f.get('csrf'))))
      return refuse(
        400,
        'This form has expired or did not come from our site; it is filled in again below: please send it again.',
      );
    if (f.get('policy') !== '1') return refuse(400, 'Please confirm that you have read the disclosure policy.');

    // The API's own limit decides; asked here first, so a refused address costs no decryption.
    const used = await deps.limiter.get(req.socket.remoteAddress ?? 'unknown');
    if (used && used.remainingPoints <= 0) {
      return refuse(
        429,
        `Too many reports from your address; try again in ${Math.ceil(used.msBeforeNext / 60_000)} minute(s).`,
      );
    }
    let description = values.description ?? '';
    const attachments: WebFormSubmission['attachments'] = [];
    try {
      if (sealed) {
        const manifest = JSON.parse((await unseal(sealed)).toString('utf8')) as {
          description?: unknown;
          attachments?: { name?: unknown; type?: unknown }[];
        };
        description = typeof manifest.description === 'string' ? manifest.description : '';
        const meta = Array.isArray(manifest.attachments) ? manifest.attachments : [];
        if (meta.length !== form.files.length)
          throw new FormProblem('The encrypted attachments did not all arrive; please send them again.');
        for (const [i, file] of form.files.entries()) {
          const name = String(meta[i]?.name ?? `attachment-${i + 1}`);
          attachments.push({ filename: name, contentType: '', content: await unseal(file.content), encrypted: true });
        }
      } else {
        for (const file of form.files)
          attachments.push({ filename: file.filename, contentType: '', content: file.content, encrypted: false });
      }
      for (const a of attachments) {
        const ext = extension(a.filename);
        if (!(ATTACHMENT_LIMITS.types as readonly string[]).includes(ext)) {
          throw new FormProblem(`“${a.filename}”: attachments may be ${ATTACHMENT_LIMITS.types.join(', ')}.`);
        }
        if (a.content.length > ATTACHMENT_LIMITS.fileBytes) {
          throw new FormProblem(`“${a.filename}” is larger than ${ATTACHMENT_LIMITS.fileBytes / 1048576} MiB.`);
        }
        a.contentType = CONTENT_TYPES[ext] ?? 'application/octet-stream';
      }
    } catch (error) {
      if (error instanceof FormProblem) return refuse(400, error.message);
      if (error instanceof SyntaxError)
        return refuse(400, 'What your browser encrypted could not be read; please send it again.');
      throw error;
    }

    const input = {
      title: values.title ?? '',
      description,
      affectedProducts: orNull(`${values.product ?? ''} ${values.version ?? ''}`),
      cvssVector: orNull(values.cvssVector),
      exploited: values.exploited === true,
      reporter: {
        kind: values.kind,
        name: orNull(values.name),
        organization: orNull(values.organization),
        email: orNull(values.email),
        pgpPublicKey: orNull(values.pgpPublicKey),
        confidential: values.confidential === true,
        creditPreference: values.creditPreference,
        creditAs: orNull(values.creditAs),
      },
    };
    const answer = await deps.gql(req, {
      query: `mutation($input: SubmitVulnerabilityReportInput!) {
        submitVulnerabilityReport(input: $input) { publicId reporterToken } }`,
      variables: { input },
      webForm: { encrypted: Boolean(sealed), attachments },
    });
    const error = answer.errors?.[0];
    if (error || !answer.data?.submitVulnerabilityReport) {
      const code = error?.extensions?.code;
      const status = code === 'RATE_LIMITED' ? 429 : code === 'VALIDATION' ? 400 : 500;
      // The API names fields as input.reporter.email: say it as the form does.
      const message = (error?.message ?? 'Something went wrong; please try again.').replace(
        /^input\.(reporter\.)?/,
        '',
      );
      return refuse(status, message);
    }
    const r = answer.data.submitVulnerabilityReport as { publicId: string; reporterToken: string };
    return send(
      req,
      res,
      200,
      reportSentPage(site, {
        publicId: r.publicId,
        link: `${siteOrigin(req, site.publisher.namespace)}/report/status#${r.reporterToken}`,
        encrypted: Boolean(sealed),
        tls: overTls(req, site.publisher.namespace),
        attachments: attachments.length,
        mailed: Boolean(input.reporter.email),
      }),
    );
  }

  const STATUS = `{ reports(first: 20) { edges { node {
    publicId title status receivedAt nextUpdateDue credit advisories { publicId title }
    messages { direction subject body createdAt } } } } }`;

  /** The reporter's reports, read with their token; null when it does not work. */
  async function reportsOf(req: IncomingMessage, token: string): Promise<StatusReport[] | null> {
    if (!/^psirt_[A-Za-z0-9_-]{10,200}$/.test(token)) return null;
    const answer = await deps.gql(req, { token, query: STATUS });
    if (answer.status === 401 || answer.errors?.length || !answer.data?.reports) return null;
    const list = (answer.data.reports as { edges: { node: StatusReport }[] }).edges.map((e) => e.node);
    return list.length ? list : null;
  }
  const tokenOf = (raw: string | undefined) => (raw ?? '').trim().replace(/^.*#/, '');
  const LINK_DEAD = 'This link does not work: it was replaced by a newer one, or it is incomplete.';

  async function showStatus(req: IncomingMessage, res: ServerResponse, token: string, notice?: string) {
    const reports = await reportsOf(req, token);
    if (!reports) return send(req, res, 404, statusEntryPage(site, { error: LINK_DEAD }));
    return send(req, res, 200, statusPage(site, { reports, token, csrf: csrf(), ...(notice ? { notice } : {}) }));
  }

  async function simpleForm(req: IncomingMessage, res: ServerResponse): Promise<Form | null> {
    try {
      return await readForm(req);
    } catch (error) {
      if (!(error instanceof FormProblem)) throw error;
      send(req, res, 400, statusEntryPage(site, { error: error.message }));
      return null;
    }
  }

  return {
    async handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> {
      const asset = ASSETS[path];
      if (asset && (req.method === 'GET' || req.method === 'HEAD')) {
        return send(req, res, 200, readFileSync(asset.file), asset.type, { 'cache-control': 'public, max-age=3600' });
      }
      if (!path.startsWith('/report')) return false;
      const post = req.method === 'POST';
      if (path === '/report') {
        if (post) return submit(req, res);
        return send(req, res, 200, await formPage(req, {}));
      }
      if (path === '/report/status') {
        if (!post) return send(req, res, 200, statusEntryPage(site, {}));
        const form = await simpleForm(req, res);
        return form ? showStatus(req, res, tokenOf(form.fields.get('token'))) : true;
      }
      if (path === '/report/link') {
        if (!post) return send(req, res, 200, linkRequestPage(site, { csrf: csrf() }));
        const form = await simpleForm(req, res);
        if (!form) return true;
        if (!(await csrfOk(req, form.fields.get('csrf')))) {
          return send(
            req,
            res,
            400,
            linkRequestPage(site, { csrf: csrf(), error: 'This form has expired; please send it again.' }),
          );
        }
        const answer = await deps.gql(req, {
          query: 'mutation($r: String!, $e: String!) { requestReporterLink(reportId: $r, email: $e) }',
          variables: { r: form.fields.get('reportId') ?? '', e: form.fields.get('email') ?? '' },
        });
        const error = answer.errors?.[0];
        if (error) return send(req, res, 429, linkRequestPage(site, { csrf: csrf(), error: error.message }));
        return send(
          req,
          res,
          200,
          linkRequestPage(site, { csrf: csrf(), message: String(answer.data?.requestReporterLink) }),
        );
      }
      if ((path === '/report/reply' || path === '/report/rotate') && post) {
        const form = await simpleForm(req, res);
        if (!form) return true;
        const token = tokenOf(form.fields.get('token'));
        if (!(await csrfOk(req, form.fields.get('csrf'))))
          return showStatus(req, res, token, 'The page had expired: nothing was sent. Please try again.');
        if (path === '/report/rotate') {
          const answer = await deps.gql(req, { token, query: 'mutation { rotateReporterToken }' });
          const fresh = answer.data?.rotateReporterToken as string | undefined;
          if (!fresh) return send(req, res, 404, statusEntryPage(site, { error: LINK_DEAD }));
          return showStatus(
            req,
            res,
            fresh,
            `Your new private link (shown once; the old one no longer works): ${siteOrigin(req, site.publisher.namespace)}/report/status#${fresh}`,
          );
        }
        let body = form.fields.get('body') ?? '';
        const sealed = form.fields.get('sealed')?.trim();
        try {
          if (sealed) body = (await unseal(sealed)).toString('utf8');
        } catch (error) {
          if (!(error instanceof FormProblem)) throw error;
          return showStatus(req, res, token, error.message);
        }
        const answer = await deps.gql(req, {
          token,
          query: 'mutation($r: String!, $b: String!) { replyToReport(reportId: $r, body: $b) { publicId } }',
          variables: { r: form.fields.get('reportId') ?? '', b: body },
        });
        const error = answer.errors?.[0];
        if (answer.status === 401) return send(req, res, 404, statusEntryPage(site, { error: LINK_DEAD }));
        return showStatus(
          req,
          res,
          token,
          error
            ? `Not sent: ${error.message}`
            : `Your message was sent${sealed ? ', encrypted in your browser to our key' : ''}.`,
        );
      }
      return false;
    },
  };
}
