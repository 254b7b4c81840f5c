-- slokit's shared state. Overrides are people's exceptions to the gate;
-- slokit_audit is the trail of every change to them (append-only: a
-- trigger refuses UPDATE and DELETE); slokit_decisions is the gate's
-- decision log, digested as in the file store and pruned by age.

CREATE TABLE slokit_overrides (
    id       text PRIMARY KEY,
    service  text NOT NULL,
    reason   text NOT NULL,
    author   text NOT NULL,
    created  timestamptz NOT NULL,
    expires  timestamptz NOT NULL,
    -- set when deleted; the row stays, for the record
    deleted  timestamptz
);
CREATE INDEX slokit_overrides_in_force ON slokit_overrides (expires) WHERE deleted IS NULL;

CREATE TABLE slokit_audit (
    seq     bigserial PRIMARY KEY,
    at      timestamptz NOT NULL,
    kind    text NOT NULL,
    client  text NOT NULL DEFAULT '',
    -- the record as the file store writes it: serve.AuditEntry in JSON
    entry   jsonb NOT NULL
);

CREATE FUNCTION slokit_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'slokit_audit is append-only';
END
$$;
CREATE TRIGGER slokit_audit_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON slokit_audit
    FOR EACH STATEMENT EXECUTE FUNCTION slokit_audit_append_only();

CREATE TABLE slokit_decisions (
    seq      bigserial PRIMARY KEY,
    at       timestamptz NOT NULL,
    replica  text NOT NULL,
    kind     text NOT NULL,
    service  text NOT NULL,
    entry    jsonb NOT NULL
);
CREATE INDEX slokit_decisions_at ON slokit_decisions (at);
