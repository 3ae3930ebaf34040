import { isFen, type Fen } from '../gateway';

export interface MerchantConfig {
  appKey: string;
  /** The merchant's signing secret. Never logged, never answered by the control API. */
  secret: string;
  /** Opening balance; reset restores it. */
  balanceFen: Fen;
}

interface Account {
  readonly config: MerchantConfig;
  balanceFen: Fen;
}

/**
 * Merchant accounts and their balances. Settled pay-ins credit the sum actually paid; a payout
 * debits its amount when it is accepted (so two payouts cannot both spend the same money, which
 * is why the platform can answer insufficient_balance at create time) and a failed payout gives
 * it back.
 */
export class Ledger {
  private readonly accounts = new Map<string, Account>();

  constructor(merchants: readonly MerchantConfig[]) {
    if (merchants.length === 0) throw new Error('the sandbox needs at least one merchant');
    for (const merchant of merchants) {
      if (merchant.appKey === '' || merchant.secret === '') throw new Error('a merchant needs a non-empty appKey and secret');
      if (!isFen(merchant.balanceFen)) throw new Error(`merchant ${merchant.appKey}: balanceFen must be a non-negative integer`);
      if (this.accounts.has(merchant.appKey)) throw new Error(`merchant ${merchant.appKey} is configured twice`);
      this.accounts.set(merchant.appKey, { config: { ...merchant }, balanceFen: merchant.balanceFen });
    }
  }

  /** The merchant's secret, or undefined for an unknown appKey (the platform's object_not_found). */
  secretOf(appKey: string): string | undefined {
    return this.accounts.get(appKey)?.config.secret;
  }

  has(appKey: string): boolean {
    return this.accounts.has(appKey);
  }

  balanceOf(appKey: string): Fen | undefined {
    return this.accounts.get(appKey)?.balanceFen;
  }

  appKeys(): string[] {
    return [...this.accounts.keys()];
  }

  credit(appKey: string, fen: Fen): void {
    this.account(appKey).balanceFen += fen;
  }

  /** Whether the balance holds `fen` now (nothing taken). */
  covers(appKey: string, fen: Fen): boolean {
    return this.account(appKey).balanceFen >= fen;
  }

  /** Takes `fen` from the balance if it is there; false (nothing taken) when it is not. */
  debit(appKey: string, fen: Fen): boolean {
    const account = this.account(appKey);
    if (account.balanceFen < fen) return false;
    account.balanceFen -= fen;
    return true;
  }

  reset(): void {
    for (const account of this.accounts.values()) account.balanceFen = account.config.balanceFen;
  }

  /** Every merchant's balance now, by appKey (what a restart restores). */
  balances(): Record<string, Fen> {
    return Object.fromEntries([...this.accounts].map(([appKey, account]) => [appKey, account.balanceFen]));
  }

  /** Takes back saved balances of the merchants still configured; the others keep their opening balance. */
  restore(balances: Readonly<Record<string, Fen>>): void {
    for (const [appKey, account] of this.accounts) {
      const saved = balances[appKey];
      if (isFen(saved)) account.balanceFen = saved;
    }
  }

  private account(appKey: string): Account {
    const account = this.accounts.get(appKey);
    if (account === undefined) throw new Error(`unknown merchant ${appKey}`);
    return account;
  }
}
