/**
 * Example queries over the results database, as the README shows them and
 * the dashboard's SQL console offers them. Each is tested against a
 * recorded sweep, so none can silently stop working.
 */

/** One example query. */
export interface ExampleQuery {
  /** Short id, kebab-case. */
  id: string;
  /** What it answers, one line. */
  title: string;
  /** The SQL, for the sweep `relu-failure`. */
  sql: string;
}

/** The example queries, in the order the README lists them. */
export const EXAMPLE_QUERIES: readonly ExampleQuery[] = [
  {
    id: 'failure-rate',
    title: 'Failure rate by activation and gradient method',
    sql: `SELECT activation, gradient,
       count(*) AS runs,
       sum(failed) AS failed,
       round(100.0 * sum(failed) / count(*), 1) AS failure_pct
FROM results
WHERE sweep = 'relu-failure'
  AND status NOT IN ('queued', 'running', 'cancelled')
GROUP BY activation, gradient
ORDER BY failure_pct DESC, activation, gradient;`,
  },
  {
    id: 'median-relu',
    title: 'Median rel_l2 by width for ReLU, analytic vs autodiff',
    sql: `WITH ranked AS (
  SELECT width, gradient, rel_l2,
         row_number() OVER (PARTITION BY width, gradient
                            ORDER BY rel_l2) AS k,
         count(*) OVER (PARTITION BY width, gradient) AS n
  FROM results
  WHERE sweep = 'relu-failure' AND activation = 'relu'
    AND gradient IN ('analytic', 'autodiff') AND rel_l2 IS NOT NULL
)
SELECT width,
       avg(CASE WHEN gradient = 'analytic' THEN rel_l2 END) AS analytic,
       avg(CASE WHEN gradient = 'autodiff' THEN rel_l2 END) AS autodiff
FROM ranked
WHERE k IN ((n + 1) / 2, (n + 2) / 2)
GROUP BY width
ORDER BY width;`,
  },
  {
    id: 'best-lr',
    title: 'Best learning rate per width (lowest mean rel_l2)',
    sql: `WITH by_lr AS (
  SELECT width, lr, avg(rel_l2) AS mean_rel_l2, count(*) AS runs
  FROM results
  WHERE sweep = 'relu-failure' AND rel_l2 IS NOT NULL
  GROUP BY width, lr
)
SELECT width, lr AS best_lr, mean_rel_l2, runs
FROM (SELECT *, row_number() OVER (PARTITION BY width
                                   ORDER BY mean_rel_l2) AS place
      FROM by_lr)
WHERE place = 1
ORDER BY width;`,
  },
  {
    id: 'crashed-attempts',
    title: 'Every attempt of the runs that crashed, with its error',
    sql: `SELECT r.run_id, r.activation, r.width, r.gradient,
       a.attempt, a.worker, a.outcome, a.error,
       a.ended_at - a.started_at AS ms
FROM runs r
JOIN sweeps s ON s.sweep_id = r.sweep_id
JOIN attempts a ON a.run_id = r.run_id
WHERE s.name = 'relu-failure' AND r.status = 'crashed'
ORDER BY r.idx, a.attempt;`,
  },
  {
    id: 'diverged',
    title: 'Runs that diverged or reported NaN',
    sql: `SELECT run_id, activation, width, lr, gradient, status,
       diverged_step, nan_metrics, final_loss
FROM results
WHERE sweep = 'relu-failure'
  AND (status = 'diverged' OR nan_metrics IS NOT NULL)
ORDER BY idx;`,
  },
  {
    id: 'gradient-check',
    title: 'Gradient error against finite differences, per activation',
    sql: `SELECT activation,
       avg(gc_autodiff_rel) AS autodiff_vs_fd,
       avg(gc_analytic_rel) AS analytic_vs_fd
FROM results
WHERE sweep = 'relu-failure' AND gc_autodiff_rel IS NOT NULL
GROUP BY activation
ORDER BY autodiff_vs_fd DESC;`,
  },
  {
    id: 'slowest',
    title: 'Mean training time per width and gradient method',
    sql: `SELECT width, gradient,
       count(wall_ms) AS runs,
       round(avg(wall_ms)) AS mean_ms,
       round(avg(steps_per_s)) AS steps_per_s
FROM results
WHERE sweep = 'relu-failure' AND wall_ms IS NOT NULL
GROUP BY width, gradient
ORDER BY mean_ms DESC;`,
  },
  {
    id: 'progress',
    title: 'Progress of every sweep',
    sql: `SELECT s.name,
       count(*) AS runs,
       sum(r.status NOT IN ('queued', 'running')) AS finished,
       round(100.0 * sum(r.status NOT IN ('queued', 'running'))
             / count(*), 1) AS pct,
       datetime(s.started_at / 1000, 'unixepoch') AS started
FROM sweeps s
JOIN runs r ON r.sweep_id = s.sweep_id
GROUP BY s.sweep_id
ORDER BY s.sweep_id;`,
  },
];
