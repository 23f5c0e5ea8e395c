// The reporter's side of the website: /report (the form), /report/status (the
// private page a reporter token opens), replies, link rotation and a new link
// by mail. Every read and write goes through the GraphQL API in-process as the
// reporter (or anonymously), so a reporter sees exactly what their token may
// read there — no wider — and submissions meet the API's limits and rules.
// The token travels in POST bodies and URL fragments only: never in a URL a
// server, a log or a Referer would see.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { Db } from '@psirt/db';
import Busboy from 'busboy';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { WebFormSubmission } from '../context.ts';
import { currentPublicKey, openForPsirt } from '../services/keys.ts';
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

export const ATTACHMENT_LIMITS = {
  files: 5,
  fileBytes: 5 * 1024 * 1024,
  types: [
    'txt',
    'log',
    'md',
    'pdf',
    'png',
    'jpg',
    'jpeg',
    'gif',
    'zip',
    'gz',
    'json',
    'xml',
    'pcap',
    'pcapng',
    'har',
    'py',
    'c',
    'sh',
  ],
} as const;
const CONTENT_TYPES: Record<string, string> = {
  txt: 'text/plain',
  log: 'text/plain',
  md: 'text/markdown',
  pdf: 'application/pdf',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  zip: 'application/zip',
  gz: 'application/gzip',
  json: 'application/json',
  xml: 'application/xml',
};
const FIELD_BYTES = 256 * 1024;
/** Fields, five sealed files (OpenPGP adds a little) and multipart framing. */
const MAX_REQUEST_BYTES = 2 * 1024 * 1024 + ATTACHMENT_LIMITS.files * (ATTACHMENT_LIMITS.fileBytes + 64 * 1024);
const CSRF_MAX_AGE_S = 4 * 3600;

// Scripts from our origin only (openpgp.js is served from here, no CDN); no inline script at all.
const HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
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

class FormProblem extends Error {
  constructor(
    message: string,
    /** What arrived before the problem, when anything did. */
    readonly form?: Form,
  ) {
    super(message);
  }
}

interface Form {
  fields: Map<string, string>;
  files: { filename: string; mimeType: string; content: Buffer }[];
}

/** Reads a urlencoded or multipart form within limits; over them, a FormProblem saying which. */
function readForm(req: IncomingMessage): Promise<Form> {
  return new Promise((resolve, reject) => {
    const fields = new Map<string, string>();
    const files: Form['files'] = [];
    let problem: string | null = null;
    let bb: Busboy.Busboy;
    try {
      bb = Busboy({
        headers: req.headers,
        limits: {
          fileSize: ATTACHMENT_LIMITS.fileBytes,
          files: ATTACHMENT_LIMITS.files,
          fieldSize: FIELD_BYTES,
          fields: 40,
        },
      });
    } catch {
      return reject(new FormProblem('This is not a form we can read.'));
    }
    bb.on('field', (name, value, info) => {
      if (info.valueTruncated) problem ??= `The field “${name}” is too long.`;
      fields.set(name, value);
    });
    bb.on('file', (_name, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('limit', () => {
        problem ??= `“${info.filename}” is larger than ${ATTACHMENT_LIMITS.fileBytes / 1048576} MiB.`;
      });
      stream.on('close', () => {
        if (info.filename)
          files.push({ filename: info.filename, mimeType: info.mimeType, content: Buffer.concat(chunks) });
      });
    });
    bb.on('filesLimit', () => {
      problem ??= `At most ${ATTACHMENT_LIMITS.files} attachments.`;
    });
    bb.on('fieldsLimit', () => {
      problem ??= 'The form has too many fields.';
    });
    bb.on('error', () => reject(new FormProblem('The form did not arrive whole; please send it again.')));
    // Over a limit: refused, with what did arrive (the form comes back filled in).
    bb.on('close', () => (problem ? reject(new FormProblem(problem, { fields, files })) : resolve({ fields, files })));
    req.pipe(bb);
  });
}

const extension = (name: string) => /\.([a-z0-9]+)$/i.exec(name)?.[1]?.toLowerCase() ?? '';

export function reporterSite(deps: ReporterSiteDeps) {
  const { site } = deps;
  // Stateless CSRF tokens (no cookie for anonymous reporters): a time and its HMAC. Instances sharing
  // the keys' passphrase accept each other's; without one, each process has its own secret.
  const secret = deps.keyPassphrase
    ? createHmac('sha256', deps.keyPassphrase).update('psirt site csrf v1').digest()
    : randomBytes(32);
  const sign = (ts: string) => createHmac('sha256', secret).update(ts).digest('base64url');
  const csrf = () => {
    const ts = String(Math.floor(deps.now().getTime() / 1000));
    return `${ts}.${sign(ts)}`;
  };
  const csrfOk = (req: IncomingMessage, token: string | undefined) => {
    // A form posted from another site carries its Origin: refused whatever the token.
    const origin = req.headers.origin;
    if (origin && origin !== 'null') {
      try {
        if (new URL(origin).host !== req.headers.host) return false;
      } catch {
        return false;
      }
    }
    const [ts = '', mac = ''] = (token ?? '').split('.');
    const want = Buffer.from(sign(ts));
    const got = Buffer.from(mac);
    const age = deps.now().getTime() / 1000 - Number(ts);
    return got.length === want.length && timingSafeEqual(got, want) && age >= -300 && age <= CSRF_MAX_AGE_S;
  };

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
  const formPage = async (values: ReportValues, error?: string) =>
    reportFormPage(site, {
      products: await products(),
      values,
      error,
      csrf: csrf(),
      limits: ATTACHMENT_LIMITS,
      key: await keyInfo(),
      policy: deps.policy,
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
        await formPage({}, 'The report is too large: attachments may be at most 5 files of 5 MiB.'),
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
      return send(req, res, 400, await formPage(error.form ? valuesOf(error.form.fields) : {}, error.message));
    }
    const f = form.fields;
    const values = valuesOf(f);
    const sealed = f.get('sealed')?.trim() ?? '';
    // What a browser sealed comes back empty: the script keeps the plaintext in the tab and puts it back.
    const refill = sealed ? { ...values, description: '' } : values;
    const refuse = async (status: number, message: string) => send(req, res, status, await formPage(refill, message));
    if (f.get('website'))
      return refuse(400, 'The form has a field filled in that people leave empty; please send it again.');
    if (!csrfOk(req, f.get('csrf')))
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
        link: `${origin(req, site.publisher.namespace)}/report/status#${r.reporterToken}`,
        encrypted: Boolean(sealed),
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
        return send(req, res, 200, await formPage({}));
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
        if (!csrfOk(req, form.fields.get('csrf'))) {
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
        if (!csrfOk(req, form.fields.get('csrf')))
          return showStatus(req, res, token, 'The page had expired: nothing was sent. Please try again.');
        if (path === '/report/rotate') {
          const answer = await deps.gql(req, { token, query: 'mutation { rotateReporterToken }' });
          const fresh = answer.data?.rotateReporterToken as string | undefined;
          if (!fresh) return send(req, res, 404, statusEntryPage(site, { error: LINK_DEAD }));
          return showStatus(
            req,
            res,
            fresh,
            `Your new private link (shown once; the old one no longer works): ${origin(req, site.publisher.namespace)}/report/status#${fresh}`,
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

/**
 * This site's origin as the browser reached it (for the link it shows): the
 * published address (PSIRT_PUBLISHER_NAMESPACE) when the browser used its host —
 * behind a proxy that ends TLS the request itself looks like plain HTTP.
 */
function origin(req: IncomingMessage, namespace: string) {
  try {
    const published = new URL(namespace);
    if (published.host === req.headers.host) return published.origin;
  } catch {}
  const tls = (req.socket as { encrypted?: boolean }).encrypted;
  return `${tls ? 'https' : 'http'}://${req.headers.host ?? 'localhost'}`;
}
