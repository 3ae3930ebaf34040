const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION = /^([0-9]{1,9})(ms|s|m|h|d)$/;

/** "500ms", "5s", "10m", "24h", "2d" → milliseconds; undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (!match) return undefined;
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

/** 90000 → "1m30s", 1500 → "1s500ms": for people reading logs and summaries. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const whole = Math.floor(ms);
  const parts: string[] = [];
  let rest = Math.floor(whole / 1000);
  for (const [unit, size] of [['d', 86_400], ['h', 3_600], ['m', 60], ['s', 1]] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  // Without this, 1500ms would read "1s": a summary must not shorten a configured wait.
  if (whole % 1000 !== 0) parts.push(`${whole % 1000}ms`);
  return parts.join('');
}
