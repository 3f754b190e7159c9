-- pinn-sweep results store, version 2: when each sweep started and
-- finished, and indexes for the dashboard's and the README's queries.

-- When the first try of the sweep started, and when its last run got its
-- final result (NULL while any run has none; cleared by `sweep retry`).
ALTER TABLE sweeps ADD COLUMN started_at INTEGER;
ALTER TABLE sweeps ADD COLUMN finished_at INTEGER;

UPDATE sweeps SET started_at = (
  SELECT min(a.started_at)
  FROM attempts a JOIN runs r ON r.run_id = a.run_id
  WHERE r.sweep_id = sweeps.sweep_id
);

UPDATE sweeps SET finished_at = (
  SELECT max(m.recorded_at)
  FROM metrics m JOIN runs r ON r.run_id = m.run_id
  WHERE r.sweep_id = sweeps.sweep_id
)
WHERE NOT EXISTS (
  SELECT 1 FROM runs r
  WHERE r.sweep_id = sweeps.sweep_id AND r.status IN ('queued', 'running')
);

-- Counts per state read from the index alone, and pages of the runs in one
-- state in grid order (`WHERE sweep_id = ? AND status = ? ORDER BY idx`).
DROP INDEX runs_sweep_status;
CREATE INDEX runs_sweep_status ON runs (sweep_id, status, idx);

-- The failure table: counts per activation × gradient × state read from
-- the index alone.
DROP INDEX runs_sweep_activation_gradient;
CREATE INDEX runs_sweep_activation_gradient
  ON runs (sweep_id, activation, gradient, status);

-- Throughput: the results recorded in the last minutes.
CREATE INDEX metrics_recorded_at ON metrics (recorded_at);
