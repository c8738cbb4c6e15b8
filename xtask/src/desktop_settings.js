// The desktop app's settings screen, `/settings`: the environments the app can work in, as profiles
// (src-tauri/src/profile.rs) that the Rust side keeps in the app's config folder and answers under
// `/api/desktop/` through the same `api` command as the console's own calls (src-tauri/src/settings_api.rs).
// Secrets are imported from a file the person chooses in the app's own file chooser, opened and read by the
// Rust side, which also asks them to confirm where the secret will be sent: the page never holds a key,
// and cannot name a file either.
// Plain DOM calls, like the sign-in screen: it must work with nobody signed in and no bundle loaded.
// Only the desktop's boot.js carries this (xtask/src/ui.rs); the web console has no such routes.

// Every field of a profile, in the form's order, under its JSON name (`roles.x`: inside `roles`).
// `url`: checked as a URL; `optional`: may stay empty; `list`: comma-separated values.
const PROFILE_FIELDS = [
  { key: 'name', label: 'Name', hint: 'Letters, digits, - or _. It cannot be changed later.' },
  { key: 'environment', label: 'Environment', choices: [['staging', 'Staging'], ['production', 'Production']] },
  { key: 'd1Banking', label: 'D1 banking URL', url: true },
  { key: 'd1Authz', label: 'D1 authorization URL', url: true },
  { key: 'issuerId', label: 'D1 issuer id (issuerId)', hint: 'Exactly 10 characters.' },
  { key: 'kid', label: 'D1 key id (kid)' },
  { key: 'authBase', label: 'Sign-in server URL', url: true },
  { key: 'authAudience', label: 'Sign-in audience' },
  { key: 'clientId', label: 'OAuth client id of this app' },
  { key: 'consentsBase', label: 'Consents URL', url: true },
  { key: 'directoryBase', label: 'Directory URL', url: true },
  { key: 'directoryTokenUrl', label: 'Directory token URL', url: true, optional: true, hint: "Empty: the sign-in server's." },
  { key: 'directoryClientId', label: 'Directory client id' },
  { key: 'masBase', label: 'MasCustomers URL', url: true },
  { key: 'masTokenUrl', label: 'MasStack token URL', url: true },
  { key: 'masClientId', label: 'MasStack client id' },
  { key: 'masOrg', label: 'MasStack organisation' },
  { key: 'roles.claim', label: 'Roles claim of the ID token', hint: 'For example roles, or realm_access.roles.' },
  { key: 'roles.admin', label: 'Claim values that make an admin', list: true, optional: true, hint: 'Comma-separated.' },
  { key: 'roles.agent', label: 'Claim values that make an agent', list: true, optional: true, hint: 'Comma-separated.' },
  { key: 'roles.customer', label: 'Claim values that make a customer', list: true, optional: true, hint: 'Comma-separated.' },
];

// What a profile keeps in the keychain (`SecretKind` on the Rust side), each imported from a file: its
// secrets, and its TLS files (src-tauri/src/upstream_tls.rs). Which ones a profile needs the Rust side says.
const SECRETS = [
  { kind: 'd1Key', label: 'D1 signing key (PEM)' },
  { kind: 'consentsApiKey', label: 'Consents API key' },
  { kind: 'directoryClientSecret', label: 'Directory client secret' },
  { kind: 'masClientSecret', label: 'MasStack client secret' },
  { kind: 'd1ClientCertificate', label: 'D1 client certificate and its key (PEM)' },
  { kind: 'caBundle', label: 'Private CA bundle (PEM)' },
];

const ENVIRONMENT_LABELS = { sandbox: 'Sandbox', staging: 'Staging', production: 'Production' };

// ---------- Rules and shapes (no DOM: node runs these in xtask's tests) ----------

// The form's values (key -> text) of a saved profile, for editing it.
function valuesFromProfile(profile) {
  const values = {};
  for (const field of PROFILE_FIELDS) {
    const [outer, inner] = field.key.split('.');
    const value = inner === undefined ? profile[outer] : (profile[outer] || {})[inner];
    values[field.key] = Array.isArray(value) ? value.join(', ') : value == null ? '' : String(value);
  }
  return values;
}

// The profile the Rust side reads (`Profile`, camelCase, every field present but the optional ones).
function profileFromValues(values) {
  const profile = { roles: {} };
  for (const field of PROFILE_FIELDS) {
    const text = (values[field.key] || '').trim();
    const value = field.list ? text.split(',').map((v) => v.trim()).filter((v) => v !== '') : text;
    if (field.optional && !field.list && text === '') continue;
    const [outer, inner] = field.key.split('.');
    if (inner === undefined) profile[outer] = value;
    else profile[outer][inner] = value;
  }
  return profile;
}

// What is wrong with the form's values, one `{ field, message }` per field, in the form's order: the cheap
// checks of `Profile::check`, so a mistake is said before any request (the Rust side checks again).
function checkProfile(values) {
  const problems = [];
  // Staging and production reach the bank over the network: https only (the sandbox is never added here).
  const strict = values.environment === 'staging' || values.environment === 'production';
  for (const field of PROFILE_FIELDS) {
    const text = (values[field.key] || '').trim();
    const problem = (message) => problems.push({ field: field.key, message });
    if (text === '') {
      if (!field.optional) problem(`Enter the ${field.label.toLowerCase()}.`);
    } else if (field.key === 'name' && !/^[A-Za-z0-9_-]{1,40}$/.test(text)) {
      problem('The name is 1 to 40 letters, digits, - or _.');
    } else if (field.key === 'name' && text === 'sandbox') {
      problem('sandbox is the built-in profile: choose another name.');
    } else if (field.key === 'issuerId' && !/^[\x21-\x7e]{10}$/.test(text.replace(/[/?#%]/g, ' '))) {
      problem("The issuer id is exactly 10 visible characters, other than '/', '?', '#' and '%'.");
    } else if (field.key === 'kid' && !/^[\x21-\x7e]{1,128}$/.test(text)) {
      problem('The key id is 1 to 128 visible characters, without spaces, as registered with D1.');
    } else if (field.key === 'masOrg' && !/^[A-Za-z0-9_-]{1,64}$/.test(text)) {
      problem('The MasStack organisation is 1 to 64 letters, digits, _ or - (it stands in every MasCustomers path).');
    } else if (field.url) {
      const fault = urlFault(text, strict);
      if (fault) problem(`The ${field.label} ${fault}`);
    }
  }
  return problems;
}

// Why `text` is not a URL this environment may use, or null.
function urlFault(text, strict) {
  let url;
  try {
    url = new URL(text);
  } catch {
    return 'is not a full URL: write it as https://host/path.';
  }
  if (strict && url.protocol !== 'https:') return 'must start with https:// in staging and production.';
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must start with https://.';
  if (url.username !== '' || url.password !== '') return 'must not hold a user name or password.';
  return null;
}

// Which form field a problem from the Rust side belongs beside, or null for the form as a whole (its
// `field` may be one the form has no control for: `urls`, `profile`).
function problemPlace(problem) {
  const field = problem && problem.field;
  return PROFILE_FIELDS.some((f) => f.key === field) ? field : null;
}

// The message of anything thrown: an ApiProblem (from the `api` command or the answer's body) or an error.
function problemText(problem) {
  return (problem && problem.message) || String(problem);
}

// ---------- The Rust side ----------

// One call to the app's own settings routes; answers the JSON body, or throws the ApiProblem.
async function desktopApi(method, path, body) {
  const call = { method, path: `/api/desktop/${path}`, headers: [['content-type', 'application/json']] };
  if (body !== undefined) call.body = JSON.stringify(body);
  const answer = await window.__TAURI_INTERNALS__.invoke('api', { call });
  const parsed = answer.body ? JSON.parse(answer.body) : {};
  if (answer.status >= 400) throw parsed;
  return parsed;
}

const profilePath = (name) => `profiles/${encodeURIComponent(name)}`;

// ---------- The screen ----------

// A new element. `props`: attributes (`class`, `for`, `aria-*`, ...; `true` sets an empty one, `false` or
// null none), `testid`, `text`, and `on<event>` listeners. `children`: elements or strings.
function el(tag, props = {}, children = []) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'text') node.textContent = value;
    else if (name === 'testid') node.dataset.testid = value;
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : value);
  }
  node.append(...children);
  return node;
}

// Where the sign-in screen returns to after signing in, if it names a page of the console.
function returnToAsked() {
  const asked = new URLSearchParams(location.search).get('return_to') || '/';
  const local = asked.startsWith('/') && !asked.startsWith('//') && !asked.startsWith('/auth/') && !asked.includes('\\');
  return local && asked !== '/settings' ? asked : '/';
}

function signInPath(returnTo) {
  return returnTo === '/' ? '/auth/login' : `/auth/login?return_to=${encodeURIComponent(returnTo)}`;
}

// The console's bar over the screens shown before anyone signs in (this one and the sign-in screen): the
// product's name, and nothing to go to yet.
function signedOutBar() {
  const brand = el('span', { class: 'brand' }, [el('img', { src: '/favicon.svg', alt: '', width: '24', height: '24' }), el('span', { class: 'brand-name', text: 'Consent & Operations Console' })]);
  return el('header', { class: 'topbar' }, [el('div', { class: 'topbar-inner' }, [brand])]);
}

async function desktopSettings() {
  await stylesheet(bundles.accounts.css);
  const screen = {
    status: el('p', { role: 'status', testid: 'settings-status', tabindex: '-1' }),
    list: el('ul', { class: 'account-list', testid: 'settings-profiles', 'aria-labelledby': 'settings-title' }),
    editor: el('div'),
    keychain: el('p', { class: 'muted', testid: 'settings-keychain', hidden: true }),
  };
  const add = el('button', { type: 'button', class: 'btn btn-primary', testid: 'settings-add', text: 'Add a profile' });
  add.addEventListener('click', () => openEditor(screen, null));
  const back = el('a', { class: 'btn', href: signInPath(returnToAsked()), testid: 'settings-back', text: 'Back to sign in' });
  document.body.replaceChildren(
    signedOutBar(),
    el('section', { class: 'card empty', testid: 'desktop-settings' }, [
      el('h1', { id: 'settings-title', tabindex: '-1', text: 'Environments' }),
      el('p', {
        class: 'lead',
        text: 'Each profile says where the bank\u2019s systems are and who this app is there. Making another one active signs you out and forgets what was loaded.',
      }),
      screen.keychain,
      screen.status,
      screen.list,
      el('div', { class: 'form-actions' }, [add, back]),
      screen.editor,
    ]),
  );
  await refresh(screen);
  document.getElementById('settings-title').focus();
}

// Lists the profiles again from the Rust side (after every change: it is the one that knows).
async function refresh(screen) {
  let answer;
  try {
    answer = await desktopApi('GET', 'profiles');
  } catch (problem) {
    screen.status.textContent = `The profiles could not be read: ${problemText(problem)}`;
    return;
  }
  screen.active = answer.active;
  screen.keychain.hidden = answer.keychain.persistent;
  screen.keychain.textContent = answer.keychain.message || '';
  screen.list.replaceChildren(...answer.profiles.map((entry) => profileRow(screen, entry, entry.profile.name === answer.active)));
}

function say(screen, text) {
  screen.status.textContent = text;
}

// One profile: what it is, which secrets it has, and what can be done with it.
function profileRow(screen, entry, active) {
  const { profile, builtIn } = entry;
  const name = profile.name;
  const head = el('div', {}, [
    el('strong', { text: name }),
    ' ',
    el('span', { class: 'badge badge-other', text: ENVIRONMENT_LABELS[profile.environment] || profile.environment }),
    ' ',
    active ? el('span', { class: 'badge badge-ok', testid: `settings-active-${name}`, text: 'Active' }) : '',
  ]);
  const row = el('li', { class: 'account-row', testid: `settings-profile-${name}` }, [head]);
  row.append(el('span', { class: 'muted', text: `Signs in at ${profile.authBase}${builtIn ? ' \u00b7 built in, read-only' : ''}` }));
  row.append(secretsLine(name, entry.secrets, builtIn));
  const actions = el('div', { class: 'form-actions' });
  if (!active) actions.append(button('Make active', `settings-activate-${name}`, () => activate(screen, name), 'btn-primary'));
  if (!builtIn) {
    actions.append(button('Edit', `settings-edit-${name}`, () => openEditor(screen, entry)));
    // The profile in use cannot be removed (the Rust side refuses too): switch first.
    if (!active) actions.append(button('Remove\u2026', `settings-remove-${name}`, () => confirmRemove(screen, name, actions)));
  }
  if (actions.childElementCount > 0) row.append(el('div', { class: 'muted' }, [actions]));
  if (!builtIn) row.append(importForm(screen, name));
  return row;
}

function button(text, testid, onclick, kind = '') {
  return el('button', { type: 'button', class: `btn btn-small ${kind}`.trim(), testid, text, onclick });
}

// Each secret, present, missing, or not needed by this profile (`[kind, present, needed]` from the Rust
// side): `data-present` for tests, the words and colour for people. The built-in sandbox's come with the
// app: what it does not use is not listed, as nothing can be imported for it.
function secretsLine(name, secrets, builtIn) {
  const states = new Map(secrets.map(([kind, has, needed]) => [kind, { has, needed }]));
  const shown = SECRETS.filter(({ kind }) => !builtIn || (states.get(kind) || {}).has);
  const items = shown.map(({ kind, label }) => {
    const { has, needed } = states.get(kind) || { has: false, needed: true };
    const [badge, words] = has ? ['badge-ok', 'present'] : needed ? ['badge-failed', 'missing'] : ['badge-other', 'optional'];
    return el('span', { testid: `settings-secret-${name}-${kind}`, 'data-present': String(has) }, [
      `${label}: `,
      el('span', { class: `badge ${badge}`, text: words }),
      ' ',
    ]);
  });
  return el('span', { class: 'muted' }, ['Secrets and certificates: ', ...items]);
}

// Makes `name` the environment the app works in (signed out by the Rust side), then back to the sign-in
// screen, which names it. The page asked for before belongs to the old environment: not returned to, and
// neither are the half-filled forms kept for a sign-in (src-ui/src/drafts.rs: all that sessionStorage
// holds), which would open again in the new environment, perhaps for another person.
async function activate(screen, name) {
  say(screen, `Switching to ${name}\u2026`);
  try {
    await desktopApi('POST', `${profilePath(name)}/activate`);
    sessionStorage.clear();
    location.assign('/auth/login');
  } catch (problem) {
    say(screen, `${name} could not be made active: ${problemText(problem)}`);
  }
}

// Removal is asked twice: the profile's secrets leave the keychain with it.
function confirmRemove(screen, name, actions) {
  const kept = [...actions.childNodes];
  const cancel = button('Cancel', `settings-remove-cancel-${name}`, () => {
    actions.replaceChildren(...kept);
    actions.querySelector(`[data-testid="settings-remove-${name}"]`).focus();
  });
  const remove = button(`Remove ${name}`, `settings-remove-confirm-${name}`, async () => {
    try {
      await desktopApi('DELETE', profilePath(name));
      say(screen, `Removed ${name} and its secrets.`);
      await refresh(screen);
    } catch (problem) {
      say(screen, `${name} could not be removed: ${problemText(problem)}`);
    }
  }, 'btn-danger');
  actions.replaceChildren(el('span', { text: `Remove ${name}, its settings and its secrets in the keychain?` }), remove, cancel);
  actions.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && cancel.isConnected) cancel.click();
  });
  // Cancel first: Enter right after asking must not remove anything.
  cancel.focus();
}

// A secret imported from a file: the Rust side opens the file chooser, reads and checks the file, and asks
// the person to confirm where the secret goes. The page only says which secret.
function importForm(screen, name) {
  const ids = { kind: `import-kind-${name}`, error: `import-error-${name}` };
  const kind = el('select', { id: ids.kind, testid: ids.kind, 'aria-describedby': ids.error }, SECRETS.map((s) => el('option', { value: s.kind, text: s.label })));
  const error = el('p', { class: 'field-error', id: ids.error, testid: ids.error, role: 'alert' });
  const submit = el('button', { type: 'submit', class: 'btn', testid: `import-submit-${name}`, text: 'Choose the file…' });
  const form = el('form', { class: 'field-row', testid: `import-${name}`, novalidate: true, 'aria-label': `Import a secret of ${name}` }, [
    el('div', { class: 'field' }, [el('label', { for: ids.kind, text: 'Secret' }), kind]),
    el('div', { class: 'field' }, [submit]),
    error,
  ]);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const secret = SECRETS.find((s) => s.kind === kind.value);
    error.textContent = '';
    submit.disabled = true;
    try {
      const answer = await desktopApi('POST', `${profilePath(name)}/secrets/${kind.value}/import`);
      if (answer.imported) {
        const lasting = answer.persistent ? '' : ' for this run only: there is no keychain to keep it in';
        const from = answer.nextSignIn ? ' It is used from your next sign-in.' : '';
        // Said once the list shows the import, so that what the status says is on screen.
        await refresh(screen);
        say(screen, `Imported the ${secret.label} of ${name}${lasting}.${from}`);
        screen.status.focus();
      } else {
        say(screen, `Nothing was imported: no file was chosen, or the import was cancelled.`);
      }
    } catch (problem) {
      error.textContent = problemText(problem);
      kind.focus();
    } finally {
      submit.disabled = false;
    }
  });
  return el('div', { class: 'muted' }, [form]);
}

// The form to add a profile (`entry` null) or edit one; saved through the Rust side, which checks again.
function openEditor(screen, entry) {
  const editing = entry !== null;
  const values = editing ? valuesFromProfile(entry.profile) : { environment: 'staging' };
  const title = editing ? `Edit ${entry.profile.name}` : 'Add a profile';
  const formError = el('p', { class: 'field-error', id: 'profile-form-error', testid: 'profile-form-error', role: 'alert', tabindex: '-1' });
  const grid = el('div', { class: 'field-grid' }, PROFILE_FIELDS.map((field) => fieldControl(field, values[field.key] || '', editing)));
  const save = el('button', { type: 'submit', class: 'btn btn-primary', testid: 'profile-save', text: 'Save profile' });
  const cancel = el('button', { type: 'button', class: 'btn', testid: 'profile-cancel', text: 'Cancel' });
  const form = el('form', { testid: 'profile-form', novalidate: true, 'aria-labelledby': 'profile-form-title' }, [
    el('h2', { id: 'profile-form-title', text: title }),
    formError,
    grid,
    el('div', { class: 'form-actions' }, [save, cancel]),
  ]);
  const close = () => {
    screen.editor.replaceChildren();
    document.querySelector('[data-testid="settings-add"]').focus();
  };
  cancel.addEventListener('click', close);
  form.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') close();
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const read = readForm(form);
    const problems = checkProfile(read);
    showProblems(form, problems, null);
    if (problems.length > 0) return;
    const profile = profileFromValues(read);
    save.disabled = true;
    try {
      await desktopApi('PUT', profilePath(profile.name), profile);
      // Saving the profile in use signs out and works with the new settings: as a switch of environment
      // (`activate`), the half-filled forms kept for a sign-in go.
      if (profile.name === screen.active) sessionStorage.clear();
      screen.editor.replaceChildren();
      await refresh(screen);
      say(screen, `Saved ${profile.name}.${editing ? '' : ' Import its secrets below.'}`);
      screen.status.focus();
    } catch (problem) {
      const place = problemPlace(problem);
      showProblems(form, place ? [{ field: place, message: problemText(problem) }] : [], place ? null : problemText(problem));
    } finally {
      save.disabled = false;
    }
  });
  screen.editor.replaceChildren(form);
  form.querySelector(editing ? '#profile-environment' : '#profile-name').focus();
}

const controlId = (key) => `profile-${key.replace('.', '-')}`;

// One labelled control with its hint and its error line, both tied to it for screen readers.
function fieldControl(field, value, editing) {
  const id = controlId(field.key);
  const described = [field.hint ? `${id}-hint` : '', `${id}-error`].filter(Boolean).join(' ');
  const common = { id, name: field.key, testid: id, 'aria-describedby': described };
  let control;
  if (field.choices) {
    // A profile written by hand may name another environment (a second sandbox): kept, not silently changed.
    const known = value === '' || field.choices.some(([v]) => v === value);
    const choices = known ? field.choices : [...field.choices, [value, ENVIRONMENT_LABELS[value] || value]];
    control = el('select', common, choices.map(([v, label]) => el('option', { value: v, text: label, selected: v === value })));
  } else {
    // A profile is never renamed (its name keys its secrets): shown, not editable.
    const fixed = editing && field.key === 'name';
    control = el('input', { ...common, type: field.url ? 'url' : 'text', value, readonly: fixed, 'aria-required': String(!field.optional), autocomplete: 'off', spellcheck: 'false' });
  }
  return el('div', { class: 'field' }, [
    el('label', { for: id, text: field.label + (field.optional ? ' (optional)' : '') }),
    control,
    field.hint ? el('span', { class: 'muted', id: `${id}-hint`, text: field.hint }) : '',
    el('p', { class: 'field-error', id: `${id}-error`, testid: `${id}-error` }),
  ]);
}

function readForm(form) {
  const values = {};
  for (const field of PROFILE_FIELDS) values[field.key] = form.elements.namedItem(field.key).value;
  return values;
}

// Each problem beside its field (the rest cleared), or `general` above the form; focus on the first.
function showProblems(form, problems, general) {
  const byField = new Map(problems.map((p) => [p.field, p.message]));
  for (const field of PROFILE_FIELDS) {
    const id = controlId(field.key);
    const message = byField.get(field.key) || '';
    document.getElementById(`${id}-error`).textContent = message;
    document.getElementById(id).setAttribute('aria-invalid', String(message !== ''));
  }
  const summary = form.querySelector('#profile-form-error');
  summary.textContent = general || (problems.length > 0 ? `Check the ${problems.length === 1 ? 'field' : `${problems.length} fields`} marked below.` : '');
  if (problems.length > 0) document.getElementById(controlId(problems[0].field)).focus();
  else if (general) summary.focus();
}
