-- Maintenance windows made through the API: the events of the service's
-- SLOs (or of one SLO, when slo is not empty) between starts and ends
-- count neither toward the SLIs nor the budgets.

CREATE TABLE slokit_maintenance (
    id       text PRIMARY KEY,
    service  text NOT NULL,
    slo      text NOT NULL DEFAULT '',
    reason   text NOT NULL,
    author   text NOT NULL,
    created  timestamptz NOT NULL,
    starts   timestamptz NOT NULL,
    ends     timestamptz NOT NULL,
    -- set when ended through the API; the row stays, for the record
    deleted  timestamptz
);
CREATE INDEX slokit_maintenance_upcoming ON slokit_maintenance (ends) WHERE deleted IS NULL;
