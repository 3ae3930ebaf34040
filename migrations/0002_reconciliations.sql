-- Up Migration

-- One row per reconciled business day: which run owns it and whether it has finished. A date is
-- reconciled by one run at a time (the API and the schedule both look here before starting one).
CREATE TABLE reconciliations (
  date date PRIMARY KEY,
  workflow_id text NOT NULL,
  status text NOT NULL CHECK (status IN ('running', 'done')),
  -- The IANA zone the business day was read in (RECONCILE_TIMEZONE when it ran).
  timezone text NOT NULL,
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz
);

-- What the platform answered about each order checked. Keyed by order: a batch retried after a
-- crash upserts the same rows, so counts (derived with GROUP BY, never kept as totals) never double.
CREATE TABLE reconciliation_items (
  date date NOT NULL REFERENCES reconciliations (date) ON DELETE CASCADE,
  kind text NOT NULL CHECK (kind IN ('payment', 'payout')),
  mrn text NOT NULL,
  outcome text NOT NULL CHECK (outcome IN ('matched', 'differs', 'unknown_at_platform', 'no_answer')),
  our_status text NOT NULL,
  -- "status 0|1|2", "not_found", or what stood for no answer ("unavailable: …", "refused <code>: …").
  platform_answer text NOT NULL,
  detail text,
  checked_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (date, kind, mrn)
);

-- The differences of a day, listed without reading every matched order.
CREATE INDEX reconciliation_items_by_outcome ON reconciliation_items (date, outcome, kind, mrn);

-- Down Migration
DROP TABLE reconciliation_items;
DROP TABLE reconciliations;
