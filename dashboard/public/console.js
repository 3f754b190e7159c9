// The SQL console: Ctrl+Enter (or Cmd+Enter) runs the query.
(() => {
  const box = document.getElementById('sql');
  const form = document.getElementById('query-form');
  if (!box || !form) return;
  box.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
})();
