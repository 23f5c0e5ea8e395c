// Package URLs (purl), parsed and normalised by packageurl-js: the inventory
// and suppliers' product trees are matched on the package URL without its
// version ("pkg:npm/lodash"), written the same way on both sides.
import { PackageURL } from 'packageurl-js';

/** The package URL without version, and its version; null when it is not a package URL. */
export function purlKey(purl: string): { key: string; version: string | null } | null {
  try {
    const p = PackageURL.fromString(purl);
    return { key: new PackageURL(p.type, p.namespace, p.name).toString(), version: p.version ?? null };
  } catch {
    return null;
  }
}

export const PURL_EXPECTED = 'a package URL (pkg:type/namespace/name@version)';
