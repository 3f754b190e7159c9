// The failure map: says when new results have arrived since the page was
// drawn, without redrawing under the reader's eyes.
(() => {
  const p = window.pinnSweep;
  const status = document.getElementById('live-status');
  if (!status) return;
  const name = status.dataset.sweep;
  const shown = Number(status.dataset.finals);
  let link;
  p.listen((update) => {
    const sweep = update.sweeps.find((s) => s.name === name);
    if (!sweep || sweep.finals === shown) return;
    const more = sweep.finals - shown;
    if (!link) {
      status.classList.add('banner');
      status.textContent = '';
      link = document.createElement('a');
      link.href = window.location.href;
      status.append(link);
    }
    link.textContent =
      `${p.count(more)} new results since this map was drawn ` +
      `(${p.count(sweep.finals)} of ${p.count(sweep.total)}): reload`;
  }, false);
})();
