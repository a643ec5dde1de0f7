-- Every index on operation_runs must be one some statement's plan uses at scale
-- (server/tests/conformance/plans.rs). Counting a tenant's runs completed since an instant
-- reads ix_runs_tenant_outcome_completed, which covers the count; this one served nothing
-- and cost every terminal write.
DROP INDEX ix_runs_tenant_completed;
