/**
 * Hash routes (#/funnel, #/contacts/<id>): the service serves one index.html at `/`, so every screen is a deep link.
 */
import { useEffect, useState } from 'react';

/** The current route's parts, e.g. ['contacts', '42']. */
export function useRoute(): string[] {
  const read = () => location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const onChange = () => setRoute(read());
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

/** The href of a route. */
export const href = (...parts: string[]) => `#/${parts.map(encodeURIComponent).join('/')}`;
