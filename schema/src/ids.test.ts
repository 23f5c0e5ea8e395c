import { describe, expect, it } from 'vitest';
import { DomainError } from './errors.ts';
import { formatPublicId, parsePublicId } from './ids.ts';

describe('public ids', () => {
  it('formats with four digits at least', () => {
    expect(formatPublicId('VSR', 2026, 1)).toBe('VSR-2026-0001');
    expect(formatPublicId('SA', 2026, 12345)).toBe('SA-2026-12345');
  });

  it('parses what a person types', () => {
    expect(parsePublicId(' var-2026-0042 ')).toEqual({ kind: 'VAR', year: 2026, sequence: 42 });
  });

  it('says what it expected', () => {
    expect(() => parsePublicId('VSR-2026-0001', 'VAR')).toThrow('expected a VAR id');
    expect(() => parsePublicId('case 7')).toThrow(DomainError);
  });

  it('refuses nonsense sequences', () => {
    expect(() => formatPublicId('VAR', 2026, 0)).toThrow(RangeError);
  });
});
