/**
 * bench/read's five operations: the GraphQL document the API answers, and
 * the floor's hand-written SQL that builds the same JSON answer through the
 * same driver (better-sqlite3, mysql2) without GraphQL, ORM or auth.
 */
import type { Store } from './common';
import { encodeCursor } from '../src/graphql/pagination';
import { prefixRange } from '../src/db/portable';

/** Runs one statement with positional parameters and returns its rows. */
export type Sql = (sql: string, params?: unknown[]) => Promise<Record<string, any>[]>;

/** An operation: its document, the variables of each request, and its floor. */
export interface ReadOp {
  name: string;
  title: string;
  query: string;
  /** PARTNER key instead of ADMIN. */
  partner?: boolean;
  floor: (sql: Sql, store: Store, variables: Record<string, any>, partnerId: string) => Promise<unknown>;
}

const iso = (v: unknown) => (v instanceof Date ? v : new Date(`${String(v).replace(' ', 'T')}Z`)).toISOString();
const marks = (n: number) => new Array(n).fill('?').join(', ');

const LIST_A = `query HotMqls($after: String) {
  contacts(first: 50, after: $after, filter: { stages: [MQL], temperatures: [HOT] }, orderBy: { field: SCORE,
    direction: DESC }) {
    edges { cursor node { id email firstName lastName score temperature
      scoreBreakdown { ruleName points }
      activities(first: 3) { edges { node { id type occurredAt } } } } }
    pageInfo { hasNextPage endCursor } } }`;

/** Per contact: its rules' points, largest first (the API's scoreBreakdown; no FIT rule exists in the bench). */
async function breakdowns(sql: Sql, ids: string[]): Promise<Map<string, { ruleName: string; points: number }[]>> {
  const out = new Map<string, { ruleName: string; points: number }[]>(ids.map((id) => [id, []]));
  if (ids.length === 0) return out;
  // `+sa.expired`: the contact's index, not the expiry index (SQLite has no statistics to know better).
  const rows = await sql(
    `SELECT sa.contact_id, r.name, SUM(sa.points) AS points FROM score_applications sa JOIN scoring_rules r ` +
      `ON r.id = sa.rule_id WHERE sa.contact_id IN (${marks(ids.length)}) AND +sa.expired = 0 GROUP BY ` +
      `sa.contact_id, r.name`,
    ids,
  );
  for (const r of rows)
    if (Number(r.points) !== 0) out.get(r.contact_id)!.push({ ruleName: r.name, points: Number(r.points) });
  for (const list of out.values())
    list.sort((a, b) => Math.abs(b.points) - Math.abs(a.points) || a.ruleName.localeCompare(b.ruleName));
  return out;
}

/** Each contact's newest `n` activities: one index walk per contact. */
async function newest(
  sql: Sql,
  ids: string[],
  n: number,
  columns: string,
): Promise<Map<string, Record<string, any>[]>> {
  const out = new Map<string, Record<string, any>[]>(ids.map((id) => [id, []]));
  if (ids.length === 0) return out;
  const term =
    `SELECT * FROM (SELECT contact_id, ${columns} FROM activities WHERE contact_id = ? ORDER BY occurred_at ` +
    `DESC, id DESC LIMIT ${n}) t`;
  const rows = await sql(ids.map(() => term).join(' UNION ALL '), ids);
  for (const r of rows) out.get(r.contact_id)!.push(r);
  return out;
}

async function hotMqls(sql: Sql, variables: Record<string, any>) {
  const params: unknown[] = [];
  let after = '';
  if (variables.after) {
    const [score, id] = JSON.parse(Buffer.from(variables.after, 'base64url').toString('utf8'));
    after = ' AND score <= ? AND (score < ? OR id < ?)';
    params.push(score, score, id);
  }
  const rows = await sql(
    `SELECT id, email, first_name, last_name, score, temperature FROM contacts WHERE stage = 'MQL' AND ` +
      `temperature = 'HOT'${after} ORDER BY score DESC, id DESC LIMIT 51`,
    params,
  );
  const page = rows.slice(0, 50);
  const ids = page.map((r) => r.id);
  const [parts, acts] = await Promise.all([breakdowns(sql, ids), newest(sql, ids, 3, 'id, type, occurred_at')]);
  const edges = page.map((r) => ({
    cursor: encodeCursor([Number(r.score), r.id]),
    node: {
      id: r.id,
      email: r.email,
      firstName: r.first_name,
      lastName: r.last_name,
      score: Number(r.score),
      temperature: r.temperature,
      scoreBreakdown: parts.get(r.id),
      activities: {
        edges: acts.get(r.id)!.map((a) => ({ node: { id: a.id, type: a.type, occurredAt: iso(a.occurred_at) } })),
      },
    },
  }));
  return {
    contacts: {
      edges,
      pageInfo: { hasNextPage: rows.length > 50, endCursor: edges.length ? edges[edges.length - 1].cursor : null },
    },
  };
}

async function contactPage(sql: Sql, variables: Record<string, any>) {
  const id = variables.id as string;
  const [c] = await sql(
    'SELECT id, email, first_name, last_name, company, stage, score, temperature, owner_id, partner_id, ' +
      'created_at FROM contacts WHERE id = ?',
    [id],
  );
  if (!c) return { contact: null };
  const [acts, [count], transitions, parts, [q]] = await Promise.all([
    newest(sql, [id], 21, 'id, type, occurred_at, points'),
    sql('SELECT COUNT(*) AS n FROM activities WHERE contact_id = ?', [id]),
    sql(
      'SELECT from_stage, to_stage, `trigger`, occurred_at, score FROM stage_transitions WHERE contact_id = ? ' +
        'ORDER BY id',
      [id],
    ),
    breakdowns(sql, [id]),
    sql(
      'SELECT budget, authority, need, timeline, qualified_at FROM qualifications WHERE contact_id = ? ORDER ' +
        'BY qualified_at DESC, id DESC LIMIT 1',
      [id],
    ),
  ]);
  const rows = acts.get(id)!;
  const page = rows.slice(0, 20);
  const cursors = page.map((a) => encodeCursor([new Date(iso(a.occurred_at)).getTime(), a.id]));
  return {
    contact: {
      id: c.id,
      email: c.email,
      firstName: c.first_name,
      lastName: c.last_name,
      company: c.company,
      stage: c.stage,
      score: Number(c.score),
      temperature: c.temperature,
      ownerId: c.owner_id,
      partnerId: c.partner_id,
      createdAt: iso(c.created_at),
      activities: {
        totalCount: Number(count.n),
        edges: page.map((a) => ({
          node: { id: a.id, type: a.type, occurredAt: iso(a.occurred_at), points: Number(a.points) },
        })),
        pageInfo: { hasNextPage: rows.length > 20, endCursor: cursors.length ? cursors[cursors.length - 1] : null },
      },
      transitions: transitions.map((t) => ({
        fromStage: t.from_stage,
        toStage: t.to_stage,
        trigger: t.trigger,
        occurredAt: iso(t.occurred_at),
        score: Number(t.score),
      })),
      scoreBreakdown: parts.get(id),
      qualification: q
        ? {
            budget: Boolean(Number(q.budget)),
            authority: Boolean(Number(q.authority)),
            need: Boolean(Number(q.need)),
            timeline: Boolean(Number(q.timeline)),
            qualifiedAt: iso(q.qualified_at),
          }
        : null,
    },
  };
}

/**
 * The search prefix by hand, written as well as we know how: each column's index range read for (id, created_at)
 * alone and united (so neither the count nor the page touches a contact row per match), then the page's rows.
 */
async function search(sql: Sql, store: Store, variables: Record<string, any>) {
  const prefix = String(variables.search).trim().toLowerCase();
  const ranges = ['email', 'first_name_key', 'last_name_key', 'sort_company'].map((c) => prefixRange(store, c, prefix));
  const union = ranges.map((r) => `SELECT id, created_at FROM contacts WHERE ${r.sql}`).join(' UNION ');
  const params = ranges.flatMap((r) => r.params);
  const [[count], rows] = await Promise.all([
    sql(`SELECT COUNT(*) AS n FROM (${union}) s`, params),
    sql(
      `SELECT c.id, c.email, c.first_name, c.last_name, c.company FROM (SELECT id FROM (${union}) s ORDER BY ` +
        `created_at DESC, id DESC LIMIT 21) t JOIN contacts c ON c.id = t.id ORDER BY c.created_at DESC, c.id DESC`,
      params,
    ),
  ]);
  return {
    contacts: {
      totalCount: Number(count.n),
      edges: rows.slice(0, 20).map((r) => ({
        node: { id: r.id, email: r.email, firstName: r.first_name, lastName: r.last_name, company: r.company },
      })),
    },
  };
}

export const OPS: ReadOp[] = [
  {
    name: 'a',
    title: '50 MQL+HOT by score, breakdown, 3 activities',
    query: LIST_A,
    floor: (sql, _store, v) => hotMqls(sql, v),
  },
  {
    name: 'b',
    title: 'page 20 of (a) by cursor',
    query: LIST_A,
    floor: (sql, _store, v) => hotMqls(sql, v),
  },
  {
    name: 'c',
    title: 'contact page (20 activities, transitions, breakdown, BANT)',
    query: `query ContactPage($id: ID!) { contact(id: $id) { id email firstName lastName company stage score
             temperature ownerId partnerId createdAt
      activities(first: 20) { totalCount edges { node { id type occurredAt points } } pageInfo { hasNextPage
        endCursor } }
      transitions { fromStage toStage trigger occurredAt score }
      scoreBreakdown { ruleName points }
      qualification { budget authority need timeline qualifiedAt } } }`,
    floor: (sql, _store, v) => contactPage(sql, v),
  },
  {
    name: 'd',
    title: "PARTNER key's contactByEmail",
    partner: true,
    query:
      `query ByEmail($email: String!) { contactByEmail(email: $email) { id email stage score temperature ` +
      `updatedAt } }`,
    floor: async (sql, _store, v, partnerId) => {
      const [c] = await sql(
        'SELECT id, email, stage, score, temperature, updated_at FROM contacts WHERE partner_id = ? AND email = ?',
        [partnerId, String(v.email).trim().toLowerCase()],
      );
      return {
        contactByEmail: c
          ? {
              id: c.id,
              email: c.email,
              stage: c.stage,
              score: Number(c.score),
              temperature: c.temperature,
              updatedAt: iso(c.updated_at),
            }
          : null,
      };
    },
  },
  {
    name: 'e',
    title: 'search prefix, 20 with totalCount',
    query:
      `query Search($search: String!) { contacts(first: 20, filter: { search: $search }) { totalCount edges { ` +
      `node { id email firstName lastName company } } } }`,
    floor: (sql, store, v) => search(sql, store, v),
  },
];
