/** "6222021234567890123" → "****0123": enough for a person to recognise the account, useless to anyone else. */
export function maskAccountNumber(accountNumber: string): string {
  const visible = accountNumber.length > 8 ? 4 : Math.min(2, Math.floor(accountNumber.length / 4));
  return `****${accountNumber.slice(accountNumber.length - visible)}`;
}

/** Scheme, host and path of a URL, without query or credentials: callback URLs may carry tokens. */
export function urlForLog(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return '(unparseable URL)';
  }
}
