/** API errors as plain sentences, with the input field they belong to when the API names one. */
import type { CombinedError } from 'urql';

/** What the console shows beside the control that caused an error. */
export interface Problem {
  message: string;
  /** The input path the API blamed (`extensions.field`), e.g. `input.email`. */
  field?: string;
  code?: string;
}

interface ApiError {
  message: string;
  extensions?: { code?: string; field?: string; retryAfter?: number; reason?: string };
}

const sentence = (s: string) => {
  const t = s.trim();
  return /[.!?]$/.test(t) ? t : `${t}.`;
};

/** `input.activityType` -> `Activity type`, `inputs[3].type` -> `Type`. */
export function fieldLabel(path: string): string {
  const last = path
    .split('.')
    .pop()!
    .replace(/\[\d+\]$/, '');
  const words = last.replace(/([A-Z])/g, ' $1').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** One API error as a sentence a person can act on. */
export function describeApiError(e: ApiError): Problem {
  const x = e.extensions ?? {};
  switch (x.code) {
    case 'UNAUTHENTICATED':
      return {
        code: x.code,
        message: 'The service did not accept this API key. Check it, or ask an admin for a new one.',
      };
    case 'FORBIDDEN':
      return { code: x.code, message: sentence(`Not allowed for this key: ${e.message}`) };
    case 'RATE_LIMITED':
      return { code: x.code, message: `Too many requests from this key; try again in ${x.retryAfter ?? 1} s.` };
    case 'BAD_USER_INPUT': {
      // The service writes "<field>: <what is wrong>"; the sentence names the field as the form labels it.
      if (!x.field || !e.message.startsWith(`${x.field}: `))
        return { code: x.code, field: x.field, message: sentence(e.message) };
      const text = e.message.slice(x.field.length + 2);
      const label = fieldLabel(x.field);
      return {
        code: x.code,
        field: x.field,
        message: sentence(/^[a-z]/.test(text) ? `${label} ${text}` : `${label}: ${text}`),
      };
    }
    case 'INTERNAL_SERVER_ERROR':
      return {
        code: x.code,
        message:
          x.reason === 'DATABASE_UNAVAILABLE'
            ? sentence(e.message)
            : 'The service failed on this request; try again, and tell its operators if it keeps failing.',
      };
    default:
      return { code: x.code, message: sentence(e.message) };
  }
}

/** The first problem of an urql error, or null. */
export function describeError(error: CombinedError | undefined | null): Problem | null {
  if (!error) return null;
  if (error.graphQLErrors.length > 0) return describeApiError(error.graphQLErrors[0] as unknown as ApiError);
  const body = (error.response as { status?: number } | undefined)?.status;
  if (body === 401) return describeApiError({ message: '', extensions: { code: 'UNAUTHENTICATED' } });
  return { message: 'The service could not be reached. Check that it is running and try again.' };
}
