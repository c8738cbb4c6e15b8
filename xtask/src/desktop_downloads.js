// The desktop app's exports. A link with `download` to the console's `/api/…` saves a file in a browser;
// in the app it would load from `tauri://localhost`, which answers with the page. So a click on such a
// link is sent to the Rust side instead (`POST /api/desktop/downloads`, src-tauri/src/downloads.rs),
// which asks the console's service for the export, lets the person choose where to save it in the
// desktop's own save dialog, and writes it. What happened is said in a status line at the foot of the
// window. Only the desktop's boot.js carries this (xtask/src/ui.rs).

// The export a click is on, or null: a link with `download` to a path under /api/.
function exportLinkOf(target) {
  const link = target instanceof Element ? target.closest('a[download]') : null;
  const href = link && link.getAttribute('href');
  if (!href || !href.startsWith('/api/') || link.getAttribute('aria-disabled') === 'true') return null;
  return { path: href, name: link.getAttribute('download') || '' };
}

// What the status line says once the Rust side has answered.
function downloadOutcome(answer) {
  if (answer.saved) return `Saved ${answer.saved}.`;
  return 'Export cancelled: nothing was saved.';
}

// How long a status line stays once the save is over (it can be closed sooner).
const DOWNLOAD_STATUS_MS = 8000;

// The window's status line for downloads: made when first needed, with a button to close it.
function downloadStatus() {
  let line = document.querySelector('[data-testid=desktop-download-status]');
  if (!line) {
    const text = el('span', { testid: 'desktop-download-text' });
    const close = el('button', { type: 'button', class: 'btn btn-small btn-ghost', 'aria-label': 'Close', text: '×' });
    line = el('p', { class: 'card', role: 'status', testid: 'desktop-download-status' }, [text, ' ', close]);
    close.addEventListener('click', () => line.remove());
    // Set through the CSSOM, which the app's CSP allows (no inline style attribute), and carried by the
    // desktop alone: the web's stylesheets have no rule for it.
    Object.assign(line.style, { position: 'fixed', bottom: '0.75rem', right: '0.75rem', margin: '0', padding: '0.5rem 0.75rem', maxWidth: '40rem', zIndex: '50' });
    document.body.append(line);
  }
  return line;
}

// Says `text` in the status line; `done`: the save is over, so the line goes after a while.
function sayDownload(text, done) {
  const line = downloadStatus();
  line.querySelector('[data-testid=desktop-download-text]').textContent = text;
  clearTimeout(line.closing);
  if (done) line.closing = setTimeout(() => line.remove(), DOWNLOAD_STATUS_MS);
}

function saveExportsNatively() {
  let saving = false;
  document.addEventListener('click', async (event) => {
    const link = exportLinkOf(event.target);
    if (!link || event.defaultPrevented) return;
    event.preventDefault();
    // One save at a time: a second click would open a second dialog over the first.
    if (saving) return;
    saving = true;
    sayDownload('Preparing the export…', false);
    try {
      sayDownload(downloadOutcome(await desktopApi('POST', 'downloads', link)), true);
    } catch (problem) {
      sayDownload(`Not saved: ${problemText(problem)}`, true);
    } finally {
      saving = false;
    }
  });
}
