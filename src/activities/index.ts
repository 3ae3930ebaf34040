import type { OrderBook } from '../book/order-book';
import type { GatewayClient, MerchantCredentials } from '../gateway';
import { createCallbackVerification } from './callback-verification';
import { createNotifyActivities } from './notify';
import { createOrderBookActivities } from './order-book';
import { createPlatformActivities } from './platform';
import { createReconciliationActivities } from './reconciliation';
import { ReconciliationBook } from '../book/reconciliations';
import type { OrderActivities } from '../contracts/activities';

export type { OrderActivities } from '../contracts/activities';

export interface ActivityDeps {
  gateway: GatewayClient;
  /** The order book the workflows write each change to (recordOrder). */
  book: OrderBook;
  /** GATEWAY_APP_KEY and GATEWAY_SECRET, to verify callback signals again before a workflow applies them. */
  gatewayCredentials: MerchantCredentials;
  publicUrl: string;
  notifySecret: string;
  notifyTimeoutMs: number;
  /** NOTIFY_ALLOW_PRIVATE: notifications may go to loopback, private and link-local addresses. */
  notifyAllowPrivate: boolean;
}

/** All order activities, built from their dependencies (real clients in the worker, local servers in tests). */
export function createActivities(deps: ActivityDeps): OrderActivities {
  return {
    ...createPlatformActivities({ gateway: deps.gateway, createRequests: deps.book, publicUrl: deps.publicUrl }),
    ...createCallbackVerification(deps.gatewayCredentials),
    ...createNotifyActivities({ notifySecret: deps.notifySecret, timeoutMs: deps.notifyTimeoutMs, allowPrivate: deps.notifyAllowPrivate }),
    ...createOrderBookActivities(deps.book),
    ...createReconciliationActivities({ gateway: deps.gateway, book: deps.book, reconciliations: new ReconciliationBook(deps.book.pool) }),
  };
}
