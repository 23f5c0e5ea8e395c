import { describe, expect, it } from 'vitest';
import { fullCpe } from '../feeds/cpe.ts';
import { cveVersions, plainText } from './record.ts';

describe('cveVersions', () => {
  it('reads the impact ranges the platform records', () => {
    expect(cveVersions('>=4.1.0 <4.2.1', '4.2.1')).toEqual([
      { version: '4.1.0', status: 'affected', lessThan: '4.2.1', versionType: 'semver' },
      { version: '4.2.1', status: 'unaffected' },
    ]);
    expect(cveVersions('<13.4', null)).toEqual([
      { version: '0', status: 'affected', lessThan: '13.4', versionType: 'custom' },
    ]);
    expect(cveVersions('<=2.0.9 || 3.1.2', null)).toEqual([
      { version: '0', status: 'affected', lessThanOrEqual: '2.0.9', versionType: 'semver' },
      { version: '3.1.2', status: 'affected' },
    ]);
    expect(cveVersions('>=5.0.0', '5.0.3')).toEqual([
      { version: '5.0.0', status: 'affected', lessThan: '5.0.3', versionType: 'semver' },
      { version: '5.0.3', status: 'unaffected' },
    ]);
    expect(cveVersions(null, '1.2.3')).toEqual([
      { version: '0', status: 'affected', lessThan: '1.2.3', versionType: 'semver' },
      { version: '1.2.3', status: 'unaffected' },
    ]);
  });

  it('says nothing rather than something wrong about a range it cannot read', () => {
    expect(cveVersions('all firmware before the 2024 release', null)).toBeNull();
    expect(cveVersions('>=2.0', null)).toBeNull();
    expect(cveVersions(null, null)).toBeNull();
  });
});

describe('plainText', () => {
  it('drops markdown marks and keeps link targets', () => {
    expect(plainText('## Impact\n**Remote** code execution, see [the notes](https://example.com/n).')).toBe(
      'Impact\nRemote code execution, see the notes (https://example.com/n).',
    );
  });
});

describe('fullCpe', () => {
  it('completes a catalogue CPE cut after the product, and refuses what is not a CPE', () => {
    expect(fullCpe('cpe:2.3:h:example:rtu_500')).toBe('cpe:2.3:h:example:rtu_500:*:*:*:*:*:*:*:*');
    expect(fullCpe('cpe:2.3:a:example:gateway:4.2:*:*:*:*:*:*:*')).toBe('cpe:2.3:a:example:gateway:4.2:*:*:*:*:*:*:*');
    expect(fullCpe('cpe:/h:example:rtu_500')).toBe('cpe:/h:example:rtu_500');
    expect(fullCpe('rtu500')).toBeNull();
    expect(fullCpe('cpe:2.3:h::rtu_500')).toBeNull();
  });
});
