// Charts of the run and compare pages, drawn with uPlot (served locally)
// from the JSON embedded in #chart-data: the loss over steps (log scale),
// u against u* on [0, 1], and the pointwise error |u − u*| (log scale).
(() => {
  const COLORS = ['#0072b2', '#e69f00'];
  const EXACT = '#1d2330';
  const block = document.getElementById('chart-data');
  if (!block || typeof window.uPlot !== 'function') return;
  const uPlot = window.uPlot;

  function revive(_key, value) {
    if (value === 'NaN') return Number.NaN;
    if (value === 'Infinity') return Number.POSITIVE_INFINITY;
    if (value === '-Infinity') return Number.NEGATIVE_INFINITY;
    return value;
  }

  const runs = JSON.parse(block.textContent, revive).runs;
  const many = runs.length > 1;
  const name = (i, what) => (many ? `${what} ${i === 0 ? 'A' : 'B'}` : what);

  /** Finite positive values for a log axis; anything else is a gap. */
  const positive = (v) => (Number.isFinite(v) && v > 0 ? v : null);
  const finite = (v) => (Number.isFinite(v) ? v : null);

  /** Tick labels that stay readable on a log scale (1e-5, 0.01, 20). */
  function tick(v) {
    if (v === null || v === undefined) return null;
    if (v === 0 || !Number.isFinite(v)) return String(v);
    const a = Math.abs(v);
    if (a < 1e-2 || a >= 1e5) {
      return v.toExponential(0).replace('e+', 'e');
    }
    return String(Number(v.toPrecision(3)));
  }
  const ticks = (_u, splits) => splits.map(tick);
  /** On a log scale only the powers of ten get a label. */
  const decades = (_u, splits) =>
    splits.map((v) => {
      const e = Math.log10(v);
      return Math.abs(e - Math.round(e)) < 1e-9 ? tick(v) : null;
    });

  function note(el, text) {
    const p = document.createElement('p');
    p.className = 'note';
    p.textContent = text;
    el.replaceChildren(p);
  }

  function draw(el, opts, data) {
    el.replaceChildren();
    const width = Math.max(280, el.clientWidth);
    const chart = new uPlot({ ...opts, width, height: 240 }, data, el);
    const resize = () =>
      chart.setSize({ width: Math.max(280, el.clientWidth), height: 240 });
    window.addEventListener('resize', resize);
  }

  /**
   * The loss as it can be drawn on a log scale: the loss itself when it is
   * positive throughout, else its distance above the exact minimum Π[u*]
   * (the Ritz energy is negative), else the loss on a linear scale.
   */
  function lossView() {
    const curves = runs.filter((r) => r.loss);
    const allPositive = curves.every((r) =>
      r.loss.loss.every((v) => !Number.isFinite(v) || v > 0),
    );
    if (allPositive) return { label: 'loss', log: true, shift: () => 0 };
    if (curves.every((r) => r.piStar !== null)) {
      return { label: 'loss − Π[u*]', log: true, shift: (r) => r.piStar };
    }
    return { label: 'loss', log: false, shift: () => 0 };
  }

  function lossChart(el) {
    const curves = runs.map((r, i) => ({ r, i })).filter(({ r }) => r.loss);
    if (curves.length === 0) {
      note(el, 'No loss curve recorded for this run.');
      return;
    }
    const view = lossView();
    const tables = curves.map(({ r }) => [
      r.loss.step,
      r.loss.loss.map((v) =>
        view.log ? positive(v - view.shift(r)) : finite(v),
      ),
    ]);
    const data = tables.length === 1 ? tables[0] : uPlot.join(tables);
    draw(
      el,
      {
        scales: { x: { time: false }, y: view.log ? { distr: 3 } : {} },
        axes: [
          { label: 'step' },
          { label: view.label, size: 70, values: view.log ? decades : ticks },
        ],
        series: [
          { label: 'step' },
          ...curves.map(({ i }) => ({
            label: name(i, view.label),
            stroke: COLORS[i],
            width: 2,
            spanGaps: true,
          })),
        ],
      },
      data,
    );
  }

  function samplesChart(el, error) {
    const curves = runs.map((r, i) => ({ r, i })).filter(({ r }) => r.samples);
    if (curves.length === 0) {
      note(el, 'No solution samples recorded for this run.');
      return;
    }
    const x = curves[0].r.samples.x;
    const sameX = curves.every(({ r }) => r.samples.x.length === x.length);
    if (!sameX) {
      note(el, 'The runs were sampled at different points.');
      return;
    }
    const series = [{ label: 'x' }];
    const data = [x];
    if (!error) {
      series.push({ label: 'u*', stroke: EXACT, width: 1.5, dash: [6, 4] });
      data.push(curves[0].r.samples.u_star.map(finite));
    }
    for (const { r, i } of curves) {
      const s = r.samples;
      series.push({
        label: name(i, error ? '|u − u*|' : 'u'),
        stroke: COLORS[i],
        width: 2,
        spanGaps: error,
      });
      data.push(
        error
          ? s.u.map((u, k) => positive(Math.abs(u - s.u_star[k])))
          : s.u.map(finite),
      );
    }
    // Exact boundary values make |u − u*| reach 1e-17; six decades below
    // the largest error are enough to read it.
    const errorScale = {
      distr: 3,
      range: (_u, min, max) =>
        uPlot.rangeLog(Math.max(min, max * 1e-6), max, 10, true),
    };
    draw(
      el,
      {
        scales: { x: { time: false }, y: error ? errorScale : {} },
        axes: [
          { label: 'x' },
          {
            label: error ? '|u − u*|' : 'u',
            size: 70,
            values: error ? decades : ticks,
          },
        ],
        series,
      },
      data,
    );
  }

  const loss = document.getElementById('chart-loss');
  const u = document.getElementById('chart-u');
  const err = document.getElementById('chart-err');
  if (loss) lossChart(loss);
  if (u) samplesChart(u, false);
  if (err) samplesChart(err, true);
})();
