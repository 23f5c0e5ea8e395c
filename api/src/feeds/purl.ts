// Package URLs (purl), parsed and normalised by packageurl-js: the inventory
// and suppliers' product trees are matched on the package URL without its
// version ("pkg:npm/lodash"), written the same way on both sides.
import { PackageURL } from 'packageurl-js';

/**
 * The package URL without version or qualifiers (the matching key), its
 * version, and its qualifiers; null when it is not a package URL.
 */
export function purlKey(
  purl: string,
): { key: string; version: string | null; qualifiers: Record<string, string> | null } | null {
  try {
    const p = PackageURL.fromString(purl);
    const qualifiers = p.qualifiers && Object.keys(p.qualifiers).length ? { ...p.qualifiers } : null;
    return {
      key: new PackageURL(p.type, p.namespace, p.name).toString(),
      version: p.version ?? null,
      qualifiers: qualifiers as Record<string, string> | null,
    };
  } catch {
    return null;
  }
}

export const PURL_EXPECTED = 'a package URL (pkg:type/namespace/name@version)';
