/** The sandbox payment platform: a strict local stand-in for the platform, with a cashier, scenario controls and inspection. */
export { buildSandboxApp, createSandboxLogger } from './app';
export { startSandbox, generateAppKey, generateSecret, DEFAULT_BALANCE_FEN, type StartSandboxOptions, type RunningSandbox } from './start';
export { SandboxControl, SandboxControlError, type WaitOptions } from './control-client';
export { sandboxOptionsFromEnv, parseSchedule, SandboxConfigError, SANDBOX_DEFAULTS } from './env';
export { DEFAULT_CALLBACK_SCHEDULE_MS, DEFAULT_CALLBACK_TIMEOUT_MS, type Clock, type SandboxOptions } from './options';
export type { MerchantConfig } from './ledger';
export type { OrderKind, OrderStatus } from './orders';
export type * from './control-schema';
