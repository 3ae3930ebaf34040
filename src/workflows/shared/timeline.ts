import type { TimelineEntry } from '../../contracts/order';

/** Enough for a human to read a long-running order; older repeats are folded, not dropped. */
const MAX_ENTRIES = 200;

/**
 * Appends to an order's timeline, folding a repeat of the previous entry into a counter so a
 * payout polled for days keeps a short, readable story.
 */
export function record(timeline: TimelineEntry[], at: Date, event: string, detail?: string): void {
  const iso = at.toISOString();
  const last = timeline[timeline.length - 1];
  if (last && last.event === event && last.detail === detail) {
    last.count = (last.count ?? 1) + 1;
    last.lastAt = iso;
    return;
  }
  timeline.push(detail === undefined ? { at: iso, event } : { at: iso, event, detail });
  if (timeline.length > MAX_ENTRIES) {
    // Keep the beginning (how the order started) and the most recent story.
    timeline.splice(10, timeline.length - MAX_ENTRIES, { at: iso, event: 'timeline shortened', detail: 'older entries folded' });
  }
}
