-- Up Migration

-- One row per order, written by its workflow at each change (an upsert keyed by kind and mrn) and
-- read by the API at any age. `version` only grows: a write with a lower one changes nothing.
CREATE TABLE orders (
  kind text NOT NULL CHECK (kind IN ('payment', 'payout')),
  mrn text NOT NULL,
  version bigint NOT NULL CHECK (version >= 0),
  status text NOT NULL,
  -- Money in fen, never floating point.
  amount_fen bigint NOT NULL CHECK (amount_fen >= 0),
  paid_amount_fen bigint CHECK (paid_amount_fen >= 0),
  channel_id integer,
  request_hash text NOT NULL,
  needs_attention boolean NOT NULL DEFAULT false,
  attention_reasons jsonb NOT NULL DEFAULT '[]'::jsonb,
  amount_mismatch boolean NOT NULL DEFAULT false,
  -- Masked payee (payouts): the account number and name are never stored in clear.
  bank_name text,
  account_name_masked text,
  account_number_masked text,
  created_at timestamptz NOT NULL,
  finished_at timestamptz,
  last_platform_answer text,
  notification jsonb NOT NULL,
  timeline jsonb NOT NULL,
  view jsonb NOT NULL,
  -- Set by a reconciliation that found the platform disagreeing; never written by the workflows' upsert.
  reconciliation_difference text,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (kind, mrn)
);

-- Lists and exports: newest first, keyset pagination on (created_at, mrn).
CREATE INDEX orders_by_created ON orders (kind, created_at DESC, mrn DESC);
-- Reconciliation: every order still open.
CREATE INDEX orders_open ON orders (kind, created_at) WHERE finished_at IS NULL;

-- Down Migration
DROP TABLE orders;
