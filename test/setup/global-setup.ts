// Placeholder: replaced by the Temporal test-infrastructure work (starts the servers once per run).
export default function globalSetup(): void {}
