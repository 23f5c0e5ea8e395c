// A load generator in its own process (autocannon): a benchmark's server must
// not share its event loop with the client measuring it. Receives autocannon's
// options, answers with the figures the benchmarks print.
import autocannon from 'autocannon';

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  total: number;
}

process.once('message', (options: autocannon.Options) => {
  autocannon(options, (err, r) => {
    if (err) throw err;
    const result: LoadResult = {
      rps: r.requests.average,
      p50: r.latency.p50,
      p99: r.latency.p99,
      errors: r.errors + r.non2xx,
      total: r.requests.total,
    };
    process.send?.(result, () => process.exit(0));
  });
});
