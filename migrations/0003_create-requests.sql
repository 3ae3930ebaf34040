-- Up Migration

-- Every pay-in create request sent to the platform, noted just before it is sent. A refusal after an
-- earlier request of ours may hide the order that request created (its answer lost); an attempt
-- counter cannot tell, since it starts again when a workflow task or a worker is lost mid-request.
-- This table can: a refusal is final only for the first request ever sent for the mrn.
CREATE TABLE create_requests (
  kind text NOT NULL CHECK (kind IN ('payment', 'payout')),
  mrn text NOT NULL,
  first_sent_at timestamptz NOT NULL DEFAULT now(),
  sent integer NOT NULL DEFAULT 1 CHECK (sent >= 1),
  PRIMARY KEY (kind, mrn)
);

-- Down Migration
DROP TABLE create_requests;
