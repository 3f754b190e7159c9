// The SQL console: Ctrl+Enter (or Cmd+Enter) runs the query. A statement
// too long for a URL (Node.js takes at most 16 kB of request headers) is
// posted; shorter ones stay in the address, to be shared and bookmarked.
(() => {
  const MAX_URL_SQL = 8000;
  const box = document.getElementById('sql');
  const form = document.getElementById('query-form');
  if (!box || !form) return;
  box.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  form.addEventListener('submit', () => {
    const long = encodeURIComponent(box.value).length > MAX_URL_SQL;
    form.method = long ? 'post' : 'get';
  });
})();
