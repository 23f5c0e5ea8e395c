// A client of CVE Services (the CVE Program's API for CNAs), for the calls
// the PSIRT makes: reserve ids, publish and update a CNA container, reject an
// id, read the quota. As CVE Services documents them and cvelib calls them:
// CVE-API-ORG, CVE-API-USER and CVE-API-KEY headers on every request, JSON
// bodies, errors answered as { error, message, details }. Written by hand: the
// API is six calls and no maintained npm client exists (cvelib is Python).

export interface CveServicesConfig {
  /** Base URL, e.g. https://cveawg-test.mitre.org/api/ (PSIRT_CVE_API_URL). */
  url: string;
  /** The CNA's short name (PSIRT_CVE_ORG), its user and API key. */
  org: string;
  user: string;
  apiKey: string;
  /** Per request (default 30 s). */
  timeoutMs?: number;
}

/** The CVE Services test instance: the default, so that nothing reaches production by accident. */
export const CVE_SERVICES_TEST_URL = 'https://cveawg-test.mitre.org/api/';

/** An answer other than success, or no answer at all. */
export class CveServicesError extends Error {
  override name = 'CveServicesError';
  constructor(
    message: string,
    /** HTTP status (0: no answer: network, timeout). */
    readonly status: number,
    /** CVE Services' error code, e.g. BAD_INPUT, CVE_RECORD_EXISTS. */
    readonly code: string | null,
    readonly details: unknown,
  ) {
    super(message);
  }

  /** Worth trying again later: no answer, a server error, or too many requests. */
  get retryable(): boolean {
    return this.status === 0 || this.status >= 500 || this.status === 429;
  }
}

export interface ReservedIds {
  cveIds: string[];
  remainingQuota: number | null;
}

export function cveServicesClient(config: CveServicesConfig, fetchImpl: typeof fetch = fetch) {
  const base = config.url.endsWith('/') ? config.url : `${config.url}/`;

  async function call(method: string, path: string, options: { query?: Record<string, string>; body?: unknown } = {}) {
    const url = new URL(path, base);
    for (const [k, v] of Object.entries(options.query ?? {})) url.searchParams.set(k, v);
    let res: Response;
    try {
      res = await fetchImpl(url, {
        method,
        headers: {
          'CVE-API-ORG': config.org,
          'CVE-API-USER': config.user,
          'CVE-API-KEY': config.apiKey,
          accept: 'application/json',
          ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
        signal: AbortSignal.timeout(config.timeoutMs ?? 30_000),
      });
    } catch (error) {
      throw new CveServicesError(`CVE Services did not answer: ${(error as Error).message}`, 0, null, null);
    }
    const text = await res.text();
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = null;
    }
    if (!res.ok) {
      const b = (body ?? {}) as { error?: unknown; message?: unknown; details?: unknown };
      const code = typeof b.error === 'string' ? b.error : null;
      const message = typeof b.message === 'string' ? b.message : text.slice(0, 300) || res.statusText;
      throw new CveServicesError(
        `CVE Services answered ${res.status}${code ? ` ${code}` : ''}: ${message}`,
        res.status,
        code,
        b.details ?? null,
      );
    }
    return body as Record<string, unknown>;
  }

  return {
    /** Reserves `amount` ids of `year` for the CNA (sequential when several). */
    async reserve(amount: number, year: number): Promise<ReservedIds> {
      const body = await call('POST', 'cve-id', {
        query: {
          amount: String(amount),
          cve_year: String(year),
          short_name: config.org,
          ...(amount > 1 ? { batch_type: 'sequential' } : {}),
        },
      });
      const ids = Array.isArray(body.cve_ids) ? (body.cve_ids as { cve_id?: unknown }[]) : [];
      const meta = (body.meta ?? {}) as { remaining_quota?: unknown };
      return {
        cveIds: ids.map((x) => x.cve_id).filter((x): x is string => typeof x === 'string'),
        remainingQuota: typeof meta.remaining_quota === 'number' ? meta.remaining_quota : null,
      };
    },
    /** Publishes a first CNA container (POST), or replaces it (PUT). */
    publish(cveId: string, cnaContainer: unknown, update: boolean) {
      return call(update ? 'PUT' : 'POST', `cve/${encodeURIComponent(cveId)}/cna`, { body: { cnaContainer } });
    },
    /** Rejects an id with a rejected container (POST), or updates the rejection (PUT). */
    reject(cveId: string, cnaContainer: unknown, update: boolean) {
      return call(update ? 'PUT' : 'POST', `cve/${encodeURIComponent(cveId)}/reject`, { body: { cnaContainer } });
    },
    /** The CNA's id quota: { id_quota, total_reserved, available }. */
    quota() {
      return call('GET', `org/${encodeURIComponent(config.org)}/id_quota`);
    },
  };
}

export type CveServicesClient = ReturnType<typeof cveServicesClient>;
