-- pinn-sweep results store, version 3: the dashboard's failure map.
--
-- Every setting of a run, then its state, then its seed, for one sweep:
-- the failure map counts runs per grid point and state with one GROUP BY
-- over the setting columns in this order (schema order of the settings),
-- which SQLite answers from this index alone, in index order, without a
-- sort: about 10x less to read than the rows, whose config_json dominates.
-- The same index answers "the runs that differ from this one in one
-- setting" by equality seeks.
CREATE INDEX runs_sweep_settings ON runs (
  sweep_id, problem, interface_k, activation, width, bc, beta, init,
  quadrature, cells, gauss_points, nodes, gradient, fd_h, optimizer, lr,
  steps, status, seed
);
