/** Live: promotions as they happen, newest first and highlighted, filtered by stage and owner. */
import { useCallback, useState } from 'react';
import { useLiveStream, type Promotion, type StreamStatus } from '../api/live';
import { href } from '../router';
import { StageChip, TRIGGER_TEXT, contactName, when } from '../components/bits';

const STAGES = ['LEAD', 'MQL', 'SQL', 'OPPORTUNITY', 'CUSTOMER', 'NURTURE', 'DISQUALIFIED'];
const KEEP = 200;
const STATUS_TEXT: Record<StreamStatus, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Connection lost; reconnecting (nothing will be missed)…',
  failed: 'Stopped',
};

export function Live({ secret }: { secret: string }) {
  const [stages, setStages] = useState<string[]>(['MQL', 'SQL']);
  const [owner, setOwner] = useState('');
  const [ownerApplied, setOwnerApplied] = useState('');
  const [events, setEvents] = useState<Promotion[]>([]);
  const onEvent = useCallback((p: Promotion) => setEvents((list) => [p, ...list].slice(0, KEEP)), []);
  const { status, detail } = useLiveStream(secret, stages, ownerApplied, onEvent);
  const toggle = (s: string) =>
    setStages((cur) =>
      cur.includes(s) ? cur.filter((x) => x !== s) : STAGES.filter((x) => x === s || cur.includes(x)),
    );

  return (
    <section aria-labelledby="live-title">
      <h1 id="live-title">Live promotions</h1>
      <form
        className="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          setOwnerApplied(owner.trim());
        }}
      >
        <fieldset>
          <legend>Into stages</legend>
          {STAGES.map((s) => (
            <label key={s} className="check">
              <input type="checkbox" checked={stages.includes(s)} onChange={() => toggle(s)} />
              {s}
            </label>
          ))}
        </fieldset>
        <label>
          Owner
          <input value={owner} onChange={(e) => setOwner(e.target.value)} placeholder="any owner" />
        </label>
        <button type="submit">Apply owner</button>
      </form>
      <p className={`status status-${status}`} role="status" data-status={status}>
        {STATUS_TEXT[status]}
        {detail ? ` ${detail}` : ''}
      </p>
      {stages.length === 0 && (
        <p className="error" role="alert">
          Choose at least one stage to watch.
        </p>
      )}
      {events.length === 0 ? (
        <p className="muted">No promotions yet. They appear here the moment they happen.</p>
      ) : (
        <ol className="feed" aria-label="Promotions, newest first" aria-live="polite">
          {events.map((p, i) => (
            <li key={p.id} className={i === 0 ? 'newest' : undefined} data-transition={p.id}>
              <a href={href('contact', p.contact.id)}>{contactName(p.contact)}</a>
              <span className="muted">{p.contact.company ?? ''}</span>
              <span>
                {p.fromStage ? <StageChip stage={p.fromStage} /> : '–'} → <StageChip stage={p.toStage} />
              </span>
              <span>score {p.score}</span>
              <span className="muted">
                {TRIGGER_TEXT[p.trigger] ?? p.trigger}
                {p.actor ? ` by ${p.actor}` : ''}
              </span>
              <span className="muted">owner {p.contact.ownerId ?? '–'}</span>
              <time dateTime={p.occurredAt}>{when(p.occurredAt)}</time>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
