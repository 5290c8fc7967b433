/**
 * Reads the instants people type in a query or on the command line (pure): a date
 * (2025-06-01, midnight UTC) or a date-time with a zone (2025-06-01T08:00:00+02:00, …Z).
 * A date-time without a zone is refused: it would mean a different instant on every machine.
 */
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i;

export const INSTANT_FORMAT = 'a date (2025-06-01, midnight UTC) or a date-time with a zone (2025-06-01T08:00:00+02:00)';

export function parseInstant(text: string): Date | undefined {
  const isDate = DATE.test(text);
  if ((!isDate && !DATE_TIME.test(text)) || !calendarDayExists(text.slice(0, 10))) return undefined;
  const ms = Date.parse(isDate ? `${text}T00:00:00Z` : text);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

/** Date.parse rolls 2025-02-30 over to March 2: refuse days that do not exist instead. */
function calendarDayExists(ymd: string): boolean {
  const [y, m, d] = ymd.split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}
