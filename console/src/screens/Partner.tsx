/** Partner: a PARTNER key's referrals and their stages (the API confines the key to its partner). */
import { useState } from 'react';
import { ALL_STAGES, ErrorText } from '../components/bits';
import { ContactList, MultiCheck, countText, useContactPages } from './Contacts';

export function Partner() {
  const [stages, setStages] = useState<string[]>([]);
  const pages = useContactPages(stages.length ? { stages } : {}, { field: 'CREATED_AT', direction: 'DESC' });
  return (
    <section aria-labelledby="partner-title" className="contacts">
      <h1 id="partner-title">Your referrals</h1>
      <form className="toolbar" onSubmit={(e) => e.preventDefault()}>
        <MultiCheck legend="Stage" options={ALL_STAGES} value={stages} onChange={setStages} />
      </form>
      <ErrorText problem={pages.problem} />
      <p className="muted" aria-live="polite" data-testid="contact-count">
        {countText(pages, 'referrals')}
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
