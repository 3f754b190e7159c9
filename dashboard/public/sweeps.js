// The Sweeps page, live: counts, progress, throughput and ETA follow the
// server's update events; a new sweep reloads the page.
(() => {
  const p = window.pinnSweep;

  function set(row, field, text) {
    const el = row.querySelector(`[data-field="${field}"]`);
    if (el && el.textContent !== text) el.textContent = text;
  }

  function showSweep(row, s) {
    const state = row.querySelector('[data-field="state"]');
    if (state) {
      state.textContent = s.state;
      state.className = `state state-${s.state}`;
    }
    const bar = row.querySelector('[data-field="bar"]');
    if (bar) {
      bar.max = s.total;
      bar.value = s.finals;
    }
    set(
      row,
      'progress',
      `${p.count(s.finals)} / ${p.count(s.total)} (${p.percent(s.progress)})`,
    );
    for (const chip of row.querySelectorAll('[data-count]')) {
      const n = s.counts[chip.dataset.count] ?? 0;
      chip.querySelector('.chip-value').textContent = p.count(n);
      chip.classList.toggle('zero', n === 0);
    }
    set(row, 'failed', p.count(s.failed));
    set(row, 'throughput', p.throughput(s.throughputPerMin));
    set(row, 'eta', p.duration(s.etaMs));
    set(row, 'started', p.time(s.startedAt));
    set(row, 'finished', p.time(s.finishedAt));
  }

  p.listen((update) => {
    const rows = new Map();
    for (const row of document.querySelectorAll('tr[data-sweep]')) {
      rows.set(row.dataset.sweep, row);
    }
    if (update.sweeps.some((s) => !rows.has(s.name))) {
      window.location.reload();
      return;
    }
    for (const s of update.sweeps) showSweep(rows.get(s.name), s);
  }, true);
})();
