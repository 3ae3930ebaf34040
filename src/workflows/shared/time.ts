/** "12:30:05 UTC" — for summaries people read in the Temporal UI. */
export function clock(epochMs: number): string {
  return `${new Date(epochMs).toISOString().slice(11, 19)} UTC`;
}

/** "2026-11-25 12:30:05 UTC" */
export function timestamp(epochMs: number): string {
  const iso = new Date(epochMs).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
}
