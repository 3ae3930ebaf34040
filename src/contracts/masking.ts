/** Personal data as it may appear in answers, logs and summaries: never in full. */

/** "6222021234567890123" → "****0123" */
export function maskAccountNumber(accountNumber: string): string {
  return `****${accountNumber.slice(-4)}`;
}

/** "张三" → "张*", "Li Wei" → "L*****": enough for a person to recognise, not to reuse. */
export function maskName(name: string): string {
  const chars = Array.from(name);
  if (chars.length <= 1) return '*';
  return chars[0] + '*'.repeat(chars.length - 1);
}
