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

  // uPlot finds tick steps in tables that end at 1e32 (and 1e-32): past
  // them an axis gets no tick labels at all, and a diverged run's values
  // reach 1e283. Beyond PLOTTABLE a value is drawn at the chart's edge,
  // with a note under the chart saying so and how far it really goes, and
  // the legend shows the real value: a readable chart that is plainly cut
  // rather than one that shows nothing.
  const PLOTTABLE = 1e30;

  /**
   * `values` held within [lo, hi]. Returns the held values and the
   * extremes of those that were moved, or null when none was.
   */
  function hold(values, lo, hi) {
    let low = null;
    let high = null;
    const held = values.map((v) => {
      if (v === null) return v;
      if (v < lo) {
        low = low === null ? v : Math.min(low, v);
        return lo;
      }
      if (v > hi) {
        high = high === null ? v : Math.max(high, v);
        return hi;
      }
      return v;
    });
    return {
      held,
      beyond: low === null && high === null ? null : { low, high },
    };
  }

  /** A value in a note or the legend: `1.23e+283`, `0.5`. */
  function shown(v) {
    if (v === null || v === undefined) return '--';
    if (!Number.isFinite(v)) return String(v);
    const a = Math.abs(v);
    if (a !== 0 && (a < 1e-4 || a >= 1e6)) return v.toExponential(2);
    return String(Number(v.toPrecision(4)));
  }

  /** The legend entry of a series whose drawn values were held. */
  const realValue = (raw) => (_u, _v, _s, idx) =>
    idx === null || idx === undefined ? '--' : shown(raw[idx]);

  /**
   * Splits of a log axis reaching PLOTTABLE: a power of ten every few
   * decades, each labelled. uPlot's own put nine lines in each of the
   * ~60 decades, which turns the grid solid grey, and its label filter
   * expects them.
   */
  function fewDecades(_u, _axis, min, max) {
    const first = Math.ceil(Math.log10(min) - 1e-9);
    const last = Math.floor(Math.log10(max) + 1e-9);
    const every = Math.max(1, Math.ceil((last - first) / 4));
    const splits = [];
    for (let e = first; e <= last; e += every) splits.push(Number(`1e${e}`));
    return splits;
  }

  const FEW_DECADES = { splits: fewDecades, filter: (_u, splits) => splits };

  /** A note under a chart, after what uPlot drew. */
  function addNote(el, text) {
    const p = document.createElement('p');
    p.className = 'chart-note';
    p.textContent = text;
    el.append(p);
  }

  /** The sentence for values held within [lo, hi], or null. */
  function heldNote(what, beyond, lo, hi) {
    if (beyond === null) return null;
    const reach = [beyond.low, beyond.high].filter((v) => v !== null);
    return (
      `${what} reaches ${reach.map(shown).join(' and ')}, out of the ` +
      `range this chart can show: values beyond ${shown(lo)} … ${shown(hi)} ` +
      'are drawn at its edge (the legend shows the real ones).'
    );
  }

  /**
   * The sentence for values that are not numbers (NaN, ±Infinity: a run
   * that diverged), which the chart leaves out, or null when there are
   * none.
   */
  function gapNote(what, values) {
    const missing = values.filter((v) => !Number.isFinite(v)).length;
    if (missing === 0) return null;
    const all = missing === values.length;
    return (
      `${what} is not a finite number (NaN or ±Infinity) at ` +
      (all
        ? `all ${values.length} points: there is nothing to draw.`
        : `${missing} of ${values.length} points, left out of the chart.`)
    );
  }

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
    const [lo, hi] = view.log
      ? [1 / PLOTTABLE, PLOTTABLE]
      : [-PLOTTABLE, PLOTTABLE];
    const notes = [];
    const raws = [];
    const tables = curves.map(({ r, i }) => {
      const raw = r.loss.loss.map((v) =>
        view.log ? positive(v - view.shift(r)) : finite(v),
      );
      const { held, beyond } = hold(raw, lo, hi);
      const note = heldNote(name(i, view.label), beyond, lo, hi);
      if (note) notes.push(note);
      const gaps = gapNote(name(i, 'the loss'), r.loss.loss);
      if (gaps) notes.push(gaps);
      raws.push(raw);
      return [r.loss.step, held];
    });
    // uPlot.join aligns the steps of two runs; the legend then looks the
    // real value up by step.
    const legend = raws.map((raw, k) => {
      const byStep = new Map(tables[k][0].map((step, j) => [step, raw[j]]));
      return (u, _v, _s, idx) =>
        idx === null || idx === undefined
          ? '--'
          : shown(byStep.get(u.data[0][idx]) ?? null);
    });
    const data = tables.length === 1 ? tables[0] : uPlot.join(tables);
    draw(
      el,
      {
        scales: { x: { time: false }, y: view.log ? { distr: 3 } : {} },
        axes: [
          { label: 'step' },
          {
            label: view.label,
            size: 70,
            values: view.log ? decades : ticks,
            ...(view.log && notes.length > 0 ? FEW_DECADES : {}),
          },
        ],
        series: [
          { label: 'step' },
          ...curves.map(({ i }, k) => ({
            label: name(i, view.label),
            stroke: COLORS[i],
            width: 2,
            spanGaps: true,
            value: legend[k],
          })),
        ],
      },
      data,
    );
    for (const note of notes) addNote(el, note);
  }

  /**
   * The y range of the u chart: everything while u stays near u*; once u
   * leaves u*'s range by more than ten times its width (or passes what
   * uPlot can label), u* would be a flat line, so the chart shows u*'s
   * range with a margin of its width on each side and holds u there.
   */
  function uWindow(curves) {
    const exact = curves[0].r.samples.u_star.filter(Number.isFinite);
    const all = curves.flatMap(({ r }) => r.samples.u.filter(Number.isFinite));
    if (exact.length === 0) return [-PLOTTABLE, PLOTTABLE];
    const lo = Math.min(...exact);
    const hi = Math.max(...exact);
    const width = Math.max(hi - lo, Math.abs(lo), Math.abs(hi), 1e-12);
    const far = all.some((v) => v < lo - 10 * width || v > hi + 10 * width);
    if (!far) return [-PLOTTABLE, PLOTTABLE];
    return [lo - width, hi + width];
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
    const [lo, hi] = error ? [1 / PLOTTABLE, PLOTTABLE] : uWindow(curves);
    const notes = [];
    if (!error) {
      series.push({ label: 'u*', stroke: EXACT, width: 1.5, dash: [6, 4] });
      data.push(curves[0].r.samples.u_star.map(finite));
    }
    for (const { r, i } of curves) {
      const s = r.samples;
      const label = name(i, error ? '|u − u*|' : 'u');
      const raw = error
        ? s.u.map((u, k) => positive(Math.abs(u - s.u_star[k])))
        : s.u.map(finite);
      const { held, beyond } = hold(raw, lo, hi);
      const note = heldNote(label, beyond, lo, hi);
      if (note) notes.push(note);
      const gaps = gapNote(name(i, 'u'), s.u);
      if (gaps) notes.push(gaps);
      series.push({
        label,
        stroke: COLORS[i],
        width: 2,
        spanGaps: error,
        value: realValue(raw),
      });
      data.push(held);
    }
    // Exact boundary values make |u − u*| reach 1e-17; six decades below
    // the largest error are enough to read it.
    const errorScale = {
      distr: 3,
      range: (_u, min, max) =>
        uPlot.rangeLog(Math.max(min, max * 1e-6), max, 10, true),
    };
    // Held, u is drawn within [lo, hi]: the axis shows just that.
    const uScale = lo === -PLOTTABLE ? {} : { range: () => [lo, hi] };
    draw(
      el,
      {
        scales: { x: { time: false }, y: error ? errorScale : uScale },
        axes: [
          { label: 'x' },
          {
            label: error ? '|u − u*|' : 'u',
            size: 70,
            values: error ? decades : ticks,
            ...(error && notes.length > 0 ? FEW_DECADES : {}),
          },
        ],
        series,
      },
      data,
    );
    for (const note of notes) addNote(el, note);
  }

  const loss = document.getElementById('chart-loss');
  const u = document.getElementById('chart-u');
  const err = document.getElementById('chart-err');
  if (loss) lossChart(loss);
  if (u) samplesChart(u, false);
  if (err) samplesChart(err, true);
})();
