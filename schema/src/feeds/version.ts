// Version order for matching third-party CVEs. NVD's ranges (versionStart/End
// Including/Excluding) and the versions in SBOMs are free-form strings from
// every ecosystem (1.2.3, 2.4.58, 1.1.1w, 8.0p1, 2021.03-rc2), so there is no
// one library's order to use: semver refuses most of them. This is the usual
// "natural" order — numbers compare as numbers, letters as text, a release
// after its pre-releases — written out so its rules are visible and tested.

type Token = number | string;

/** "1.1.1w" → [1, 1, 1, "w"]; separators (. - _ + ~) only split. */
function tokens(version: string): Token[] {
  const out: Token[] = [];
  // A leading "v" (v3.0.2) is decoration.
  for (const m of version
    .toLowerCase()
    .replace(/^v(?=\d)/, '')
    .matchAll(/\d+|[a-z]+/g)) {
    out.push(/^\d/.test(m[0]) ? Number(m[0]) : m[0]);
  }
  return out;
}

const PRE = /^(alpha|a|beta|b|pre|preview|rc|c|dev|snapshot|m)$/;

/** < 0 when a is older than b, 0 when the same, > 0 when newer. */
export function compareVersions(a: string, b: string): number {
  const x = tokens(a);
  const y = tokens(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const p = x[i];
    const q = y[i];
    if (p === undefined || q === undefined) {
      // 1.0 vs 1.0.1: older; 1.0 vs 1.0-rc1: the release is newer than its pre-release;
      // 1.1.1 vs 1.1.1w: a letter suffix is a later patch (OpenSSL).
      const rest = (p ?? q) as Token;
      const sign = p === undefined ? -1 : 1;
      if (typeof rest === 'string' && PRE.test(rest)) return -sign;
      return sign;
    }
    if (p === q) continue;
    if (typeof p === 'number' && typeof q === 'number') return p - q;
    // A number against a word (1.0.1 vs 1.0.rc1): the number is the later.
    if (typeof p === 'number') return 1;
    if (typeof q === 'number') return -1;
    // Two words: pre-release words rank by their usual order, before anything else.
    const rank = (w: string) =>
      ['dev', 'snapshot', 'alpha', 'a', 'beta', 'b', 'm', 'pre', 'preview', 'rc', 'c'].indexOf(w);
    const rp = rank(p);
    const rq = rank(q);
    if (rp >= 0 && rq >= 0) return rp - rq;
    if (rp >= 0) return -1;
    if (rq >= 0) return 1;
    return p < q ? -1 : 1;
  }
  return 0;
}

/** A version range as NVD writes it; absent bounds are open. */
export interface VersionRange {
  startIncluding?: string | null;
  startExcluding?: string | null;
  endIncluding?: string | null;
  endExcluding?: string | null;
}

export function inRange(version: string, r: VersionRange): boolean {
  if (r.startIncluding && compareVersions(version, r.startIncluding) < 0) return false;
  if (r.startExcluding && compareVersions(version, r.startExcluding) <= 0) return false;
  if (r.endIncluding && compareVersions(version, r.endIncluding) > 0) return false;
  if (r.endExcluding && compareVersions(version, r.endExcluding) >= 0) return false;
  return true;
}
