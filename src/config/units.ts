/** Milliseconds in a day: windows, expiries and day arithmetic throughout are whole UTC days. */
export const DAY_MS = 86_400_000;
