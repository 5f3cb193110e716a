/**
 * bench/read's client, forked as a second process: sequential latency of
 * one request at a time, then req/s at CONNECTIONS keep-alive connections
 * for SECONDS (autocannon), cycling through the given bodies. Every answer
 * must be 200 without GraphQL errors.
 */
import autocannon from 'autocannon';

/** What bench/read sends the client. */
export interface ReadClientJob {
  url: string;
  headers: Record<string, string>;
  bodies: string[];
  sequential: number;
  connections: number;
  seconds: number;
}

/** What it sends back. */
export interface ReadClientReport {
  p50: number;
  p99: number;
  reqPerSec: number;
  errors: number;
}

async function sequential(job: ReadClientJob): Promise<{ p50: number; p99: number; errors: number }> {
  const ms: number[] = [];
  let errors = 0;
  for (let i = 0; i < job.sequential; i++) {
    const t0 = performance.now();
    const res = await fetch(job.url, { method: 'POST', headers: job.headers, body: job.bodies[i % job.bodies.length] });
    const text = await res.text();
    ms.push(performance.now() - t0);
    if (res.status !== 200 || text.includes('"errors"')) errors++;
  }
  ms.sort((a, b) => a - b);
  return {
    p50: ms[Math.floor(ms.length * 0.5)],
    p99: ms[Math.min(ms.length - 1, Math.floor(ms.length * 0.99))],
    errors,
  };
}

function load(job: ReadClientJob): Promise<{ reqPerSec: number; errors: number }> {
  return new Promise((resolve, reject) => {
    let errors = 0;
    const instance = autocannon(
      {
        url: job.url,
        connections: job.connections,
        duration: job.seconds,
        requests: job.bodies.map((body) => ({ method: 'POST', headers: job.headers, body })),
      },
      (err, result) =>
        err ? reject(err) : resolve({ reqPerSec: result.requests.average, errors: errors + result.non2xx }),
    );
    instance.on('response', (_client, status, _bytes) => {
      if (status !== 200) errors++;
    });
  });
}

async function onJob(job: ReadClientJob): Promise<void> {
  // A few requests first: JIT and caches warm up in both servers alike.
  await sequential({ ...job, sequential: 20 });
  const seq = await sequential(job);
  const run = await load(job);
  const report: ReadClientReport = {
    p50: seq.p50,
    p99: seq.p99,
    reqPerSec: run.reqPerSec,
    errors: seq.errors + run.errors,
  };
  process.send!(report, () => process.exit(0));
}
process.on('message', (job: ReadClientJob) => void onJob(job));
