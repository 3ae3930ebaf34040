import { ServiceError, WorkflowNotFoundError } from '@temporalio/client';

/** gRPC status codes (https://grpc.io/docs/guides/status-codes/) that matter here. */
const grpcStatus = { CANCELLED: 1, DEADLINE_EXCEEDED: 4, NOT_FOUND: 5, UNAVAILABLE: 14 } as const;

/** Temporal could not be reached or did not answer in time: the caller should retry (503). */
export function isUnavailable(error: unknown): boolean {
  if (error instanceof ServiceError) {
    const code = (error.cause as { code?: number } | undefined)?.code;
    return code === grpcStatus.UNAVAILABLE || code === grpcStatus.DEADLINE_EXCEEDED || code === grpcStatus.CANCELLED;
  }
  const code = (error as { code?: unknown } | null)?.code;
  return code === grpcStatus.UNAVAILABLE || code === grpcStatus.DEADLINE_EXCEEDED;
}

export function isDeadlineExceeded(error: unknown): boolean {
  const cause = error instanceof ServiceError ? error.cause : error;
  const code = (cause as { code?: unknown } | null)?.code;
  return code === grpcStatus.DEADLINE_EXCEEDED || code === grpcStatus.CANCELLED;
}

export function isNotFound(error: unknown): boolean {
  if (error instanceof WorkflowNotFoundError) return true;
  const cause = error instanceof ServiceError ? error.cause : error;
  return (cause as { code?: unknown } | null)?.code === grpcStatus.NOT_FOUND;
}
