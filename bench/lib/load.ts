// Drives HTTP load with autocannon from this (separate) process: bounded in time and count,
// against 127.0.0.1 only.
import autocannon from 'autocannon';

export interface LoadResult { throughput: number; p50Ms: number; p99Ms: number; requests: number; errors: number; non2xx: number }

export interface LoadOptions {
  url: string;
  method?: 'GET' | 'POST';
  path: string;
  connections: number;
  durationSeconds?: number;
  amount?: number;
  headers?: Record<string, string>;
  body?: string;
  /** Builds each request (e.g. signs it); gets a per-connection context. */
  setupRequest?: (request: { method: string; path: string; headers: Record<string, string>; body?: string }, context: Record<string, unknown>) => typeof request;
  /** Sees each response (status, body) with the same per-connection context. */
  onResponse?: (status: number, body: string, context: Record<string, unknown>) => void;
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  if (!options.url.startsWith('http://127.0.0.1:')) throw new Error('benchmarks only target 127.0.0.1');
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    ...(options.amount ? { amount: options.amount } : { duration: options.durationSeconds ?? 5 }),
    timeout: 30,
    requests: [{
      method: options.method ?? 'GET', path: options.path,
      headers: { 'content-type': 'application/json', ...(options.headers ?? {}) },
      ...(options.body !== undefined ? { body: options.body } : {}),
      ...(options.setupRequest ? { setupRequest: options.setupRequest as never } : {}),
      ...(options.onResponse ? { onResponse: options.onResponse as never } : {}),
    }],
  });
  return {
    // Requests over the run's measured time (autocannon's per-second average is quantised by its
    // one-second samples, which a run of a fixed number of requests lasting a few seconds skews).
    throughput: Math.round((result.requests.total / ((result.finish.getTime() - result.start.getTime()) / 1000)) * 10) / 10,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: result.requests.total,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}
