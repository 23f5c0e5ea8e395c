import { describe, expect, it } from 'vitest';
import { cpeKey, parseCpe } from './cpe.ts';
import { type Configuration, type InventoryItem, matchConfiguration } from './match.ts';
import { parseVers, versContains } from './vers.ts';
import { compareVersions, inRange } from './version.ts';

describe('version order', () => {
  it.each([
    ['1.2.3', '1.2.10', -1],
    ['2.4.58', '2.4.58', 0],
    ['1.0', '1.0.1', -1],
    ['1.0-rc1', '1.0', -1],
    ['1.0.0-beta', '1.0.0-rc.1', -1],
    ['1.0.0-alpha', '1.0.0-beta', -1],
    ['1.1.1', '1.1.1w', -1],
    ['1.1.1v', '1.1.1w', -1],
    ['8.0p1', '8.9p1', -1],
    ['2021.03', '2020.12', 1],
    ['v3.0.2', '3.0.2', 0],
    ['10.0.19041', '10.0.2', 1],
  ])('%s against %s', (a, b, sign) => {
    expect(Math.sign(compareVersions(a, b))).toBe(sign);
    expect(Math.sign(compareVersions(b, a))).toBe(-sign || 0);
  });

  it('keeps inclusive and exclusive bounds apart', () => {
    const r = { startIncluding: '2.0', endExcluding: '2.4.58' };
    expect(inRange('2.0', r)).toBe(true);
    expect(inRange('1.9.9', r)).toBe(false);
    expect(inRange('2.4.57', r)).toBe(true);
    expect(inRange('2.4.58', r)).toBe(false);
    expect(inRange('2.4.58', { endIncluding: '2.4.58' })).toBe(true);
    expect(inRange('2.0', { startExcluding: '2.0' })).toBe(false);
    expect(inRange('2.0.1', { startExcluding: '2.0' })).toBe(true);
    expect(inRange('99', {})).toBe(true);
  });
});

describe('CPE 2.3', () => {
  it('parses formatted strings, escapes included, and refuses others', () => {
    const c = parseCpe('cpe:2.3:a:busybox:busybox:1.36.1:*:*:*:*:*:*:*');
    expect(c).toMatchObject({ part: 'a', vendor: 'busybox', product: 'busybox', version: '1.36.1', targetSw: '*' });
    expect(c && cpeKey(c)).toBe('cpe:busybox:busybox');
    expect(parseCpe('cpe:2.3:a:acme:web\\:ui:2.0:*:*:*:*:*:*:*')?.product).toBe('web\\:ui');
    // CPE 2.2 URIs read as the same name: compared as one.
    const uri = parseCpe('cpe:/a:busybox:busybox:1.36');
    expect(uri).toEqual(parseCpe('cpe:2.3:a:busybox:busybox:1.36:*:*:*:*:*:*:*'));
    expect(parseCpe('cpe:/o:redhat:enterprise_linux:8::baseos')).toMatchObject({
      part: 'o',
      vendor: 'redhat',
      product: 'enterprise_linux',
      version: '8',
      update: '*',
      edition: 'baseos',
    });
    expect(parseCpe('cpe:/a:acme:web%3aui:2.0')?.product).toBe('web\\:ui');
    expect(parseCpe('cpe:/a:microsoft:ie:8::~~~android~~')).toMatchObject({ edition: '*', targetSw: 'android' });
    expect(parseCpe('cpe:/a:busybox')).toBeNull();
    expect(parseCpe('cpe:/a:x:y%zz')).toBeNull();
    expect(parseCpe('cpe:2.3:a:x:y')).toBeNull();
    expect(parseCpe('cpe:2.3:q:x:y:1:*:*:*:*:*:*:*')).toBeNull();
  });
});

const item = (id: string, cpe: string, version: string | null = null): InventoryItem => ({
  id,
  cpe: parseCpe(cpe),
  version,
});

describe('configurations against an inventory', () => {
  const openssl = item('ssl', 'cpe:2.3:a:openssl:openssl:3.0.7:*:*:*:*:*:*:*');
  const linux = item('os', 'cpe:2.3:o:linux:linux_kernel:5.15.0:*:*:*:*:*:*:*');
  const nameOnly = item('zlib', 'cpe:2.3:a:zlib:zlib:*:*:*:*:*:*:*:*', '1.2.13');

  it('matches ranges with inclusive and exclusive bounds, wildcards and exact versions', () => {
    const ranged = (range: Record<string, string>): Configuration => ({
      nodes: [{ cpeMatch: [{ vulnerable: true, criteria: 'cpe:2.3:a:openssl:openssl:*:*:*:*:*:*:*:*', ...range }] }],
    });
    expect(matchConfiguration(ranged({ startIncluding: '3.0.0', endExcluding: '3.0.8' }), [openssl])).toEqual(['ssl']);
    expect(matchConfiguration(ranged({ startIncluding: '3.0.0', endExcluding: '3.0.7' }), [openssl])).toEqual([]);
    expect(matchConfiguration(ranged({ endIncluding: '3.0.7' }), [openssl])).toEqual(['ssl']);
    expect(matchConfiguration(ranged({ startExcluding: '3.0.7' }), [openssl])).toEqual([]);
    expect(matchConfiguration(ranged({}), [openssl])).toEqual(['ssl']);
    const exact = (v: string): Configuration => ({
      nodes: [{ cpeMatch: [{ vulnerable: true, criteria: `cpe:2.3:a:openssl:openssl:${v}:*:*:*:*:*:*:*` }] }],
    });
    expect(matchConfiguration(exact('3.0.7'), [openssl])).toEqual(['ssl']);
    expect(matchConfiguration(exact('3.0.8'), [openssl])).toEqual([]);
    // The version from the component when its CPE has none.
    const zlib: Configuration = {
      nodes: [
        { cpeMatch: [{ vulnerable: true, criteria: 'cpe:2.3:a:zlib:zlib:*:*:*:*:*:*:*:*', endExcluding: '1.3' }] },
      ],
    };
    expect(matchConfiguration(zlib, [nameOnly])).toEqual(['zlib']);
    expect(matchConfiguration(zlib, [{ ...nameOnly, version: null }])).toEqual([]);
  });

  it('needs the platform of an AND configuration, and never reports the platform as affected', () => {
    const onLinux: Configuration = {
      operator: 'AND',
      nodes: [
        {
          cpeMatch: [
            { vulnerable: true, criteria: 'cpe:2.3:a:openssl:openssl:*:*:*:*:*:*:*:*', endExcluding: '3.0.8' },
          ],
        },
        { cpeMatch: [{ vulnerable: false, criteria: 'cpe:2.3:o:linux:linux_kernel:*:*:*:*:*:*:*:*' }] },
      ],
    };
    expect(matchConfiguration(onLinux, [openssl, linux])).toEqual(['ssl']);
    expect(matchConfiguration(onLinux, [openssl])).toEqual([]);
    // A platform alone (vulnerable: false) makes nothing affected.
    const platformOnly: Configuration = {
      nodes: [{ cpeMatch: [{ vulnerable: false, criteria: 'cpe:2.3:o:linux:linux_kernel:*:*:*:*:*:*:*:*' }] }],
    };
    expect(matchConfiguration(platformOnly, [linux])).toEqual([]);
  });

  it('reads several criteria in a node as OR, AND nodes as AND, and negation', () => {
    const either: Configuration = {
      nodes: [
        {
          operator: 'OR',
          cpeMatch: [
            { vulnerable: true, criteria: 'cpe:2.3:a:openssl:openssl:1.1.1:*:*:*:*:*:*:*' },
            { vulnerable: true, criteria: 'cpe:2.3:a:openssl:openssl:*:*:*:*:*:*:*:*', startIncluding: '3.0.0' },
          ],
        },
      ],
    };
    expect(matchConfiguration(either, [openssl])).toEqual(['ssl']);
    const both: Configuration = {
      nodes: [
        {
          operator: 'AND',
          cpeMatch: [
            { vulnerable: true, criteria: 'cpe:2.3:a:openssl:openssl:*:*:*:*:*:*:*:*' },
            { vulnerable: true, criteria: 'cpe:2.3:a:zlib:zlib:*:*:*:*:*:*:*:*' },
          ],
        },
      ],
    };
    expect(matchConfiguration(both, [openssl])).toEqual([]);
    expect(matchConfiguration(both, [openssl, nameOnly]).sort()).toEqual(['ssl', 'zlib']);
    const notOnLinux: Configuration = {
      operator: 'AND',
      nodes: [
        { cpeMatch: [{ vulnerable: true, criteria: 'cpe:2.3:a:openssl:openssl:*:*:*:*:*:*:*:*' }] },
        { negate: true, cpeMatch: [{ vulnerable: false, criteria: 'cpe:2.3:o:linux:linux_kernel:*:*:*:*:*:*:*:*' }] },
      ],
    };
    expect(matchConfiguration(notOnLinux, [openssl, linux])).toEqual([]);
    expect(matchConfiguration(notOnLinux, [openssl])).toEqual(['ssl']);
  });

  it('compares the other CPE attributes: ANY on either side accepts', () => {
    const onNode: Configuration = {
      nodes: [
        {
          cpeMatch: [
            { vulnerable: true, criteria: 'cpe:2.3:a:jquery:jquery:*:*:*:*:*:node.js:*:*', endExcluding: '3.5.0' },
          ],
        },
      ],
    };
    expect(matchConfiguration(onNode, [item('jq', 'cpe:2.3:a:jquery:jquery:3.4.1:*:*:*:*:*:*:*')])).toEqual(['jq']);
    expect(matchConfiguration(onNode, [item('jq', 'cpe:2.3:a:jquery:jquery:3.4.1:*:*:*:*:node.js:*:*')])).toEqual([
      'jq',
    ]);
    expect(matchConfiguration(onNode, [item('jq', 'cpe:2.3:a:jquery:jquery:3.4.1:*:*:*:*:wordpress:*:*')])).toEqual([]);
  });
});

describe('vers ranges (suppliers’ CSAF)', () => {
  const within = (range: string, version: string) => {
    const v = parseVers(range);
    if (!v) throw new Error(`not a vers: ${range}`);
    return versContains(v, version);
  };

  it('reads intervals, open ends, equality and exclusions', () => {
    expect(within('vers:npm/>=1.0.0|<2.0.0', '1.0.0')).toBe(true);
    expect(within('vers:npm/>=1.0.0|<2.0.0', '1.9.9')).toBe(true);
    expect(within('vers:npm/>=1.0.0|<2.0.0', '2.0.0')).toBe(false);
    expect(within('vers:npm/>=1.0.0|<2.0.0', '0.9.0')).toBe(false);
    expect(within('vers:generic/<=3.0.7', '3.0.7')).toBe(true);
    expect(within('vers:generic/<=3.0.7', '3.0.8')).toBe(false);
    expect(within('vers:generic/>1.1.1v', '1.1.1w')).toBe(true);
    // Two intervals: 1.x before 1.4.2 and 2.x before 2.0.5.
    const two = 'vers:generic/>=1.0|<1.4.2|>=2.0|<2.0.5';
    expect(within(two, '1.4.1')).toBe(true);
    expect(within(two, '1.9')).toBe(false);
    expect(within(two, '2.0.4')).toBe(true);
    expect(within(two, '2.0.5')).toBe(false);
    expect(within('vers:generic/1.2.3|1.2.5', '1.2.5')).toBe(true);
    expect(within('vers:generic/1.2.3|1.2.5', '1.2.4')).toBe(false);
    expect(within('vers:generic/!=1.2.4', '1.2.5')).toBe(true);
    expect(within('vers:generic/>=1.0|!=1.2.4', '1.2.4')).toBe(false);
    expect(within('vers:deb/*', '0.1')).toBe(true);
    expect(parseVers('>=1.0')).toBeNull();
    expect(parseVers('vers:npm/')).toBeNull();
  });

  it('matches package URL criteria against components by package URL, version or range', () => {
    const lodash: InventoryItem = { id: 'l', cpe: null, purl: 'pkg:npm/lodash', version: '4.17.20' };
    const cfg = (criterion: Record<string, string>): Configuration => ({
      nodes: [{ cpeMatch: [{ vulnerable: true, criteria: 'pkg:npm/lodash', ...criterion }] }],
    });
    expect(matchConfiguration(cfg({ vers: 'vers:npm/<4.17.21' }), [lodash])).toEqual(['l']);
    expect(matchConfiguration(cfg({ vers: 'vers:npm/<4.17.20' }), [lodash])).toEqual([]);
    expect(matchConfiguration(cfg({ version: '4.17.20' }), [lodash])).toEqual(['l']);
    expect(matchConfiguration(cfg({ version: '4.17.21' }), [lodash])).toEqual([]);
    // An unreadable range matches nothing; another package never matches.
    expect(matchConfiguration(cfg({ vers: '<4.17.21' }), [lodash])).toEqual([]);
    expect(matchConfiguration(cfg({}), [{ ...lodash, purl: 'pkg:npm/underscore' }])).toEqual([]);
    // A CPE criterion with a vers range (a supplier that names products by CPE).
    const byCpe: Configuration = {
      nodes: [
        {
          cpeMatch: [
            { vulnerable: true, criteria: 'cpe:2.3:a:openssl:openssl:*:*:*:*:*:*:*:*', vers: 'vers:generic/<3.0.8' },
          ],
        },
      ],
    };
    expect(matchConfiguration(byCpe, [item('ssl', 'cpe:2.3:a:openssl:openssl:3.0.7:*:*:*:*:*:*:*')])).toEqual(['ssl']);
    expect(matchConfiguration(byCpe, [item('ssl', 'cpe:2.3:a:openssl:openssl:3.0.8:*:*:*:*:*:*:*')])).toEqual([]);
  });
});

describe('package URL qualifiers', () => {
  const purlItem = (id: string, qualifiers: Record<string, string> | null, purl = 'pkg:deb/debian/curl') => ({
    id,
    cpe: null,
    purl,
    version: '7.88.1-10',
    qualifiers,
  });
  const criterion = (criteria: string, qualifiers: Record<string, string> | null) => ({
    nodes: [{ cpeMatch: [{ vulnerable: true, criteria, qualifiers }] }],
  });

  it('tells packages of other distributions and architectures apart where the type needs it', () => {
    const bookworm = criterion('pkg:deb/debian/curl', { distro: 'debian-12', arch: 'amd64' });
    expect(
      matchConfiguration(bookworm, [
        purlItem('same', { distro: 'debian-12', arch: 'amd64' }),
        purlItem('other-distro', { distro: 'debian-11', arch: 'amd64' }),
        purlItem('other-arch', { distro: 'debian-12', arch: 'arm64' }),
        // Not said on one side: it may be the same package.
        purlItem('unsaid', null),
      ]).sort(),
    ).toEqual(['same', 'unsaid']);
  });

  it('ignores qualifiers that do not change which package it is', () => {
    const jar = criterion('pkg:maven/log4j/log4j', { type: 'jar' });
    expect(
      matchConfiguration(jar, [purlItem('pom', { type: 'pom', classifier: 'sources' }, 'pkg:maven/log4j/log4j')]),
    ).toEqual(['pom']);
  });
});
