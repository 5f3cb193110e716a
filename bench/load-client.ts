/**
 * bench/load-client: the load generator of bench/load. bench/load.ts forks
 * it as a second process, so the server's CPU and heap are measured alone,
 * sends it a LoadClientConfig, and gets a LoadClientReport back.
 *
 * The workload (`Workload`) is exported: bench/load.ts replays the same mix
 * in-process with graphql-js `execute` as the baseline.
 */
import autocannon from 'autocannon';
import { prng } from '../scripts/demo/random';

/** The API keys of the run: one per role the mix uses; `limited` has a deliberately low rate limit. */
export type KeyName = 'admin' | 'marketing' | 'sales' | 'partner' | 'limited';

/** What the seeded store holds that requests can name. */
export interface LoadTargets {
  contactIds: string[];
  /** Contacts of the partner the PARTNER key belongs to. */
  partnerContactIds: string[];
  sources: string[];
  owners: string[];
  /** Prefixes of names and companies that exist, for `search`. */
  searches: string[];
}

/** One GraphQL request of the mix. */
export interface Operation {
  name: string;
  key: KeyName;
  query: string;
  variables: Record<string, unknown>;
}

type Request = Omit<Operation, 'name'>;

const CONTACT_FIELDS =
  'id email firstName lastName company score fitScore engagementScore stage temperature stageChangedAt';

const LIST = `query Contacts($filter: ContactFilter, $orderBy: ContactOrder, $first: Int) {
  contacts(filter: $filter, orderBy: $orderBy, first: $first) { totalCount pageInfo { endCursor hasNextPage }
    edges { node { ${CONTACT_FIELDS} } } } }`;

const PAGE = `query ContactPage($id: ID!) {
  contact(id: $id) {
    ${CONTACT_FIELDS} source ownerId partnerId
    qualification { budget authority need timeline qualifiedAt }
    activities(first: 20) { totalCount pageInfo { hasNextPage } edges { node { id type occurredAt points
      properties } } }
    transitions { fromStage toStage trigger score actor occurredAt }
    scoreBreakdown { ruleId ruleName kind points applications }
  } }`;

const RECORD = `mutation Record($inputs: [ActivityInput!]!) {
  recordActivities(inputs: $inputs) { duplicates activities { id points } transitions { contactId fromStage
    toStage } } }`;

const METRICS = `query Metrics($from: DateTime!, $to: DateTime!, $groupBy: MetricsGroupBy) {
  conversionMetrics(from: $from, to: $to, groupBy: $groupBy) {
    stages { stage entered current medianDaysInStage }
    conversions { fromStage toStage entered converted rate }
    groups { key stages { stage entered current } }
  } }`;

const VIEWER = 'query Viewer { viewer { id name role } }';

/** Activity types as live tracking sends them: mostly views and opens, a few strong signals. */
const TYPES: [string, number][] = [
  ['page_view', 45],
  ['email_open', 25],
  ['email_click', 10],
  ['content_download', 6],
  ['form_submit', 5],
  ['webinar_attended', 4],
  ['demo_request', 2],
  ['unsubscribe', 3],
];
const URLS = ['/pricing', '/pricing/enterprise', '/docs/start', '/blog/scoring', '/product', '/careers'];
const GROUPS = ['NONE', 'SOURCE', 'MONTH', 'WEEK', 'OWNER', 'PARTNER'];
const DAY = 86_400_000;
/** Seconds without an answer after which autocannon gives a request up (its default). */
const TIMEOUT_S = 10;
/** Activities per recordActivities call: an online integration flushing every few seconds. */
const BATCH = Number(process.env.BATCH ?? 25);

/**
 * The mixed read/ingest workload: weighted operations with random but valid
 * arguments (seeded, so runs compare). `keyPrefix` keeps the idempotency keys
 * of two workloads on one store apart.
 */
export class Workload {
  private readonly rand: () => number;
  private readonly mix: [number, string, () => Request][];
  private readonly total: number;
  private sent = 0;
  private readonly recentKeys: string[] = [];

  constructor(
    private readonly t: LoadTargets,
    seed: number,
    private readonly keyPrefix: string,
  ) {
    this.rand = prng(seed);
    this.mix = [
      [25, 'contacts list', () => this.list('marketing')],
      [25, 'contact page', () => this.page('sales', t.contactIds)],
      [5, 'partner contacts list', () => this.list('partner')],
      [5, 'partner contact page', () => this.page('partner', t.partnerContactIds)],
      [20, 'recordActivities', () => this.record()],
      [5, 'conversionMetrics', () => this.metrics()],
      [5, 'viewer', () => ({ key: 'admin', query: VIEWER, variables: {} })],
      [10, 'viewer (rate-limited key)', () => ({ key: 'limited', query: VIEWER, variables: {} })],
    ];
    this.total = this.mix.reduce((s, [w]) => s + w, 0);
  }

  /** Shares of the mix, in percent, by operation name. */
  describe(): string {
    return this.mix.map(([w, name]) => `${name} ${((100 * w) / this.total).toFixed(0)}%`).join(', ');
  }

  next(): Operation {
    let r = this.rand() * this.total;
    const [, name, make] = this.mix.find(([w]) => (r -= w) < 0) ?? this.mix[this.mix.length - 1];
    return { name, ...make() };
  }

  private pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.rand() * items.length)];
  }

  private list(key: KeyName): Request {
    const since = new Date(Date.now() - 30 * DAY).toISOString();
    const lists: [Record<string, unknown> | null, { field: string; direction: string }][] = [
      [{ stages: ['MQL', 'SQL'] }, { field: 'SCORE', direction: 'DESC' }],
      [{ temperatures: ['HOT'] }, { field: 'SCORE', direction: 'DESC' }],
      [
        { temperatures: ['WARM'], stages: ['LEAD', 'MQL'] },
        { field: 'UPDATED_AT', direction: 'DESC' },
      ],
      [
        { minScore: 30, maxScore: 80 },
        { field: 'SCORE', direction: 'ASC' },
      ],
      [{ search: this.pick(this.t.searches) }, { field: 'CREATED_AT', direction: 'DESC' }],
      [{ source: this.pick(this.t.sources) }, { field: 'CREATED_AT', direction: 'DESC' }],
      [{ ownerId: this.pick(this.t.owners) }, { field: 'STAGE_CHANGED_AT', direction: 'DESC' }],
      [{ createdAfter: since }, { field: 'CREATED_AT', direction: 'DESC' }],
      [null, { field: 'UPDATED_AT', direction: 'DESC' }],
    ];
    const [filter, orderBy] = this.pick(lists);
    return { key, query: LIST, variables: { filter, orderBy, first: this.rand() < 0.7 ? 20 : 50 } };
  }

  private page(key: KeyName, ids: string[]): Request {
    return { key, query: PAGE, variables: { id: this.pick(ids) } };
  }

  private record(): Request {
    const inputs = Array.from({ length: BATCH }, () => {
      // 2 % repeat a key already sent (a tracker's retry): recorded once, reported as duplicates.
      const repeat = this.recentKeys.length > 0 && this.rand() < 0.02;
      const idempotencyKey = repeat ? this.pick(this.recentKeys) : `${this.keyPrefix}-${++this.sent}`;
      if (!repeat) this.recentKeys[this.sent % 1000] = idempotencyKey;
      let r = this.rand() * 100;
      const type = TYPES.find(([, w]) => (r -= w) < 0)?.[0] ?? 'page_view';
      // 2 % come from people not in the store yet: named by email, they are created as PROSPECTs.
      const who =
        this.rand() < 0.02
          ? { contactEmail: `${idempotencyKey}@load.example.org` }
          : { contactId: this.pick(this.t.contactIds) };
      return {
        ...who,
        type,
        idempotencyKey,
        properties: { url: this.pick(URLS), form: this.rand() < 0.5 ? 'trial' : 'newsletter' },
      };
    });
    return { key: 'marketing', query: RECORD, variables: { inputs } };
  }

  private metrics(): Request {
    const to = new Date();
    return {
      key: 'admin',
      query: METRICS,
      variables: {
        from: new Date(to.getTime() - 90 * DAY).toISOString(),
        to: to.toISOString(),
        groupBy: this.pick(GROUPS),
      },
    };
  }
}

/** Error codes of a GraphQL response (`HTTP_<status>` when the body has none). */
export function errorCodes(status: number, body: string): string[] {
  const ok = status >= 200 && status < 300;
  // Parsing every body would cost the client more than the check: only bodies that may hold errors are parsed.
  if (ok && !body.includes('"errors":')) return [];
  try {
    const parsed = JSON.parse(body) as { errors?: { extensions?: { code?: string } }[] };
    const codes = (parsed.errors ?? []).map((e) => e.extensions?.code ?? 'NO_CODE');
    return codes.length || ok ? codes : [`HTTP_${status}`];
  } catch {
    return [`HTTP_${status}`];
  }
}

/** Latency percentiles (ms) of a list of samples. */
export function percentiles(ms: number[]): { n: number; p50: number; p99: number } {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => (s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))] : NaN);
  return { n: s.length, p50: at(0.5), p99: at(0.99) };
}

/** Tallies responses by operation: latencies, error codes, one example message per code. */
export class Tally {
  readonly latencies = new Map<string, number[]>();
  readonly errors: Record<string, number> = {};
  readonly examples: Record<string, string> = {};

  add(op: string, ms: number, codes: string[], body: string): void {
    let l = this.latencies.get(op);
    if (!l) this.latencies.set(op, (l = []));
    l.push(ms);
    for (const code of new Set(codes)) {
      const k = `${op}: ${code}`;
      this.errors[code] = (this.errors[code] ?? 0) + 1;
      this.examples[k] ??= body.slice(0, 300);
    }
  }

  perOp(): Record<string, { n: number; p50: number; p99: number }> {
    return Object.fromEntries([...this.latencies].map(([op, ms]) => [op, percentiles(ms)]));
  }
}

/** What bench/load.ts sends the client. */
export interface LoadClientConfig {
  url: string;
  secrets: Record<KeyName, string>;
  targets: LoadTargets;
  connections: number;
  seconds: number;
  seed: number;
}

/** What the client sends back. */
export interface LoadClientReport {
  seconds: number;
  requests: number;
  reqPerSec: number;
  latency: { p50: number; p97_5: number; p99: number; max: number; mean: number };
  /** Socket errors and timeouts (autocannon). */
  socketErrors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  errors: Record<string, number>;
  examples: Record<string, string>;
  perOp: Record<string, { n: number; p50: number; p99: number }>;
  /** Requests never answered, as `operation@seconds into the run` when sent. */
  timedOut: string[];
}

/** Runs autocannon with the workload over `connections` keep-alive connections. */
export async function runLoad(cfg: LoadClientConfig): Promise<LoadClientReport> {
  const workload = new Workload(cfg.targets, cfg.seed, `load-${cfg.seed}`);
  const tally = new Tally();
  type Ctx = { op?: string; at?: number };
  // Requests sent and not answered: what is left once the run ends, and older than the timeout, timed out.
  const pending = new Set<Ctx>();
  const t0 = performance.now();
  const result = await autocannon({
    url: cfg.url,
    connections: cfg.connections,
    duration: cfg.seconds,
    timeout: TIMEOUT_S,
    requests: [
      {
        method: 'POST',
        setupRequest: (req, context) => {
          const op = workload.next();
          Object.assign(context as Ctx, { op: op.name, at: performance.now() });
          pending.add(context as Ctx);
          return {
            ...req,
            headers: { 'content-type': 'application/json', authorization: `Bearer ${cfg.secrets[op.key]}` },
            body: JSON.stringify({ query: op.query, variables: op.variables }),
          };
        },
        onResponse: (status, body, context) => {
          pending.delete(context as Ctx);
          const { op, at } = context as Ctx;
          tally.add(op ?? '?', performance.now() - (at ?? 0), errorCodes(status, body), body);
        },
      },
    ],
  });
  const cutoff = performance.now() - TIMEOUT_S * 1000;
  const timedOut = [...pending].filter((c) => (c.at ?? 0) < cutoff);
  for (const c of timedOut) tally.add(c.op ?? '?', TIMEOUT_S * 1000, ['TIMEOUT'], `no answer in ${TIMEOUT_S} s`);
  const statusCodes = Object.fromEntries(
    Object.entries(result.statusCodeStats ?? {}).map(([code, s]) => [code, s.count ?? 0]),
  );
  const answered = Object.values(statusCodes).reduce((a, b) => a + b, 0);
  return {
    seconds: result.duration,
    requests: answered,
    reqPerSec: answered / result.duration,
    latency: {
      p50: result.latency.p50,
      p97_5: result.latency.p97_5,
      p99: result.latency.p99,
      max: result.latency.max,
      mean: result.latency.average,
    },
    socketErrors: result.errors,
    timeouts: result.timeouts,
    statusCodes,
    errors: tally.errors,
    examples: tally.examples,
    perOp: tally.perOp(),
    timedOut: timedOut.map((c) => `${c.op}@${(((c.at ?? 0) - t0) / 1000).toFixed(1)}s`),
  };
}

if (require.main === module) {
  process.once('message', (cfg: LoadClientConfig) => {
    runLoad(cfg).then(
      (report) => process.send!(report, () => process.exit(0)),
      (err) => {
        console.error(err);
        process.exit(1);
      },
    );
  });
}
