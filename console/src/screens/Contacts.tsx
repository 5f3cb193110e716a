/**
 * Contacts: filters, sorting, search as you type, and cursor paging into a
 * virtualised list: only the rows on screen are in the DOM and pages of 100
 * are fetched as the list nears its end, so a million contacts scroll like a
 * hundred.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { useClient } from 'urql';
import { useVirtualizer } from '@tanstack/react-virtual';
import { describeError, type Problem } from '../api/errors';
import { ALL_STAGES, ErrorText, StageChip, TEMPERATURES, TempChip, contactName } from '../components/bits';
import { href } from '../router';

const PAGE = 100;
const ROW_HEIGHT = 44;
const QUERY = `query Contacts($first: Int!, $after: String, $filter: ContactFilter, $orderBy: ContactOrder) {
  contacts(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {
    pageInfo { hasNextPage endCursor }
    edges { node { id email firstName lastName company ownerId source stage temperature score } }
  }
}`;
// The total is asked for apart, after the first rows: counting scans every match, and rows should not wait for it.
const COUNT = 'query ContactCount($filter: ContactFilter) { contacts(first: 0, filter: $filter) { totalCount } }';

export interface ContactRow {
  id: string;
  email: string;
  firstName: string | null;
  lastName: string | null;
  company: string | null;
  ownerId: string | null;
  source: string | null;
  stage: string;
  temperature: string;
  score: number;
}

/** Debounces a value (search as you type without a request per key). */
function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}

/**
 * Pages through `contacts` for one filter and order; `more()` fetches the next page once. The total is
 * counted after the first page, except for a search: a prefix search cannot use an index, so counting
 * its matches in a large store takes seconds, and the list says "100+" instead.
 */
export function useContactPages(filter: Record<string, unknown>, orderBy: { field: string; direction: string }) {
  const client = useClient();
  const [rows, setRows] = useState<ContactRow[]>([]);
  const [total, setTotal] = useState<number | null>(null);
  const [hasNext, setHasNext] = useState(true);
  const [problem, setProblem] = useState<Problem | null>(null);
  const state = useRef({ cursor: null as string | null, hasNext: true, loading: false, generation: 0 });
  const key = JSON.stringify([filter, orderBy]);

  const more = useCallback(async () => {
    const s = state.current;
    if (s.loading || !s.hasNext) return;
    s.loading = true;
    const generation = s.generation;
    const first = s.cursor === null;
    const r = await client.query(QUERY, { first: PAGE, after: s.cursor, filter, orderBy }).toPromise();
    if (generation !== state.current.generation) return;
    s.loading = false;
    const p = describeError(r.error);
    setProblem(p);
    if (p || !r.data) return;
    const page = r.data.contacts;
    s.cursor = page.pageInfo.endCursor;
    s.hasNext = page.pageInfo.hasNextPage;
    setHasNext(s.hasNext);
    setRows((cur) => (first ? [] : cur).concat(page.edges.map((e: { node: ContactRow }) => e.node)));
    if (first && !filter.search) {
      const c = await client.query(COUNT, { filter }).toPromise();
      if (generation === state.current.generation && c.data) setTotal(c.data.contacts.totalCount);
    }
    // `key` captures filter and orderBy.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [client, key]);

  useEffect(() => {
    state.current = { cursor: null, hasNext: true, loading: false, generation: state.current.generation + 1 };
    setRows([]);
    setTotal(null);
    setHasNext(true);
    void more();
  }, [more]);

  return { rows, total, hasNext, problem, more, canLoadMore: () => state.current.hasNext };
}

/** "1,234 contacts", or for a search "37 contacts match" / "100+ contacts match" (see useContactPages). */
export function countText(
  p: { rows: unknown[]; total: number | null; hasNext: boolean },
  noun: string,
  search?: string,
): string {
  if (search)
    return p.hasNext && p.rows.length === 0
      ? 'Searching…'
      : `${p.rows.length.toLocaleString('en')}${p.hasNext ? '+' : ''} ${noun} match “${search}”`;
  return p.total === null ? 'Counting…' : `${p.total.toLocaleString('en')} ${noun}`;
}

export function Contacts() {
  const [search, setSearch] = useState('');
  const [stages, setStages] = useState<string[]>([]);
  const [temps, setTemps] = useState<string[]>([]);
  const [owner, setOwner] = useState('');
  const [source, setSource] = useState('');
  const [minScore, setMinScore] = useState('');
  const [sort, setSort] = useState('SCORE:DESC');
  const debounced = useDebounced({ search, owner, source, minScore }, 250);
  const minScoreProblem =
    debounced.minScore !== '' && !/^-?\d+$/.test(debounced.minScore)
      ? { message: 'Minimum score must be a whole number.' }
      : null;
  const filter = {
    ...(debounced.search.trim() && { search: debounced.search.trim() }),
    ...(stages.length && { stages }),
    ...(temps.length && { temperatures: temps }),
    ...(debounced.owner.trim() && { ownerId: debounced.owner.trim() }),
    ...(debounced.source.trim() && { source: debounced.source.trim() }),
    ...(debounced.minScore !== '' && !minScoreProblem && { minScore: Number(debounced.minScore) }),
  };
  const [field, direction] = sort.split(':');
  const pages = useContactPages(filter, { field, direction });

  return (
    <section aria-labelledby="contacts-title" className="contacts">
      <h1 id="contacts-title">Contacts</h1>
      <form className="toolbar" onSubmit={(e) => e.preventDefault()} role="search" aria-label="Filter contacts">
        <label>
          Search
          <input
            type="search"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
            placeholder="email, name or company"
          />
        </label>
        <MultiCheck legend="Stage" options={ALL_STAGES} value={stages} onChange={setStages} />
        <MultiCheck legend="Temperature" options={TEMPERATURES} value={temps} onChange={setTemps} />
        <label>
          Owner
          <input value={owner} onChange={(e) => setOwner(e.target.value)} size={10} />
        </label>
        <label>
          Source
          <input value={source} onChange={(e) => setSource(e.target.value)} size={10} />
        </label>
        <label>
          Min score
          <input
            inputMode="numeric"
            value={minScore}
            onChange={(e) => setMinScore(e.target.value)}
            size={5}
            aria-describedby="min-score-error"
            aria-invalid={minScoreProblem ? true : undefined}
          />
        </label>
        <label>
          Sort by
          <select value={sort} onChange={(e) => setSort(e.target.value)}>
            <option value="SCORE:DESC">Score, highest first</option>
            <option value="SCORE:ASC">Score, lowest first</option>
            <option value="CREATED_AT:DESC">Newest</option>
            <option value="CREATED_AT:ASC">Oldest</option>
            <option value="STAGE_CHANGED_AT:DESC">Stage changed, latest</option>
            <option value="UPDATED_AT:DESC">Updated, latest</option>
          </select>
        </label>
      </form>
      <ErrorText problem={minScoreProblem} id="min-score-error" />
      <ErrorText problem={pages.problem} />
      <p className="muted" aria-live="polite" data-testid="contact-count">
        {countText(pages, 'contacts', filter.search)}
      </p>
      <ContactList
        rows={pages.rows}
        total={pages.total ?? pages.rows.length}
        more={pages.more}
        hasNext={pages.canLoadMore}
      />
    </section>
  );
}

/** Checkbox group for a list filter. */
export function MultiCheck({
  legend,
  options,
  value,
  onChange,
}: {
  legend: string;
  options: readonly string[];
  value: string[];
  onChange: (v: string[]) => void;
}) {
  return (
    <details className="multi">
      <summary>
        {legend}: {value.length ? value.join(', ') : 'any'}
      </summary>
      <fieldset>
        <legend className="sr-only">{legend}</legend>
        {options.map((o) => (
          <label key={o} className="check">
            <input
              type="checkbox"
              checked={value.includes(o)}
              onChange={() => onChange(value.includes(o) ? value.filter((x) => x !== o) : [...value, o])}
            />
            {o}
          </label>
        ))}
      </fieldset>
    </details>
  );
}

/** The virtualised rows; `more` is called when the last loaded row comes near. */
export function ContactList({
  rows,
  total,
  more,
  hasNext,
}: {
  rows: ContactRow[];
  total: number;
  more: () => void;
  hasNext: () => boolean;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  const virtual = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 10,
  });
  const items = virtual.getVirtualItems();
  const last = items[items.length - 1]?.index ?? 0;
  useEffect(() => {
    if (last >= rows.length - 30 && hasNext()) more();
  }, [last, rows.length, more, hasNext]);

  return (
    <div className="list card" role="table" aria-label="Contacts" aria-rowcount={total + 1}>
      <div role="rowgroup">
        <div role="row" className="row head" aria-rowindex={1}>
          <span role="columnheader">Contact</span>
          <span role="columnheader">Company</span>
          <span role="columnheader">Stage</span>
          <span role="columnheader">Temperature</span>
          <span role="columnheader">Score</span>
          <span role="columnheader">Owner</span>
          <span role="columnheader">Source</span>
        </div>
      </div>
      <div ref={scroller} className="scroller" role="rowgroup" tabIndex={0} aria-label="Contact rows, scrollable">
        <div style={{ height: virtual.getTotalSize(), position: 'relative' }}>
          {items.map((item) => {
            const c = rows[item.index];
            return (
              <div
                role="row"
                key={c.id}
                className="row"
                aria-rowindex={item.index + 2}
                data-contact={c.email}
                style={{
                  position: 'absolute',
                  top: 0,
                  left: 0,
                  right: 0,
                  height: ROW_HEIGHT,
                  transform: `translateY(${item.start}px)`,
                }}
              >
                <span role="cell">
                  <a href={href('contact', c.id)}>{contactName(c)}</a>
                  <span className="muted small"> {c.email}</span>
                </span>
                <span role="cell">{c.company ?? '–'}</span>
                <span role="cell">
                  <StageChip stage={c.stage} />
                </span>
                <span role="cell">
                  <TempChip temperature={c.temperature} />
                </span>
                <span role="cell" className="num">
                  {c.score}
                </span>
                <span role="cell">{c.ownerId ?? '–'}</span>
                <span role="cell">{c.source ?? '–'}</span>
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
