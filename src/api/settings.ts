import type { PayloadCodec } from '@temporalio/common';
import type { Config, GatewayConfig } from '../config';
import type { ApiSettings } from './app';

/** The API's settings from the validated configuration (plus what the all-in-one start filled in). */
export function apiSettings(
  config: Config,
  resolved: { apiToken: string; gateway: GatewayConfig; codec?: PayloadCodec; operatorToken?: string },
): ApiSettings {
  const codec =
    resolved.codec !== undefined && resolved.operatorToken !== undefined
      ? { codec: resolved.codec, operatorToken: resolved.operatorToken, corsOrigins: config.codecCorsOrigins }
      : undefined;
  return {
    namespace: config.temporal.namespace,
    ...(codec === undefined ? {} : { codec }),
    apiToken: resolved.apiToken,
    publicUrl: config.publicUrl,
    taskQueue: config.temporal.taskQueue,
    gateway: { appKey: resolved.gateway.appKey, secret: resolved.gateway.secret },
    callbackAllowedIps: config.callbackAllowedIps,
    trustProxy: config.trustProxy,
    notifyAllowPrivate: config.notifyAllowPrivate,
    timeouts: config.timeouts,
    createWaitMs: config.createWaitMs,
    ...(config.metricsToken === undefined ? {} : { metricsToken: config.metricsToken }),
    tracing: config.otlpEndpoint !== undefined,
    reconcile: { timezone: config.reconcile.timezone, qps: config.reconcile.qps },
  };
}
