// The reporter's pages: the report form, what it says after a submission, and
// the private status page with its reply form. Server-rendered; they work
// without JavaScript, and with it (/assets/report.js) the description,
// attachments and replies are encrypted in the browser to the PSIRT key.
import { html, type SafeHtml } from './html.ts';
import { layout, POLICY_PATH, type SiteInfo } from './pages.ts';

export const REPORT_SCRIPT = '/assets/report.js';

export interface ReportValues {
  title?: string;
  description?: string;
  product?: string;
  version?: string;
  cvssVector?: string;
  exploited?: boolean;
  kind?: string;
  name?: string;
  organization?: string;
  email?: string;
  confidential?: boolean;
  creditPreference?: string;
  creditAs?: string;
  pgpPublicKey?: string;
}

const KINDS = [
  ['RESEARCHER', 'Security researcher'],
  ['CUSTOMER', 'Customer'],
  ['PARTNER', 'Business partner'],
  ['CERT', 'CERT / CSIRT'],
  ['EMPLOYEE', 'Employee'],
  ['ANONYMOUS', 'I prefer not to say'],
] as const;
const CREDITS = [
  ['NAME_AND_ORGANIZATION', 'My name and organization'],
  ['NAME', 'My name'],
  ['ORGANIZATION', 'My organization'],
  ['NONE', 'Do not credit me'],
] as const;

const selected = (a: string | undefined, b: string) => (a === b ? html` selected` : '');

export function reportFormPage(
  site: SiteInfo,
  o: {
    products: readonly { key: string; name: string }[];
    values?: ReportValues;
    error?: string;
    csrf: string;
    limits: { files: number; fileBytes: number; types: readonly string[] };
    /** The PSIRT has a key: the browser can encrypt to it. */
    key: { fingerprint: string } | null;
    /** The disclosure policy, rendered: shown before sending. */
    policy: SafeHtml;
    /** The page was reached over TLS (or through the published https address): only then is HTTPS promised. */
    tls: boolean;
  },
): string {
  const v = o.values ?? {};
  const mib = Math.round(o.limits.fileBytes / 1048576);
  const body = html`
<h1>Report a vulnerability</h1>
<p>Tell us about a security vulnerability in one of our products. Please read our
<a href="${POLICY_PATH}">coordinated vulnerability disclosure policy</a> first: it says what you can expect from us and what we ask of you.</p>
${o.error ? html`<p class="notice" role="alert" id="form-error">${o.error}</p>` : ''}
<p class="${o.key ? 'ok' : 'notice'}" id="encryption-note" data-fingerprint="${o.key?.fingerprint ?? ''}">${
    o.key
      ? `With JavaScript on, your description and attachments are encrypted in this browser to our OpenPGP key before they are sent. Without it, ${o.tls ? 'they are sent over HTTPS only' : 'they are sent as they are: this page was opened over plain HTTP, not HTTPS'}.`
      : `${o.tls ? 'Your report is sent over HTTPS.' : 'Your report is sent as it is: this page was opened over plain HTTP, not HTTPS.'} (We have no OpenPGP key published yet, so it cannot be encrypted in your browser.)`
  }</p>
<form class="report" id="report" method="post" action="/report" enctype="multipart/form-data">
  <input type="hidden" name="csrf" value="${o.csrf}">
  <input type="hidden" name="sealed" value="">
  <p class="hp" aria-hidden="true"><label for="website">Leave this empty</label><input id="website" name="website" type="text" tabindex="-1" autocomplete="off"></p>
  <h2>The vulnerability</h2>
  <p><label for="title">Title</label><br><input id="title" name="title" type="text" required maxlength="200" value="${v.title ?? ''}"></p>
  <p><label for="description">Description <span class="hint">— what an attacker can do, how to reproduce it</span></label><br>
    <textarea id="description" name="description" rows="10" required maxlength="50000">${v.description ?? ''}</textarea></p>
  <p><label for="product">Affected product</label><br>
    <select id="product" name="product">
      <option value="">Not listed / not sure</option>
      ${o.products.map((p) => html`<option value="${p.name}"${selected(v.product, p.name)}>${p.name}</option>`)}
    </select></p>
  <p><label for="version">Version(s)</label><br><input id="version" name="version" type="text" maxlength="200" value="${v.version ?? ''}"></p>
  <p><label for="cvssVector">CVSS vector <span class="hint">— optional, v3.1 or v4.0</span></label><br>
    <input id="cvssVector" name="cvssVector" type="text" maxlength="300" value="${v.cvssVector ?? ''}" aria-describedby="cvss-result">
    <span id="cvss-result" class="hint" aria-live="polite"></span></p>
  <p><label><input type="checkbox" name="exploited" value="1"${v.exploited ? html` checked` : ''}> I know it is being exploited</label></p>
  <p><label for="attachments">Attachments <span class="hint">— up to ${o.limits.files} files of ${mib} MiB: ${o.limits.types.join(', ')}</span></label><br>
    <input id="attachments" name="attachments" type="file" multiple></p>
  <h2>About you</h2>
  <p><label for="kind">You are</label><br><select id="kind" name="kind">
    ${KINDS.map(([k, label]) => html`<option value="${k}"${selected(v.kind ?? 'RESEARCHER', k)}>${label}</option>`)}
  </select></p>
  <p><label for="name">Name</label><br><input id="name" name="name" type="text" maxlength="200" autocomplete="name" value="${v.name ?? ''}"></p>
  <p><label for="organization">Organization</label><br><input id="organization" name="organization" type="text" maxlength="200" autocomplete="organization" value="${v.organization ?? ''}"></p>
  <p><label for="email">E-mail <span class="hint">— to hear back from us; optional</span></label><br><input id="email" name="email" type="email" maxlength="320" autocomplete="email" value="${v.email ?? ''}"></p>
  <p><label><input type="checkbox" name="confidential" value="1"${v.confidential ? html` checked` : ''}> Do not disclose my name</label></p>
  <p><label for="creditPreference">Credit in the advisory</label><br><select id="creditPreference" name="creditPreference">
    ${CREDITS.map(([k, label]) => html`<option value="${k}"${selected(v.creditPreference ?? 'NAME_AND_ORGANIZATION', k)}>${label}</option>`)}
  </select></p>
  <p><label for="creditAs">Exact credit line <span class="hint">— optional</span></label><br><input id="creditAs" name="creditAs" type="text" maxlength="200" value="${v.creditAs ?? ''}"></p>
  <p><label for="pgpPublicKey">Your OpenPGP public key <span class="hint">— optional: our replies are then encrypted to it</span></label><br>
    <textarea id="pgpPublicKey" name="pgpPublicKey" rows="4">${v.pgpPublicKey ?? ''}</textarea></p>
  <details id="policy"><summary>Our coordinated vulnerability disclosure policy</summary>${o.policy}</details>
  <p><label><input type="checkbox" name="policy" value="1" required> I have read the <a href="${POLICY_PATH}">disclosure policy</a></label></p>
  <p><button type="submit">Send the report</button></p>
</form>`;
  return layout(site, 'Report a vulnerability', body, { script: REPORT_SCRIPT });
}

export function reportSentPage(
  site: SiteInfo,
  o: { publicId: string; link: string; encrypted: boolean; tls: boolean; attachments: number; mailed: boolean },
): string {
  const body = html`
<h1>Thank you: ${o.publicId}</h1>
<p class="ok" role="status" id="sent">We received your report as <strong>${o.publicId}</strong>. ${
    o.encrypted
      ? `Your description${o.attachments ? ` and ${o.attachments} attachment${o.attachments === 1 ? '' : 's'}` : ''} were encrypted in your browser to our OpenPGP key before they were sent.`
      : `It was sent ${o.tls ? 'over HTTPS' : 'over plain HTTP (not HTTPS)'}, not encrypted to our OpenPGP key${o.attachments ? ` (with ${o.attachments} attachment${o.attachments === 1 ? '' : 's'})` : ''}.`
  }</p>
<h2>Your private link</h2>
<p>Follow your report and write to us here. <strong>This link is shown once</strong>: keep it to yourself — anyone who has it can read the thread.${
    o.mailed ? ' We also sent a link to your e-mail address.' : ''
  }</p>
<p class="secret"><a id="status-link" href="${o.link}">${o.link}</a></p>
<p>Lost it? <a href="/report/link">Ask for a new link by e-mail</a>.</p>`;
  return layout(site, `Report ${o.publicId} received`, body, { script: REPORT_SCRIPT });
}

export interface StatusReport {
  publicId: string;
  title: string;
  status: string;
  receivedAt: string;
  nextUpdateDue: string | null;
  credit: string | null;
  advisories: { publicId: string; title: string }[];
  messages: { direction: string; subject: string; body: string; createdAt: string }[];
}

const STATUS_TEXT: Record<string, string> = {
  RECEIVED: 'Received',
  ACKNOWLEDGED: 'Acknowledged — waiting for triage',
  IN_ANALYSIS: 'In analysis',
  CLOSED: 'Closed',
  REJECTED: 'Not taken up (see our message below)',
};

/** Asks for the token (a POST), or takes it from the link's fragment with JavaScript. */
export function statusEntryPage(site: SiteInfo, o: { error?: string }): string {
  const body = html`
<h1>Your report</h1>
${o.error ? html`<p class="notice" role="alert">${o.error}</p>` : ''}
<form class="report" id="status-entry" method="post" action="/report/status">
  <p><label for="token">Your private link or access token</label><br>
    <input id="token" name="token" type="password" required autocomplete="off"></p>
  <p><button type="submit">Show my report</button></p>
</form>
<p>Lost it? <a href="/report/link">Ask for a new link by e-mail</a>.</p>`;
  return layout(site, 'Your report', body, { script: REPORT_SCRIPT });
}

export function statusPage(
  site: SiteInfo,
  o: { reports: StatusReport[]; token: string; csrf: string; notice?: SafeHtml | string },
): string {
  const day = (iso: string) => iso.slice(0, 10);
  const body = html`
<h1>Your report${o.reports.length === 1 ? '' : 's'}</h1>
${o.notice ? html`<p class="ok" role="status">${o.notice}</p>` : ''}
${o.reports.map(
  (r) => html`
<section aria-labelledby="h-${r.publicId}">
<h2 id="h-${r.publicId}">${r.publicId}: ${r.title}</h2>
<dl class="facts">
  <dt>Status</dt><dd id="status-${r.publicId}">${STATUS_TEXT[r.status] ?? r.status}</dd>
  <dt>Received</dt><dd>${day(r.receivedAt)}</dd>
  ${r.nextUpdateDue ? html`<dt>Next update</dt><dd>by ${day(r.nextUpdateDue)}</dd>` : ''}
  <dt>Credit</dt><dd>${r.credit ?? 'You will not be named.'}</dd>
  ${
    r.advisories.length
      ? html`<dt>Advisory</dt><dd>${r.advisories.map((a) => html`<a href="/advisories/${a.publicId}">${a.publicId}: ${a.title}</a> `)}</dd>`
      : ''
  }
</dl>
<h3>Messages</h3>
<ol class="thread">
  ${r.messages.map(
    (m) =>
      html`<li><strong>${m.direction === 'INBOUND' ? 'You' : 'PSIRT'}</strong>, ${day(m.createdAt)} — ${m.subject}<pre>${m.body}</pre></li>`,
  )}
</ol>
<form class="report reply" method="post" action="/report/reply">
  <input type="hidden" name="csrf" value="${o.csrf}">
  <input type="hidden" name="token" value="${o.token}">
  <input type="hidden" name="reportId" value="${r.publicId}">
  <input type="hidden" name="sealed" value="">
  <p><label for="body-${r.publicId}">Write to the PSIRT</label><br><textarea id="body-${r.publicId}" name="body" rows="5" required maxlength="50000"></textarea></p>
  <p><button type="submit">Send</button> <span class="hint encryption-note"></span></p>
</form>
</section>`,
)}
<h2>This link</h2>
<form method="post" action="/report/rotate">
  <input type="hidden" name="csrf" value="${o.csrf}">
  <input type="hidden" name="token" value="${o.token}">
  <p>If someone else may have seen your link, replace it: the old one stops working at once.</p>
  <p><button type="submit">Replace my link</button></p>
</form>`;
  return layout(site, 'Your report', body, { script: REPORT_SCRIPT });
}

export function linkRequestPage(site: SiteInfo, o: { csrf: string; message?: string; error?: string }): string {
  const body = html`
<h1>A new link to your report</h1>
${o.message ? html`<p class="ok" role="status">${o.message}</p>` : ''}
${o.error ? html`<p class="notice" role="alert">${o.error}</p>` : ''}
<form class="report" method="post" action="/report/link">
  <input type="hidden" name="csrf" value="${o.csrf}">
  <p><label for="reportId">Report id</label><br><input id="reportId" name="reportId" type="text" required placeholder="VSR-2026-0001"></p>
  <p><label for="email">The e-mail address you reported with</label><br><input id="email" name="email" type="email" required></p>
  <p><button type="submit">Mail me a new link</button></p>
</form>`;
  return layout(site, 'A new link to your report', body);
}
