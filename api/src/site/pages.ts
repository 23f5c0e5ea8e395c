// The public advisory website: server-rendered, no JavaScript, semantic HTML
// (landmarks, one h1, captioned tables with header scopes, labelled form
// controls, severity in words and not only in colour).
import { fixedVersionOf, SEVERITIES, SEVERITY_LABELS } from '@psirt/schema';
import MarkdownIt from 'markdown-it';
import { cweName } from '../cve/cwe.ts';
import type { IndexFilter, PublicAdvisory } from './data.ts';
import { html, SafeHtml } from './html.ts';

const STYLE = `
:root { color-scheme: light; --ink: #1b1f24; --muted: #4a5563; --line: #d0d7de; --accent: #0b57d0; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #fff; }
a { color: var(--accent); }
a:focus-visible, button:focus-visible, select:focus-visible { outline: 3px solid #ffbf47; outline-offset: 2px; }
.skip { position: absolute; left: -999px; } .skip:focus { left: 1rem; top: 1rem; background: #fff; padding: .5rem; z-index: 1; }
header, main, footer { max-width: 72rem; margin: 0 auto; padding: 1rem 1.5rem; }
header { border-bottom: 1px solid var(--line); display: flex; gap: 1rem; align-items: baseline; flex-wrap: wrap; }
header .site { font-weight: 700; font-size: 1.1rem; text-decoration: none; color: var(--ink); }
footer { border-top: 1px solid var(--line); color: var(--muted); font-size: .9rem; }
h1 { font-size: 1.8rem; line-height: 1.25; margin: .5rem 0 1rem; }
h2 { font-size: 1.3rem; margin-top: 2rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
caption { text-align: left; font-weight: 600; padding: .25rem 0; }
th, td { text-align: left; vertical-align: top; padding: .5rem; border-bottom: 1px solid var(--line); }
thead th { border-bottom: 2px solid var(--ink); }
form.filters { display: flex; gap: 1rem; flex-wrap: wrap; align-items: end; margin: 1rem 0; }
form.filters label { display: flex; flex-direction: column; font-size: .9rem; color: var(--muted); }
select, button, input, textarea { font: inherit; padding: .35rem .5rem; max-width: 100%; }
form.report p { margin: .75rem 0; } form.report label { font-weight: 600; }
form.report input[type=text], form.report input[type=email], form.report textarea, form.report select { width: 100%; }
.hint { color: var(--muted); font-size: .9rem; font-weight: 400; }
.hp { position: absolute; left: -9999px; }
.ok { border-left: 4px solid #14532d; background: #eefbf1; padding: .75rem 1rem; margin: 1rem 0; overflow-wrap: anywhere; }
form.report input[type=file] { width: 100%; }
.secret { overflow-wrap: anywhere; background: #f6f8fa; padding: .5rem; border: 1px solid var(--line); }
ol.thread { list-style: none; padding: 0; } ol.thread li { border-bottom: 1px solid var(--line); padding: .5rem 0; }
ol.thread pre { white-space: pre-wrap; font: inherit; margin: .25rem 0; }
.sev { display: inline-block; padding: 0 .45rem; border-radius: .25rem; font-weight: 600; font-size: .9rem; border: 1px solid currentColor; }
.sev-CRITICAL { color: #8b0000; } .sev-HIGH { color: #9a3412; } .sev-MEDIUM { color: #7a5c00; } .sev-LOW { color: #14532d; } .sev-NONE { color: var(--muted); }
.notice { border-left: 4px solid #9a3412; background: #fff4ec; padding: .75rem 1rem; margin: 1rem 0; overflow-wrap: anywhere; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
dl.facts dt { color: var(--muted); } dl.facts dd { margin: 0; }
code { font-size: .9em; overflow-wrap: anywhere; }
h3 { font-size: 1.1rem; margin: 1.25rem 0 .5rem; }
/* A phone (390 px): tables become one block per row, each cell with its column's name. */
@media (max-width: 40rem) {
  header, main, footer { padding: .75rem 1rem; }
  h1 { font-size: 1.5rem; }
  table.stack thead { position: absolute; left: -9999px; }
  table.stack tr { display: block; border-bottom: 1px solid var(--line); padding: .5rem 0; }
  table.stack th, table.stack td { display: block; border: 0; padding: .1rem 0; }
  table.stack td[data-label]::before { content: attr(data-label) ": "; color: var(--muted); }
  dl.facts { grid-template-columns: 1fr; gap: 0; } dl.facts dd { margin-bottom: .5rem; }
}
`;

export interface SiteInfo {
  publisher: { name: string; namespace: string; contactDetails: string };
}

/** What the advisory page links to besides the CSAF document: its signature, the PSIRT key. */
export interface PageLinks {
  /** CSAF documents have detached OpenPGP signatures (.asc). */
  signed: boolean;
  /** The PSIRT's public key is published (/pgp-key.asc). */
  key: boolean;
}

const cveLink = (id: string) => html`<a href="https://www.cve.org/CVERecord?id=${id}">${id}</a>`;
const cweLink = (id: string) => {
  const name = cweName(id);
  return html`<a href="https://cwe.mitre.org/data/definitions/${id.replace(/^CWE-/, '')}.html">${id}</a>${name ? html` ${name}` : ''}`;
};
const joined = (items: readonly SafeHtml[], by = ', ') =>
  items.reduce<SafeHtml | string>((acc, x, i) => (i === 0 ? x : html`${acc}${by}${x}`), '');

/** The PSIRT contact as a link: mailto: for an address, the URL for a web form. */
function contactLink(contact: string) {
  if (/^https?:\/\//.test(contact)) return html`<a href="${contact}">${contact}</a>`;
  const email = /[^\s<>@]+@[^\s<>@]+\.[^\s<>@]+/.exec(contact)?.[0];
  if (!email) return html`${contact}`;
  const [before, after] = [
    contact.slice(0, contact.indexOf(email)),
    contact.slice(contact.indexOf(email) + email.length),
  ];
  return html`${before}<a href="mailto:${email}">${email}</a>${after}`;
}

const date = (d: Date) => d.toISOString().slice(0, 10);

function severityBadge(s: { severity: string; score: number } | null) {
  if (!s) return html`<span class="sev sev-NONE">Not scored</span>`;
  const label = SEVERITY_LABELS[s.severity as keyof typeof SEVERITY_LABELS] ?? s.severity;
  return html`<span class="sev sev-${s.severity}">${label} ${s.score.toFixed(1)}</span>`;
}

export function layout(site: SiteInfo, title: string, body: SafeHtml, options: { script?: string } = {}): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · ${site.publisher.name}</title>
<link rel="icon" href="/favicon.ico" sizes="32x32">
<link rel="alternate" type="application/atom+xml" title="${site.publisher.name} security advisories" href="/advisories.atom">
<style>${new SafeHtml(STYLE)}</style>
${options.script ? html`<script type="module" src="${options.script}"></script>` : ''}
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header>
  <a class="site" href="/advisories">${site.publisher.name}</a>
  <nav aria-label="Site"><a href="/advisories">Security advisories</a> · <a href="/report">Report a vulnerability</a> · <a href="/subscribe">Subscribe by e-mail</a> · <a href="/advisories.atom">Atom feed</a> · <a href="/.well-known/csaf/provider-metadata.json">CSAF provider metadata</a> · <a href="/.well-known/security.txt">security.txt</a> · <a href="${POLICY_PATH}">Vulnerability disclosure policy</a></nav>
</header>
<main id="main">
${body}
</main>
<footer>
  <p>Report a vulnerability: ${contactLink(site.publisher.contactDetails)} — see our <a href="${POLICY_PATH}">coordinated vulnerability disclosure policy</a>. Machine-readable advisories are published as CSAF 2.0.</p>
</footer>
</body>
</html>
`.value;
}

export function indexPage(
  site: SiteInfo,
  all: readonly PublicAdvisory[],
  shown: readonly PublicAdvisory[],
  filter: IndexFilter,
): string {
  const products = new Map<string, string>();
  // A product offered in the filter is one an advisory says something to act on about: not "not affected".
  for (const a of all) for (const p of a.content.products) if (p.status !== 'NOT_AFFECTED') products.set(p.key, p.name);
  const years = [...new Set(all.map((a) => a.firstPublished.getUTCFullYear()))].sort((x, y) => y - x);
  const option = (value: string, label: string, selected: boolean) =>
    html`<option value="${value}"${selected ? html` selected` : ''}>${label}</option>`;
  const body = html`
<h1>Security advisories</h1>
<form class="filters" method="get" action="/advisories">
  <label for="product">Product
    <select id="product" name="product">
      ${option('', 'All products', !filter.product)}
      ${[...products].sort((x, y) => x[1].localeCompare(y[1])).map(([key, name]) => option(key, name, filter.product === key))}
    </select>
  </label>
  <label for="severity">Minimum severity
    <select id="severity" name="severity">
      ${option('', 'Any severity', !filter.minSeverity)}
      ${SEVERITIES.filter((s) => s !== 'NONE').map((s) => option(s, SEVERITY_LABELS[s], filter.minSeverity === s))}
    </select>
  </label>
  <label for="year">Year
    <select id="year" name="year">
      ${option('', 'All years', !filter.year)}
      ${years.map((y) => option(String(y), String(y), filter.year === y))}
    </select>
  </label>
  <button type="submit">Filter</button>
</form>
${
  shown.length === 0
    ? html`<p>No published advisory matches these filters.</p>`
    : html`<table class="stack">
  <caption>${shown.length} advisor${shown.length === 1 ? 'y' : 'ies'}</caption>
  <thead><tr><th scope="col">Advisory</th><th scope="col">Title</th><th scope="col">Severity</th><th scope="col">Products</th><th scope="col">Published</th><th scope="col">Updated</th></tr></thead>
  <tbody>
  ${shown.map(
    (a) => html`<tr>
    <th scope="row"><a href="/advisories/${a.publicId}">${a.publicId}</a></th>
    <td data-label="Title">${a.content.title}${a.early ? html` <em>(early advisory)</em>` : ''}${a.state === 'SUPERSEDED' ? html` <em>(superseded)</em>` : ''}</td>
    <td data-label="Severity">${severityBadge(a.severity)}</td>
    <td data-label="Products">${[...new Set(a.content.products.filter((p) => p.status !== 'NOT_AFFECTED').map((p) => p.name))].join(', ')}</td>
    <td data-label="Published"><time datetime="${a.firstPublished.toISOString()}">${date(a.firstPublished)}</time></td>
    <td data-label="Updated"><time datetime="${a.lastPublished.toISOString()}">${date(a.lastPublished)}</time></td>
  </tr>`,
  )}
  </tbody>
</table>`
}`;
  return layout(site, 'Security advisories', body);
}

const REMEDIATION_TEXT: Record<string, string> = {
  FIX: 'Fix',
  WORKAROUND: 'Workaround',
  CONFIGURATION: 'Configuration',
  RESTRICTION: 'Restriction',
};

type Product = PublicAdvisory['content']['products'][number];

/** A product's status as a customer reads it: a fixed version is named ("Fixed in 4.2.1"). */
function statusText(c: PublicAdvisory['content'], p: Product): string {
  const fixed = fixedVersionOf(c, p);
  if (p.status === 'FIXED') return fixed ? `Fixed in ${fixed}` : 'Fixed';
  if (p.status === 'AFFECTED') return fixed ? `Affected; fixed in ${fixed}` : 'Affected; no fix yet';
  if (p.status === 'UNDER_INVESTIGATION') return 'Under investigation';
  return 'Not affected';
}

export function advisoryPage(
  site: SiteInfo,
  a: PublicAdvisory,
  links: PageLinks = { signed: false, key: false },
): string {
  const c = a.content;
  const csaf = a.csafPath;
  const affected = c.products.filter((p) => p.status !== 'NOT_AFFECTED');
  const unaffected = c.products.filter((p) => p.status === 'NOT_AFFECTED');
  const exploited = c.cases.some((x) => x.exploitationObserved);
  const cwes = (x: PublicAdvisory['content']['cases'][number]) => x.cwes ?? (c.cases.length === 1 ? c.cwes : []);
  const body = html`
<article>
<h1>${c.title}</h1>
${a.early ? html`<p class="notice" role="note"><strong>Early advisory.</strong> Published before fixes are available for every affected product, because ${exploited ? 'exploitation has been observed' : 'information about the vulnerability is public'}. It will be updated when fixes ship.</p>` : ''}
${a.state === 'SUPERSEDED' ? html`<p class="notice" role="note">Superseded by <a href="/advisories/${a.supersededBy ?? ''}">${a.supersededBy}</a>.</p>` : ''}
<dl class="facts">
  <dt>Advisory</dt><dd>${a.publicId}</dd>
  <dt>Severity</dt><dd>${severityBadge(a.severity)}</dd>
  <dt>CVE</dt><dd>${c.cves.length ? joined(c.cves.map(cveLink)) : 'None assigned'}</dd>
  ${c.cwes.length ? html`<dt>CWE</dt><dd>${joined(c.cwes.map(cweLink), '; ')}</dd>` : ''}
  <dt>Exploitation</dt><dd>${exploited ? html`<strong>Exploitation has been observed.</strong>` : 'No exploitation is known to us.'}</dd>
  <dt>Published</dt><dd><time datetime="${a.firstPublished.toISOString()}">${date(a.firstPublished)}</time></dd>
  <dt>Last updated</dt><dd><time datetime="${a.lastPublished.toISOString()}">${date(a.lastPublished)}</time> (version ${a.publications.length})</dd>
  <dt>Distribution</dt><dd>TLP:CLEAR</dd>
</dl>

<h2>Summary</h2>
<p>${c.summary ?? c.title}</p>

<h2>Vulnerability details</h2>
${c.cases.map((x) => {
  const products = affected.filter((p) => p.case === x.publicId);
  return html`<section aria-label="${x.title}">
<h3>${x.title}</h3>
<dl class="facts">
  <dt>CVE</dt><dd>${x.cves.length ? joined(x.cves.map(cveLink)) : 'None assigned'}</dd>
  ${cwes(x).length ? html`<dt>Weakness</dt><dd>${joined(cwes(x).map(cweLink), '; ')}</dd>` : ''}
  <dt>Severity</dt><dd>${severityBadge(x.severity && x.severityScore !== null ? { severity: x.severity, score: x.severityScore } : null)}</dd>
  <dt>Exploitation</dt><dd>${x.exploitationObserved ? 'Observed' : 'Not known'}${x.publiclyKnown ? '; the vulnerability is publicly known' : ''}</dd>
  <dt>Impact</dt><dd>${
    products.length
      ? joined(
          products.map(
            (p) =>
              html`${p.name}${p.affectedVersions ? html` ${p.affectedVersions}` : ''}: ${statusText(c, p)}${p.avss ? html`, ${severityBadge({ severity: p.avss.severity, score: p.avss.score })}` : ''}`,
          ),
          '; ',
        )
      : 'No product is affected.'
  }</dd>
</dl>
</section>`;
})}

<h2>Affected products</h2>
${
  affected.length
    ? html`<table class="stack">
  <caption>Status per product</caption>
  <thead><tr><th scope="col">Product</th><th scope="col">Affected versions</th><th scope="col">Status</th><th scope="col">Severity (AVSS)</th></tr></thead>
  <tbody>
  ${affected.map(
    (p) => html`<tr>
    <th scope="row">${p.name}</th>
    <td data-label="Affected versions">${p.affectedVersions ?? 'All versions'}</td>
    <td data-label="Status">${statusText(c, p)}</td>
    <td data-label="Severity (AVSS)">${p.avss ? html`${severityBadge({ severity: p.avss.severity, score: p.avss.score })} <code>${p.avss.vector}</code>` : '—'}</td>
  </tr>`,
  )}
  </tbody>
</table>`
    : html`<p>No product is affected.</p>`
}
${
  unaffected.length
    ? html`<h2>Products not affected</h2>
<table class="stack">
  <caption>Products checked and not affected</caption>
  <thead><tr><th scope="col">Product</th><th scope="col">Why</th></tr></thead>
  <tbody>
  ${unaffected.map((p) => html`<tr><th scope="row">${p.name}</th><td data-label="Why">${p.justificationText ?? 'Not affected.'}</td></tr>`)}
  </tbody>
</table>`
    : ''
}

<h2>Remediation</h2>
${
  c.remediations.length
    ? html`<ul>${c.remediations.map(
        (r) =>
          html`<li><strong>${REMEDIATION_TEXT[r.kind] ?? r.kind}${r.product ? html` (${c.products.find((p) => p.key === r.product)?.name ?? r.product})` : ''}:</strong> ${r.description}${r.fixVersion ? html` Fixed in ${r.fixVersion}.` : ''}</li>`,
      )}</ul>`
    : html`<p>No fix or workaround is available yet.</p>`
}

${c.credits.length ? html`<h2>Acknowledgments</h2><p>We thank ${c.credits.join(', ')} for reporting this.</p>` : ''}

<h2>Revision history</h2>
<table class="stack">
  <caption>Versions of this advisory</caption>
  <thead><tr><th scope="col">Version</th><th scope="col">Date</th><th scope="col">Change</th></tr></thead>
  <tbody>
  ${a.publications.map((p, i) => html`<tr><th scope="row">${i + 1}</th><td data-label="Date"><time datetime="${p.date.toISOString()}">${date(p.date)}</time></td><td data-label="Change">${p.summary}</td></tr>`)}
  </tbody>
</table>

<h2>Machine-readable</h2>
<ul>
  <li><a href="${csaf}">CSAF 2.0 document</a> (<a href="${csaf}.sha256">SHA-256</a>, <a href="${csaf}.sha512">SHA-512</a>${links.signed ? html`, <a href="${csaf}.asc">OpenPGP signature</a>` : ''})</li>
  ${links.key ? html`<li><a href="/pgp-key.asc">The PSIRT's OpenPGP key</a> (to check the signature, and to write to us encrypted)</li>` : ''}
  <li><a href="/advisories.atom">Atom feed</a> of all advisories</li>
</ul>
<p>Questions about this advisory: ${contactLink(site.publisher.contactDetails)}.</p>
</article>`;
  return layout(site, `${a.publicId}: ${c.title}`, body);
}

export function notFoundPage(site: SiteInfo, what: string): string {
  return layout(
    site,
    'Not found',
    html`<h1>Not found</h1><p>${what}</p><p><a href="/advisories">All security advisories</a></p>`,
  );
}

export function messagePage(site: SiteInfo, title: string, text: string): string {
  return layout(
    site,
    title,
    html`<h1>${title}</h1><p>${text}</p><p><a href="/advisories">All security advisories</a></p>`,
  );
}

export function subscribePage(
  site: SiteInfo,
  products: readonly { key: string; name: string }[],
  error?: string,
): string {
  const body = html`
<h1>Subscribe to security advisories</h1>
<p>Get an e-mail when an advisory is published or updated. We send a confirmation link first; every mail has an unsubscribe link.</p>
${error ? html`<p class="notice" role="alert">${error}</p>` : ''}
<form method="post" action="/subscribe">
  <p><label for="email">E-mail address</label><br><input id="email" name="email" type="email" required autocomplete="email" size="40"></p>
  <fieldset>
    <legend>Products (none selected: all)</legend>
    ${products.map((p) => html`<label><input type="checkbox" name="products" value="${p.key}"> ${p.name}</label><br>`)}
  </fieldset>
  <p><label for="minSeverity">Minimum severity</label><br>
    <select id="minSeverity" name="minSeverity">
      <option value="">Any severity</option>
      ${SEVERITIES.filter((s) => s !== 'NONE').map((s) => html`<option value="${s}">${SEVERITY_LABELS[s]}</option>`)}
    </select></p>
  <button type="submit">Subscribe</button>
</form>`;
  return layout(site, 'Subscribe', body);
}

export function unsubscribePage(site: SiteInfo, token: string): string {
  const body = html`
<h1>Unsubscribe</h1>
<form method="post" action="/subscriptions/unsubscribe?token=${token}">
  <p>Stop receiving security advisories by e-mail?</p>
  <button type="submit">Unsubscribe</button>
</form>`;
  return layout(site, 'Unsubscribe', body);
}

/** Where the coordinated vulnerability disclosure policy lives (linked from security.txt and every page). */
export const POLICY_PATH = '/security/disclosure-policy';

/**
 * The vendor's CVD policy, Markdown with {{publisher}} and {{contact}}, as
 * HTML. markdown-it with raw HTML off escapes any markup in the text and
 * refuses javascript: links, so the page keeps its no-script CSP honest even
 * if the file is edited carelessly.
 */
export function renderPolicy(markdown: string, publisher: SiteInfo['publisher']): SafeHtml {
  const md = new MarkdownIt({ html: false, linkify: false, typographer: false });
  const text = markdown.replaceAll('{{publisher}}', publisher.name).replaceAll('{{contact}}', publisher.contactDetails);
  return new SafeHtml(md.render(text));
}

export function policyPage(site: SiteInfo, rendered: SafeHtml): string {
  return layout(
    site,
    'Coordinated vulnerability disclosure policy',
    html`<article class="policy">${rendered}</article>`,
  );
}
