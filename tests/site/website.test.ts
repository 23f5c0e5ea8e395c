// The public advisory website and the CSAF provider layout, over real HTTP and
// in a real browser (Debian's chromium driven by playwright-core). Only
// published, TLP:CLEAR advisories are ever served; drafts and limited
// distribution never appear, in pages, feeds, indexes or files.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishedAdvisory, readyCase } from '../support/advisories.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { csafProblems } from '../support/csaf.ts';
import { dialect } from '../support/db.ts';
import { makeWorld, type World } from '../support/world.ts';

const CHROMIUM = process.env.PSIRT_CHROMIUM ?? '/usr/bin/chromium';
const ARTIFACTS = path.resolve(import.meta.dirname, '../../.ci-results/artifacts');
const NAMESPACE = 'https://psirt.example.com';

let app: TestApp;
let w: World;
const ids = { published: '', draft: '', green: '' };

beforeAll(async () => {
  app = await startTestApp({ submissionsPerHour: 1000 });
  w = await makeWorld(app);
  const first = await readyCase(app, w, { cve: 'CVE-2026-20001' });
  const cwe = await w.analyst.gql('mutation($i: UpdateCaseInput!) { updateCase(input: $i) { id } }', {
    i: { caseId: first, cweIds: ['CWE-287'] },
  });
  if (cwe.errors) throw new Error(JSON.stringify(cwe.errors));
  ids.published = await publishedAdvisory(app, w, first, {
    summary: 'A crafted session cookie grants administrative access to the web interface.',
  });
  ids.green = await publishedAdvisory(app, w, await readyCase(app, w, { cve: 'CVE-2026-20002' }), {
    title: 'Partner-only advisory about RTU500',
    tlp: 'GREEN',
  });
  const draft = await w.analyst.gql(
    `mutation { createAdvisory(cases: ["${await readyCase(app, w, { cve: 'CVE-2026-20003' })}"], title: "Secret draft advisory") { publicId } }`,
  );
  ids.draft = draft.data?.createAdvisory.publicId;
});
afterAll(() => app?.[Symbol.asyncDispose]());

const get = (p: string) => fetch(new URL(p, app.origin), { redirect: 'manual' });
const local = (url: string) => url.replace(NAMESPACE, '');

describe(`the public website (${dialect})`, () => {
  it('lists and shows published advisories only, with working filters', async () => {
    const root = await get('/');
    expect([root.status, root.headers.get('location')]).toEqual([302, '/advisories']);

    const index = await get('/advisories');
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('content-security-policy')).toContain("default-src 'none'");
    const body = await index.text();
    expect(body).toContain(ids.published);
    expect(body).toContain('High 8.8');
    for (const hidden of [ids.draft, ids.green, 'Secret draft advisory', 'Partner-only'])
      expect(body).not.toContain(hidden);

    expect(await (await get('/advisories?product=gateway&severity=HIGH')).text()).toContain(ids.published);
    expect(await (await get('/advisories?severity=CRITICAL')).text()).toContain(
      'No published advisory matches these filters.',
    );
    expect(await (await get('/advisories?product=bms')).text()).not.toContain(ids.published);
    expect(await (await get('/advisories?year=2001')).text()).not.toContain(ids.published);

    const page = await get(`/advisories/${ids.published}`);
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain('<h1>GridLink Gateway authentication bypass</h1>');
    expect(html).toContain('CVE-2026-20001');
    expect(html).toContain('We thank Rhea Reporter (Example Lab) for reporting this.');
    // As a customer reads it: linked CVE and CWE with its name, exploitation, a fix by version,
    // the products not affected apart, the contact as a mail link.
    expect(html).toContain('<a href="https://www.cve.org/CVERecord?id=CVE-2026-20001">CVE-2026-20001</a>');
    expect(html).toContain(
      '<a href="https://cwe.mitre.org/data/definitions/287.html">CWE-287</a> Improper Authentication',
    );
    expect(html).toContain('<dt>Exploitation</dt><dd>No exploitation is known to us.</dd>');
    expect(html).toContain('<td data-label="Status">Affected; fixed in 4.2.1</td>');
    expect(html).toContain('<h2>Products not affected</h2>');
    const affectedTable = html.slice(
      html.indexOf('<caption>Status per product'),
      html.indexOf('</table>', html.indexOf('<caption>Status per product')),
    );
    expect(affectedTable).not.toContain('RTU500');
    expect(html).toContain('<td data-label="Why">The RTU500 web server does not use session cookies.</td>');
    expect(html).toContain('<a href="mailto:psirt@example.com">psirt@example.com</a>');
    expect(html).toContain('<a href="/advisories.atom">Atom feed</a> of all advisories');
    // Not affected is nothing to filter for.
    expect(await (await get('/advisories?product=rtu')).text()).not.toContain(ids.published);
    expect(await (await get('/advisories')).text()).not.toContain('<option value="rtu">');
    for (const hidden of [ids.draft, ids.green]) {
      const res = await get(`/advisories/${hidden}`);
      expect(res.status).toBe(404);
      expect(await res.text()).not.toMatch(/Secret draft|Partner-only/);
    }
  });

  it('escapes everything people typed', async () => {
    const caseId = await readyCase(app, w, { cve: 'CVE-2026-20004' });
    const evil = await publishedAdvisory(app, w, caseId, {
      title: 'Bypass <script>alert(1)</script> & more',
      summary: '<img src=x onerror=alert(1)>',
    });
    const html = await (await get(`/advisories/${evil}`)).text();
    expect(html).toContain('Bypass &lt;script&gt;alert(1)&lt;/script&gt; &amp; more');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
  });

  it('serves the coordinated vulnerability disclosure policy, linked from security.txt and every page (CRA Annex I)', async () => {
    const txt = await (await get('/.well-known/security.txt')).text();
    expect(txt).toMatch(new RegExp(`^Policy: ${NAMESPACE}/security/disclosure-policy$`, 'm'));
    const res = await get('/security/disclosure-policy');
    expect(res.status).toBe(200);
    const policy = await res.text();
    expect(policy).toContain('<h1>Coordinated vulnerability disclosure policy</h1>');
    expect(policy).toContain('Example Vendor PSIRT takes the security of its products seriously.');
    expect(policy).toContain('or write to <strong>psirt@example.com</strong>.');
    expect(policy).toContain('<a href="/report">report form</a>');
    expect(policy).not.toContain('{{');
    expect(await (await get('/advisories')).text()).toContain(
      '<a href="/security/disclosure-policy">coordinated vulnerability disclosure policy</a>',
    );

    // The vendor's own text, edited carelessly: markup is shown, not run, and script links go nowhere.
    const file = path.join(tmpdir(), `psirt-policy-${process.pid}.md`);
    writeFileSync(file, '# Our policy\n\n<script>alert(1)</script> [click](javascript:alert(1)) Mail {{contact}}.\n');
    await using own = await startTestApp({ cra: { policyFile: file } });
    const page = await (await fetch(`${own.origin}/security/disclosure-policy`)).text();
    expect(page).toContain('<h1>Our policy</h1>');
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).not.toContain('<script>');
    expect(page).not.toContain('href="javascript:');
    expect(page).toContain('Mail psirt@example.com.');
  });

  it('publishes security.txt and an Atom feed', async () => {
    const txt = await (await get('/.well-known/security.txt')).text();
    expect(txt).toMatch(/^Contact: mailto:psirt@example\.com$/m);
    expect(txt).toMatch(/^Expires: \d{4}-\d\d-\d\dT00:00:00\.000Z$/m);
    expect(txt).toContain(`CSAF: ${NAMESPACE}/.well-known/csaf/provider-metadata.json`);

    const atom = await get('/advisories.atom');
    expect(atom.headers.get('content-type')).toBe('application/atom+xml; charset=utf-8');
    const xml = await atom.text();
    expect(xml).toContain('<feed xmlns="http://www.w3.org/2005/Atom">');
    expect(xml).toContain(`<id>${NAMESPACE}/advisories/${ids.published}</id>`);
    expect(xml).not.toContain(ids.green);
    // RFC 4287: an author in every entry, a term on every category; the score and CVE ids in each entry.
    const entry = xml.slice(xml.indexOf(`<id>${NAMESPACE}/advisories/${ids.published}</id>`));
    const one = entry.slice(0, entry.indexOf('</entry>'));
    expect(one).toMatch(/<author>\s*<name>Example Vendor PSIRT<\/name>\s*<email>psirt@example\.com<\/email>/);
    expect(one).toContain(
      '<category label="HIGH" scheme="https://psirt.example.com/advisories?severity=" term="high"/>',
    );
    expect(one).toContain(
      '<category label="CVE-2026-20001" scheme="https://www.cve.org/CVERecord?id=" term="CVE-2026-20001"/>',
    );
    expect(one).toContain('Severity: HIGH (CVSS 8.8). CVE: CVE-2026-20001');
    expect(xml).not.toMatch(/<category(?![^>]*term=)[^>]*>/);
  });

  it('gives feed readers advisory text as text: a hostile title and summary are shown, never run', async () => {
    const title = 'Gateway <script>alert(1)</script> & "quotes" ]]> end';
    const summary = 'Summary <img src=x onerror=alert(2)> <b>bold</b> ]]>';
    const hostile = await publishedAdvisory(app, w, await readyCase(app, w, { cve: 'CVE-2026-20005' }), {
      title,
      summary,
    });
    const xml = await (await get('/advisories.atom')).text();
    const start = xml.indexOf(`<id>${NAMESPACE}/advisories/${hostile}</id>`);
    const entry = xml.slice(xml.lastIndexOf('<entry>', start), xml.indexOf('</entry>', start));
    // What an XML parser hands the reader, for an element of type="html" (CDATA or escaped text).
    const element = (name: string) => {
      const m = new RegExp(`<${name} type="html">(?:<!\\[CDATA\\[([\\s\\S]*?)\\]\\]>|([^<]*))</${name}>`).exec(entry);
      expect(m, `${name} in ${entry}`).not.toBeNull();
      return m?.[1] ?? (m?.[2] ?? '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
    };
    const decode = (s: string) =>
      s
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&quot;/g, '"')
        .replace(/&#39;/g, "'")
        .replace(/&amp;/g, '&');
    for (const [name, text] of [
      ['title', `${hostile}: ${title}`],
      ['summary', summary],
    ] as const) {
      const asHtml = element(name);
      // HTML with no markup in it: a reader renders exactly the text the page shows.
      expect(asHtml, name).not.toMatch(/</);
      expect(decode(asHtml), name).toContain(text);
    }
    // The page escapes the same text.
    const page = await (await get(`/advisories/${hostile}`)).text();
    expect(page).not.toContain('<script>alert(1)');
    expect(page).not.toContain('<img src=x');
  });

  it('has an icon for every page', async () => {
    const icon = await get('/favicon.ico');
    expect([icon.status, icon.headers.get('content-type')]).toEqual([200, 'image/x-icon']);
    const bytes = Buffer.from(await icon.arrayBuffer());
    // An ICO directory with one 32-px PNG image.
    expect([bytes.readUInt16LE(0), bytes.readUInt16LE(2), bytes.readUInt16LE(4), bytes[6]]).toEqual([0, 1, 1, 32]);
    expect(bytes.subarray(22, 26).toString('latin1')).toBe('\x89PNG');
    expect(await (await get('/advisories')).text()).toContain('<link rel="icon" href="/favicon.ico"');
  });

  it('serves the CSAF provider layout: metadata, ROLIE feed, documents with hashes, index.txt, changes.csv', async () => {
    const meta = await (await get('/.well-known/csaf/provider-metadata.json')).json();
    expect(meta).toMatchObject({
      canonical_url: `${NAMESPACE}/.well-known/csaf/provider-metadata.json`,
      metadata_version: '2.0',
      role: 'csaf_provider',
      publisher: { category: 'vendor', namespace: NAMESPACE },
    });
    const feedUrl = meta.distributions[0].rolie.feeds[0].url as string;
    const feed = (await (await get(local(feedUrl))).json()).feed;
    const entry = feed.entry.find((e: { id: string }) => e.id === ids.published);
    expect(feed.entry.map((e: { id: string }) => e.id)).not.toContain(ids.green);
    const docUrl = local(entry.content.src as string);
    expect(docUrl).toMatch(/^\/\.well-known\/csaf\/white\/\d{4}\/sa-\d{4}-\d{4}\.json$/);

    const bytes = Buffer.from(await (await get(docUrl)).arrayBuffer());
    const doc = JSON.parse(bytes.toString('utf8'));
    expect(await csafProblems(doc)).toEqual([]);
    for (const algo of ['sha256', 'sha512'] as const) {
      const line = await (await get(`${docUrl}.${algo}`)).text();
      expect(line).toBe(`${createHash(algo).update(bytes).digest('hex')}  ${path.basename(docUrl)}\n`);
    }
    // The same document as GraphQL serves.
    const gql = await app.anonymous.gql(`{ advisory(publicId: "${ids.published}") { csaf } }`);
    expect(gql.data?.advisory.csaf).toEqual(doc);

    const index = await (await get('/.well-known/csaf/white/index.txt')).text();
    expect(index.split('\n')).toContain(docUrl.replace('/.well-known/csaf/white/', ''));
    const changes = await (await get('/.well-known/csaf/white/changes.csv')).text();
    expect(changes).toMatch(
      new RegExp(`^"${docUrl.replace('/.well-known/csaf/white/', '')}","\\d{4}-\\d\\d-\\d\\dT[^"]+Z"$`, 'm'),
    );
    expect(index + changes).not.toContain(ids.draft.toLowerCase());
    expect((await get('/.well-known/csaf/white/2026/sa-2026-9999.json')).status).toBe(404);
  });

  it.skipIf(!existsSync(CHROMIUM))(
    'works in a real browser without JavaScript: filters, links, landmarks, labels',
    async () => {
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          '--no-first-run',
        ],
      });
      try {
        const context = await browser.newContext({ javaScriptEnabled: false });
        const page = await context.newPage();
        await page.goto(new URL('/advisories', app.origin).href);
        expect(await page.getAttribute('html', 'lang')).toBe('en');
        expect(await page.locator('h1').allTextContents()).toEqual(['Security advisories']);
        expect(await page.locator('main').count()).toBe(1);
        // Every form control has a label a screen reader announces.
        for (const id of ['product', 'severity', 'year']) {
          expect(await page.locator(`label[for="${id}"]`).count()).toBe(1);
        }
        // Filtering is a plain GET form: no script needed.
        await page.selectOption('#severity', 'CRITICAL');
        await Promise.all([page.waitForURL(/severity=CRITICAL/), page.click('button[type="submit"]')]);
        expect(await page.textContent('main')).toContain('No published advisory matches these filters.');
        await page.selectOption('#severity', '');
        await page.selectOption('#product', 'gateway');
        await Promise.all([page.waitForURL(/product=gateway/), page.click('button[type="submit"]')]);
        await Promise.all([page.waitForURL(new RegExp(ids.published)), page.click(`a:text("${ids.published}")`)]);
        expect(await page.textContent('h1')).toBe('GridLink Gateway authentication bypass');
        expect(await page.locator('table caption').allTextContents()).toEqual([
          'Status per product',
          'Products checked and not affected',
          'Versions of this advisory',
        ]);
        expect(await page.locator('th[scope="row"]').first().textContent()).toBe('GridLink Gateway');
        mkdirSync(ARTIFACTS, { recursive: true });
        await page.screenshot({ path: path.join(ARTIFACTS, 'advisory-page.png'), fullPage: true });
        expect(existsSync(path.join(ARTIFACTS, 'advisory-page.png'))).toBe(true);

        // On a phone (390 px): nothing wider than the screen, the AVSS in view.
        const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1 });
        const small = await phone.newPage();
        await small.goto(new URL(`/advisories/${ids.published}`, app.origin).href);
        expect(await small.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
        const avss = await small.locator('td[data-label="Severity (AVSS)"]').first().boundingBox();
        expect(avss).not.toBeNull();
        expect((avss?.x ?? 0) + (avss?.width ?? 0)).toBeLessThanOrEqual(390);
        expect(await small.locator('td[data-label="Severity (AVSS)"]').first().textContent()).toContain('High 8.8');
        await small.screenshot({ path: path.join(ARTIFACTS, 'advisory-page-390px.png'), fullPage: true });
        await phone.close();
      } finally {
        await browser.close();
      }
    },
  );
});
