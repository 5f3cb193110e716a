/** The API key lives in sessionStorage: kept for this tab only, gone when it closes. */
const STORAGE_KEY = 'lead-console.api-key';

/** The key this tab signed in with, if any. */
export function storedKey(): string | null {
  return sessionStorage.getItem(STORAGE_KEY);
}

/** Remembers the key for this tab (never localStorage, never a cookie). */
export function storeKey(secret: string | null): void {
  if (secret) sessionStorage.setItem(STORAGE_KEY, secret);
  else sessionStorage.removeItem(STORAGE_KEY);
}
