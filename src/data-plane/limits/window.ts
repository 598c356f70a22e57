import type { BudgetWindow } from '../snapshot.js';

/** A budget window (UTC calendar): its id goes into the counter key, so each window starts at 0. */
export interface WindowSpan {
  readonly id: string;
  readonly start: number;
  /** Epoch ms of the next window's start (Infinity-free: `total` gets a far date). */
  readonly end: number;
}

const DAY = 86_400_000;
/** Budget counters outlive their window a week, so late settlements and reports still find them. */
export const KEEP_AFTER_WINDOW_MS = 7 * DAY;
/** `total` never resets; its counter is kept ~10 years. */
const TOTAL_END = Date.UTC(2100, 0, 1);

const pad = (n: number) => String(n).padStart(2, '0');
const dayId = (t: number) => {
  const d = new Date(t);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
};

/** The window `now` falls in: daily (UTC day), weekly (ISO week, from Monday), monthly, total. */
export function windowOf(window: BudgetWindow, now: number): WindowSpan {
  switch (window) {
    case 'daily': {
      const start = Math.floor(now / DAY) * DAY;
      return { id: dayId(start), start, end: start + DAY };
    }
    case 'weekly': {
      const today = Math.floor(now / DAY) * DAY;
      const weekday = (new Date(today).getUTCDay() + 6) % 7; // Monday = 0
      const start = today - weekday * DAY;
      return { id: `w${dayId(start)}`, start, end: start + 7 * DAY };
    }
    case 'monthly': {
      const d = new Date(now);
      const start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
      return { id: `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}`, start, end: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) };
    }
    case 'total':
      return { id: 'total', start: 0, end: TOTAL_END };
  }
}
