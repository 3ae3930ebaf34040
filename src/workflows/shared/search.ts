import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { upsertSearchAttributes } from '@temporalio/workflow';
import { AmountMismatch, LateCallback, NeedsAttention, OrderStatus } from '../../contracts/search-attributes';

export interface SearchableFlags {
  status: string;
  needsAttention: boolean;
  amountMismatch?: boolean;
  late?: boolean;
}

/** Keeps the UI's list filters truthful: called at every change of status or flag. */
export function publishSearchAttributes(flags: SearchableFlags): void {
  const pairs: SearchAttributeUpdatePair[] = [
    { key: OrderStatus, value: flags.status },
    { key: NeedsAttention, value: flags.needsAttention },
  ];
  if (flags.amountMismatch !== undefined) pairs.push({ key: AmountMismatch, value: flags.amountMismatch });
  if (flags.late !== undefined) pairs.push({ key: LateCallback, value: flags.late });
  upsertSearchAttributes(pairs);
}
