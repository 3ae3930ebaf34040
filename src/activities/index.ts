import type { GatewayClient } from '../gateway';
import { createNotifyActivities } from './notify';
import { createPlatformActivities } from './platform';
import type { OrderActivities } from './types';

export type { OrderActivities } from './types';

export interface ActivityDeps {
  gateway: GatewayClient;
  publicUrl: string;
  notifySecret: string;
  notifyTimeoutMs: number;
}

/** All order activities, built from their dependencies (real clients in the worker, local servers in tests). */
export function createActivities(deps: ActivityDeps): OrderActivities {
  return {
    ...createPlatformActivities({ gateway: deps.gateway, publicUrl: deps.publicUrl }),
    ...createNotifyActivities({ notifySecret: deps.notifySecret, timeoutMs: deps.notifyTimeoutMs }),
  };
}
