//! The native dialogs the Rust side opens itself: choosing a secret file to import, confirming where it will
//! be sent, choosing where an export is saved. The page can ask for one (through the `api` command's
//! settings and download routes) but cannot answer it, name a path, or open any dialog of its own: the
//! capabilities give it no dialog permission, and the app carries no dialog plugin whose commands or
//! `window.confirm` override a page could reach. `rfd` draws them, on the main thread as GTK wants (the same
//! arrangement as tauri-plugin-dialog's).
//!
//! Tests cannot click a GTK dialog, so a debug build reads [`SCRIPT_ENV`]: a folder whose files answer
//! the dialogs instead ([`ScriptedDialogs`]). A release build ignores it.

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;

use tauri::{AppHandle, Manager, Runtime};

/// Debug builds only: the folder that answers the dialogs (see [`ScriptedDialogs`]).
pub const SCRIPT_ENV: &str = "CONSOLE_E2E_DIALOGS";

pub type DialogFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The dialogs the app opens; `None`/`false`: the person cancelled.
pub trait Dialogs: Send + Sync {
    fn pick_file(&self, title: &str) -> DialogFuture<'_, Option<PathBuf>>;
    fn save_file(&self, title: &str, suggested_name: &str) -> DialogFuture<'_, Option<PathBuf>>;
    /// Asks `question` with `accept` and Cancel buttons.
    fn confirm(&self, title: &str, question: &str, accept: &str) -> DialogFuture<'_, bool>;
}

/// The dialogs for this run: the script in a debug build that names one, else the desktop's own.
pub fn for_app<R: Runtime>(app: &AppHandle<R>) -> Box<dyn Dialogs> {
    #[cfg(debug_assertions)]
    if let Some(dir) = std::env::var_os(SCRIPT_ENV) {
        return Box::new(ScriptedDialogs { dir: PathBuf::from(dir) });
    }
    Box::new(NativeDialogs(app.clone()))
}

/// The desktop's file choosers and message boxes, over the app's main window.
pub struct NativeDialogs<R: Runtime>(pub AppHandle<R>);

impl<R: Runtime> NativeDialogs<R> {
    /// Builds the dialog on the main thread (GTK's), then waits for the person off it.
    fn ask<T: Send + 'static, F>(&self, make: impl FnOnce(Option<tauri::WebviewWindow<R>>) -> F + Send + 'static) -> DialogFuture<'_, Option<T>>
    where
        F: Future<Output = T> + Send + 'static,
    {
        let (answer, answered) = tokio::sync::oneshot::channel();
        let window = self.0.get_webview_window("main");
        let shown = self.0.run_on_main_thread(move || {
            let dialog = make(window);
            std::thread::spawn(move || {
                let _ = answer.send(tauri::async_runtime::block_on(dialog));
            });
        });
        Box::pin(async move {
            if let Err(e) = shown {
                tracing::warn!("a dialog could not be shown: {e}");
                return None;
            }
            answered.await.ok()
        })
    }
}

impl<R: Runtime> Dialogs for NativeDialogs<R> {
    fn pick_file(&self, title: &str) -> DialogFuture<'_, Option<PathBuf>> {
        let title = title.to_string();
        let picked = self.ask(move |window| {
            let mut dialog = rfd::AsyncFileDialog::new().set_title(title);
            if let Some(window) = &window {
                dialog = dialog.set_parent(window);
            }
            dialog.pick_file()
        });
        Box::pin(async move { picked.await.flatten().map(|file| file.path().to_path_buf()) })
    }

    fn save_file(&self, title: &str, suggested_name: &str) -> DialogFuture<'_, Option<PathBuf>> {
        let (title, name) = (title.to_string(), suggested_name.to_string());
        // The person's downloads folder (from user-dirs.dirs), where a browser would have saved it.
        let downloads = tauri::Manager::path(&self.0).download_dir().ok().filter(|d| d.is_dir());
        let chosen = self.ask(move |window| {
            let mut dialog = rfd::AsyncFileDialog::new().set_title(title).set_file_name(name).set_can_create_directories(true);
            if let Some(dir) = downloads {
                dialog = dialog.set_directory(dir);
            }
            if let Some(window) = &window {
                dialog = dialog.set_parent(window);
            }
            dialog.save_file()
        });
        Box::pin(async move { chosen.await.flatten().map(|file| file.path().to_path_buf()) })
    }

    fn confirm(&self, title: &str, question: &str, accept: &str) -> DialogFuture<'_, bool> {
        let (title, question, accept) = (title.to_string(), question.to_string(), accept.to_string());
        let answered = self.ask(move |window| {
            let mut dialog = rfd::AsyncMessageDialog::new()
                .set_level(rfd::MessageLevel::Warning)
                .set_title(title)
                .set_description(question)
                .set_buttons(rfd::MessageButtons::OkCancelCustom(accept.clone(), "Cancel".into()));
            if let Some(window) = &window {
                dialog = dialog.set_parent(window);
            }
            async move {
                let result = dialog.show().await;
                matches!(result, rfd::MessageDialogResult::Ok) || matches!(result, rfd::MessageDialogResult::Custom(ref label) if *label == accept)
            }
        });
        Box::pin(async move { answered.await.unwrap_or(false) })
    }
}

/// Dialogs answered by files in `dir`, for tests:
/// * a file chooser answers the path written in `dir/pick` (none if there is no such file); when it holds
///   several lines, the first chooser answers the first line and takes it off, so that the next answers
///   the next (an import that asks for two files);
/// * a confirmation answers yes, unless `dir/refuse` exists;
/// * a save dialog answers `dir/saved/<suggested name>`, or is cancelled if `dir/cancel-save` exists.
///
/// Every question is appended to `dir/asked.log` (title, then the question), so a test can check what the
/// person would have been asked. Debug builds only: a release build cannot be scripted.
#[cfg(debug_assertions)]
pub struct ScriptedDialogs {
    pub dir: PathBuf,
}

#[cfg(debug_assertions)]
impl ScriptedDialogs {
    fn log(&self, title: &str, question: &str) {
        use std::io::Write;
        let line = format!("{title}\n{question}\n\n");
        let written = std::fs::OpenOptions::new().create(true).append(true).open(self.dir.join("asked.log")).and_then(|mut f| f.write_all(line.as_bytes()));
        if let Err(e) = written {
            tracing::warn!("the scripted dialogs' log: {e}");
        }
    }
}

#[cfg(debug_assertions)]
impl Dialogs for ScriptedDialogs {
    fn pick_file(&self, title: &str) -> DialogFuture<'_, Option<PathBuf>> {
        self.log(title, "(choose a file)");
        let script = self.dir.join("pick");
        let lines = std::fs::read_to_string(&script).unwrap_or_default();
        let mut lines = lines.lines().filter(|line| !line.trim().is_empty());
        let picked = lines.next().map(|line| PathBuf::from(line.trim()));
        let rest: Vec<&str> = lines.collect();
        if !rest.is_empty() {
            if let Err(e) = std::fs::write(&script, rest.join("\n")) {
                tracing::warn!("the scripted file chooser: {e}");
            }
        }
        Box::pin(std::future::ready(picked))
    }

    fn save_file(&self, title: &str, suggested_name: &str) -> DialogFuture<'_, Option<PathBuf>> {
        self.log(title, suggested_name);
        if self.dir.join("cancel-save").exists() {
            return Box::pin(std::future::ready(None));
        }
        let saved = self.dir.join("saved");
        let path = std::fs::create_dir_all(&saved).ok().map(|()| saved.join(std::path::Path::new(suggested_name)));
        Box::pin(std::future::ready(path))
    }

    fn confirm(&self, title: &str, question: &str, _accept: &str) -> DialogFuture<'_, bool> {
        self.log(title, question);
        Box::pin(std::future::ready(!self.dir.join("refuse").exists()))
    }
}
