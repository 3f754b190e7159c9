-- pinn-sweep results store, version 1.
-- Times are Unix milliseconds (INTEGER). A metric that was NaN is stored as
-- NULL and its name listed in metrics.nan_metrics; ±Infinity are stored as
-- SQLite's ±Inf reals, so NULL alone always means "not measured".

CREATE TABLE sweeps (
  sweep_id     INTEGER PRIMARY KEY,
  name         TEXT NOT NULL UNIQUE,
  spec_json    TEXT NOT NULL,          -- the normalised spec
  spec_hash    TEXT NOT NULL,          -- hash of spec_json
  axes_json    TEXT NOT NULL,          -- grid axis names, in spec order
  threshold    REAL NOT NULL,          -- rel_l2 above this is 'inaccurate'
  retries      INTEGER NOT NULL,       -- extra attempts after a crash
  timeout_ms   INTEGER NOT NULL,       -- per-run time limit
  cancelled_at INTEGER,                -- set by `sweep cancel`
  created_at   INTEGER NOT NULL
);

CREATE TABLE runs (
  run_id       TEXT PRIMARY KEY,       -- hash of sweep name + run config
  sweep_id     INTEGER NOT NULL REFERENCES sweeps (sweep_id),
  idx          INTEGER NOT NULL,       -- position in the expanded grid
  status       TEXT NOT NULL DEFAULT 'queued' CHECK (status IN (
                 'queued', 'running', 'done', 'inaccurate', 'diverged',
                 'crashed', 'timeout', 'cancelled')),
  generation   INTEGER NOT NULL DEFAULT 0, -- bumped by `sweep retry`
  config_json  TEXT NOT NULL,          -- the canonical run config
  problem      TEXT NOT NULL,
  interface_k  REAL NOT NULL,
  activation   TEXT NOT NULL,
  width        INTEGER NOT NULL,
  bc           TEXT NOT NULL,
  beta         REAL NOT NULL,
  init         TEXT NOT NULL,
  quadrature   TEXT NOT NULL,
  cells        INTEGER NOT NULL,
  gauss_points INTEGER NOT NULL,
  nodes        INTEGER NOT NULL,
  gradient     TEXT NOT NULL,
  fd_h         REAL NOT NULL,
  optimizer    TEXT NOT NULL,
  lr           REAL NOT NULL,
  steps        INTEGER NOT NULL,
  seed         INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL,
  UNIQUE (sweep_id, idx)
);

CREATE INDEX runs_sweep_status ON runs (sweep_id, status);
CREATE INDEX runs_sweep_activation_gradient
  ON runs (sweep_id, activation, gradient);

-- One row per try of a run. outcome is NULL while the try is under way;
-- 'lost' marks a try whose worker vanished (its job was redelivered).
CREATE TABLE attempts (
  run_id       TEXT NOT NULL REFERENCES runs (run_id),
  attempt      INTEGER NOT NULL,       -- 1, 2, … across generations
  token        TEXT NOT NULL UNIQUE,   -- the worker's id for this try
  generation   INTEGER NOT NULL,
  worker       TEXT NOT NULL,          -- host:pid of the worker
  started_at   INTEGER NOT NULL,
  ended_at     INTEGER,
  outcome      TEXT CHECK (outcome IN (
                 'ok', 'crashed', 'timeout', 'cancelled', 'lost')),
  error        TEXT,
  PRIMARY KEY (run_id, attempt)
);

-- The final result of a run: at most one row per run, never overwritten.
CREATE TABLE metrics (
  run_id          TEXT PRIMARY KEY REFERENCES runs (run_id),
  status          TEXT NOT NULL CHECK (status IN (
                    'done', 'inaccurate', 'diverged', 'crashed', 'timeout',
                    'cancelled')),
  rel_l2          REAL,
  rel_h1          REAL,
  energy          REAL,
  energy_gap      REAL,
  final_loss      REAL,
  gc_autodiff_cos REAL,
  gc_autodiff_rel REAL,
  gc_analytic_cos REAL,
  gc_analytic_rel REAL,
  kinks_inside    INTEGER,
  steps_done      INTEGER,
  wall_ms         REAL,
  steps_per_s     REAL,
  diverged_step   INTEGER,
  nan_metrics     TEXT,                 -- comma list of metrics that were NaN
  error           TEXT,                 -- why it crashed / timed out
  worker          TEXT,
  attempt         INTEGER,
  recorded_at     INTEGER NOT NULL
);

CREATE INDEX metrics_status ON metrics (status);

-- Bulky per-run data for plots, kept apart so that metric scans stay small.
CREATE TABLE curves (
  run_id       TEXT PRIMARY KEY REFERENCES runs (run_id),
  loss_json    TEXT NOT NULL,          -- {"step":[…],"loss":[…]}
  samples_json TEXT NOT NULL           -- {"x":[…],"u":[…],"u_star":[…]}
);

-- One row per run with its sweep, config and final metrics: the table that
-- SQL users query. failed is 1 for inaccurate/diverged/crashed/timeout.
CREATE VIEW results AS
SELECT
  s.name AS sweep,
  r.run_id, r.idx, r.status, r.generation,
  r.problem, r.interface_k, r.activation, r.width, r.bc, r.beta, r.init,
  r.quadrature, r.cells, r.gauss_points, r.nodes, r.gradient, r.fd_h,
  r.optimizer, r.lr, r.steps, r.seed,
  m.rel_l2, m.rel_h1, m.energy, m.energy_gap, m.final_loss,
  m.gc_autodiff_cos, m.gc_autodiff_rel, m.gc_analytic_cos, m.gc_analytic_rel,
  m.kinks_inside, m.steps_done, m.wall_ms, m.steps_per_s, m.diverged_step,
  m.nan_metrics, m.error, m.worker, m.recorded_at,
  (SELECT count(*) FROM attempts a WHERE a.run_id = r.run_id) AS attempts,
  CASE WHEN r.status IN ('inaccurate', 'diverged', 'crashed', 'timeout')
       THEN 1 ELSE 0 END AS failed
FROM runs r
JOIN sweeps s ON s.sweep_id = r.sweep_id
LEFT JOIN metrics m ON m.run_id = r.run_id;
