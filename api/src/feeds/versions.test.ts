import { describe, expect, it } from 'vitest';
import { versionOrder } from './versions.ts';

const sign = (n: number | null) => (n === null ? null : Math.sign(n));

describe('versionOrder', () => {
  it('orders each ecosystem by its own rules', () => {
    // PEP 440: 2.0 is 2.0.0; a release candidate before its release; post-releases after.
    expect(sign(versionOrder('PyPI')('2.0', '2.0.0'))).toBe(0);
    expect(sign(versionOrder('PyPI')('5.0rc1', '5.0'))).toBe(-1);
    expect(sign(versionOrder('PyPI')('1.0.post1', '1.0'))).toBe(1);
    // semver (npm, Go with its v prefix): pre-releases before the release, numbers as numbers.
    expect(sign(versionOrder('npm')('1.10.0', '1.9.0'))).toBe(1);
    expect(sign(versionOrder('npm')('2.0.0-beta.2', '2.0.0'))).toBe(-1);
    expect(sign(versionOrder('Go')('v0.15.0', 'v0.23.0'))).toBe(-1);
    expect(sign(versionOrder('Go')('v2.0.0+incompatible', 'v2.0.0'))).toBe(0);
    // Maven: 1 is 1.0.0, "final" and "ga" are the release, a SNAPSHOT comes before it.
    expect(sign(versionOrder('Maven')('1', '1.0.0'))).toBe(0);
    expect(sign(versionOrder('Maven')('2.0-final', '2.0'))).toBe(0);
    expect(sign(versionOrder('Maven')('2.0-SNAPSHOT', '2.0'))).toBe(-1);
    expect(sign(versionOrder('Maven')('2.0-alpha-1', '2.0-beta-1'))).toBe(-1);
    // RubyGems: a letter segment is a pre-release.
    expect(sign(versionOrder('RubyGems')('1.2.3.pre', '1.2.3'))).toBe(-1);
    // Other ecosystems: the natural order.
    expect(sign(versionOrder('Packagist')('1.1.1w', '1.1.1'))).toBe(1);
  });

  it('says when a version is not one of the scheme (null), rather than guessing', () => {
    expect(versionOrder('PyPI')('2.x-custom', '2.31.0')).toBeNull();
    expect(versionOrder('npm')('latest', '1.0.0')).toBeNull();
    expect(versionOrder('RubyGems')('1.0 beta', '1.0')).toBeNull();
  });
});

describe('package URL criteria in their type’s order', () => {
  it('compares a CSAF purl criterion’s vers range and exact version in the purl type’s scheme', async () => {
    const { matchConfiguration } = await import('@psirt/schema');
    const item = (id: string, version: string) => ({ id, cpe: null, purl: 'pkg:pypi/django', version });
    const config = (c: Record<string, unknown>) => ({
      nodes: [{ cpeMatch: [{ vulnerable: true, criteria: 'pkg:pypi/django', ...c }] }],
    });
    const unreadable: string[] = [];
    const opts = { orderOf: versionOrder, unreadable: (i: { id: string }) => unreadable.push(i.id) };
    // PEP 440: 2.0 is 2.0.0, so not below it (the natural order would say it is).
    const range = config({ vers: 'vers:pypi/<2.0.0' });
    expect(matchConfiguration(range, [item('a', '2.0'), item('b', '1.11.29'), item('c', 'x.y-custom')], opts)).toEqual([
      'b',
    ]);
    expect(unreadable).toEqual(['c']);
    expect(matchConfiguration(config({ version: '2.0.0' }), [item('d', '2.0')], opts)).toEqual(['d']);
  });
});
