/** The workflows the worker registers (this file is the bundle's entry point). */
export { paymentWorkflow } from './payment';
export { payoutWorkflow } from './payout';
export { unmatchedCallbackWorkflow } from './unmatched-callback';
export { reconciliationWorkflow } from './reconciliation';
