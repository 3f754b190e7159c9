// Shared by the dashboard's pages: number formats that match the server's,
// reading NaN/Infinity from the API's JSON, and forms that apply on change.
(() => {
  /** The API writes NaN and ±Infinity as strings; turn them into numbers. */
  function revive(_key, value) {
    if (value === 'NaN') return Number.NaN;
    if (value === 'Infinity') return Number.POSITIVE_INFINITY;
    if (value === '-Infinity') return Number.NEGATIVE_INFINITY;
    return value;
  }

  function count(value) {
    return value.toLocaleString('en-US');
  }

  /** A count with its noun: `1 worker`, `3 workers`. */
  function countOf(value, noun) {
    return `${count(value)} ${value === 1 ? noun : `${noun}s`}`;
  }

  function percent(rate) {
    if (rate === null || rate === undefined) return '—';
    const pct = rate * 100;
    if (pct > 0 && pct < 1) return '<1%';
    if (pct < 100 && pct > 99) return '>99%';
    return `${Math.round(pct)}%`;
  }

  function time(ms) {
    if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
    const iso = new Date(ms).toISOString();
    return `${iso.slice(0, 19).replace('T', ' ')} UTC`;
  }

  function duration(ms) {
    if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
    if (ms < 1000) return `${Math.round(ms)} ms`;
    const s = Math.round(ms / 1000);
    if (s < 60) return `${s} s`;
    const min = Math.floor(s / 60);
    if (min < 60) return `${min} min ${s % 60} s`;
    const h = Math.floor(min / 60);
    if (h < 48) return `${h} h ${min % 60} min`;
    return `${Math.floor(h / 24)} d ${h % 24} h`;
  }

  function throughput(perMin) {
    if (perMin === null || perMin === undefined) return '—';
    return perMin >= 10
      ? `${count(Math.round(perMin))} runs/min`
      : `${perMin.toFixed(1)} runs/min`;
  }

  /** The queue badge's text and class for a queue status. */
  function queueText(queue) {
    if (queue.mode === 'local') {
      return ['Local mode (no Redis)', 'queue queue-local'];
    }
    if (queue.reachable) {
      const c = queue.counts;
      return [
        `Redis: ${count(c.waiting)} waiting · ${count(c.active)} active · ` +
          countOf(c.workers, 'worker'),
        'queue queue-ok',
      ];
    }
    if (queue.connecting) {
      return [`Redis: connecting to ${queue.url}…`, 'queue queue-local'];
    }
    const since =
      queue.since === null ? '' : ` for ${duration(Date.now() - queue.since)}`;
    return [
      `Redis unreachable${since} — showing the store only`,
      'queue queue-down',
    ];
  }

  function showQueue(queue) {
    const badge = document.getElementById('queue-status');
    if (!badge) return;
    const [text, cls] = queueText(queue);
    badge.textContent = text;
    badge.className = cls;
    badge.title = queue.error || '';
  }

  /**
   * Listens to the live stream; calls onUpdate with each update. Shows the
   * connection state in #live-status when `say` is true.
   */
  function listen(onUpdate, say) {
    const status = document.getElementById('live-status');
    const tell = (text) => {
      if (status && say) status.textContent = text;
    };
    const source = new EventSource('/api/events');
    source.addEventListener('update', (event) => {
      const update = JSON.parse(event.data, revive);
      showQueue(update.queue);
      onUpdate(update);
      tell(`Live: updated ${time(update.at)}`);
    });
    source.addEventListener('error', () => {
      tell('Live updates interrupted; reconnecting…');
    });
    return source;
  }

  // Selects, checkboxes and radios marked .auto-submit apply at once.
  document.addEventListener('change', (event) => {
    const target = event.target;
    if (!(target instanceof HTMLElement)) return;
    if (!target.classList.contains('auto-submit')) return;
    const form = target.closest('form');
    if (form) form.requestSubmit();
  });

  window.pinnSweep = {
    revive,
    count,
    percent,
    time,
    duration,
    throughput,
    listen,
  };
})();
