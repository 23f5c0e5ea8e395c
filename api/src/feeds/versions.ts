// Version order per ecosystem, for the ranges OSV records give in their
// ecosystem's own scheme: each from the library that ecosystem's tools use
// or that implements its specification — semver (npm's parser) for npm, Go,
// crates.io, NuGet, Hex, Pub and OSV's SEMVER ranges; PEP 440 for PyPI
// (@renovatebot/pep440); Maven's ComparableVersion (mvncmp); RubyGems
// (@renovatebot/ruby-semver). Any other ecosystem compares in the natural
// order of @psirt/schema's version.ts, which reads any dotted version.
//
// A version its scheme cannot read compares as null: the criterion is then
// neither matched nor skipped in silence, the component is reported
// (MatchSummary.unreadable).

import { compareVersions, type VersionOrder } from '@psirt/schema';
import { compare as pep440Compare, valid as pep440Valid } from '@renovatebot/pep440';
import { eq as rubyEq, gt as rubyGt, valid as rubyValid } from '@renovatebot/ruby-semver';
import { compare as mavenCompare } from 'mvncmp';
import semver from 'semver';

/** Go writes v1.2.3; semver reads 1.2.3. Build metadata and "+incompatible" do not order. */
const goClean = (v: string) => v.replace(/^v/, '').replace(/\+incompatible$/, '');

const semverOrder =
  (clean: (v: string) => string = (v) => v): VersionOrder =>
  (a, b) => {
    const x = semver.parse(clean(a));
    const y = semver.parse(clean(b));
    return x && y ? semver.compare(x, y) : null;
  };

const pep440: VersionOrder = (a, b) => (pep440Valid(a) && pep440Valid(b) ? pep440Compare(a, b) : null);

const rubygems: VersionOrder = (a, b) => {
  if (!rubyValid(a) || !rubyValid(b)) return null;
  return rubyEq(a, b) ? 0 : rubyGt(a, b) ? 1 : -1;
};

// Maven's ComparableVersion orders every string (unknown qualifiers after known ones).
const maven: VersionOrder = (a, b) => mavenCompare(a, b);

const ORDERS: Record<string, VersionOrder> = {
  SEMVER: semverOrder(),
  npm: semverOrder(),
  'crates.io': semverOrder(),
  NuGet: semverOrder(),
  Hex: semverOrder(),
  Pub: semverOrder(),
  Go: semverOrder(goClean),
  PyPI: pep440,
  Maven: maven,
  RubyGems: rubygems,
};

/** The version order of a scheme (an OSV ecosystem name, or SEMVER). */
export function versionOrder(scheme: string | null | undefined): VersionOrder {
  return (scheme && ORDERS[scheme]) || compareVersions;
}

/** The ecosystems with an order of their own (the others use the natural order). */
export const ORDERED_ECOSYSTEMS = Object.keys(ORDERS).filter((k) => k !== 'SEMVER');
