/**
 * Keeps an inspection log near `max` entries by dropping the oldest tenth at once when it grows
 * past max + 10%: one splice per many pushes, so a long benchmark at the cap stays cheap.
 */
export function trimOldest<T>(entries: T[], max: number): void {
  const slack = Math.max(1, Math.floor(max / 10));
  if (entries.length > max + slack) entries.splice(0, entries.length - max);
}
