/** The per-request GraphQL context: who calls, the services, and fresh DataLoaders. */
import type { Viewer } from '../modules/access';
import type { Services } from './services';
import type { ResolvedHook } from './slow-resolvers';
import { type ContactLoaders, createContactLoaders } from '../modules/contacts';

export type { Services } from './services';

export interface Context {
  viewer: Viewer;
  services: Services;
  loaders: ContactLoaders;
  /** Correlates log lines of one HTTP request (x-request-id). */
  requestId?: string;
  /**
   * Where a subscription resumes when its transport says so (SSE
   * `Last-Event-ID`, graphql-ws resume state in connectionParams); it
   * overrides `after`, which a reconnecting client sends unchanged.
   */
  resumeAfter?: string | null;
  /** Told how long each resolver that does work took (the slow-resolver counters; slow-resolvers.ts). */
  onResolved?: ResolvedHook;
}

/**
 * Builds a context; called per HTTP request and, for subscriptions, per event. `onResolved` is the door's
 * slow-resolver hook (the execution gate's), passed on to each event's context.
 */
export function createContext(
  viewer: Viewer,
  services: Services,
  requestId?: string,
  onResolved?: ResolvedHook,
): Context {
  return { viewer, services, loaders: createContactLoaders(viewer, services), requestId, onResolved };
}
