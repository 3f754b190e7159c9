// The runs list: tick two runs to compare them side by side.
(() => {
  const form = document.getElementById('compare-form');
  const button = document.getElementById('compare-button');
  if (!form || !button) return;
  const picked = () =>
    [...form.querySelectorAll('input.pick:checked')].map((box) => box.value);
  form.addEventListener('change', () => {
    button.disabled = picked().length !== 2;
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const [a, b] = picked();
    if (!a || !b) return;
    const query = new URLSearchParams({ a, b });
    window.location.assign(`/compare?${query}`);
  });
})();
