//! Half-filled forms kept in `sessionStorage`, so that a session expiring mid-form (401, off to sign in and
//! back) loses nothing. Only what the person typed is kept there, never a token; per tab, gone with it.
//!
//! A draft is the form's fields joined by U+001F (the unit separator, which a text input cannot hold):
//! smaller in the wasm than a serde type per form.

const SEP: char = '\u{1f}';

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok()?
}

/// `console.draft:{page path}:{form}`.
fn key(path: &str, form: &str) -> String {
    format!("console.draft:{path}:{form}")
}

/// Saves the fields of `form` on the page at `path` (called on every input and change).
pub fn save(path: &str, form: &str, fields: &[&str]) {
    if let Some(s) = storage() {
        // A full or disabled storage only loses the draft, never the form. (A loop: `join` costs 0.4 KB brotli.)
        let mut text = String::new();
        for (i, f) in fields.iter().enumerate() {
            if i > 0 {
                text.push(SEP);
            }
            text.push_str(f);
        }
        let _ = s.set_item(&key(path, form), &text);
    }
}

/// The saved fields of `form`, if there is a draft with exactly `n` of them.
pub fn load(path: &str, form: &str, n: usize) -> Option<Vec<String>> {
    let text = storage()?.get_item(&key(path, form)).ok()??;
    let fields: Vec<String> = text.split(SEP).map(str::to_string).collect();
    (fields.len() == n).then_some(fields)
}

/// Forgets a draft: the form succeeded or was cancelled.
pub fn clear(path: &str, form: &str) {
    if let Some(s) = storage() {
        let _ = s.remove_item(&key(path, form));
    }
}

/// The key naming whose drafts these are.
const OWNER: &str = "console.drafts-owner";

/// Keeps the drafts only if `user` typed them: a session that ended with a form half typed, and someone
/// else signs in at this tab, finds none of it.
pub fn keep_for(user: &str) {
    if let Some(s) = storage() {
        if s.get_item(OWNER).ok().flatten().as_deref() != Some(user) {
            let _ = s.clear();
            let _ = s.set_item(OWNER, user);
        }
    }
}

/// Forgets every draft (signing out: the next person at this tab must not find them). The console keeps
/// nothing else in `sessionStorage`, so it is cleared whole.
pub fn clear_all() {
    if let Some(s) = storage() {
        let _ = s.clear();
    }
}
