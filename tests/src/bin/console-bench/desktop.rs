//! The desktop app's figures: its cold start to a painted timeline, its resident memory once 500
//! operations are loaded, and the size of its .deb.
//!
//! The app is the release build `cargo xtask bench` makes (`CONSOLE_DESKTOP_APP`), in a window on Xvfb
//! driven through tauri-driver, on a Secret Service of its own: a first run signs ada in (not timed), and
//! each timed run is a fresh process that takes that sign-in up from the keychain, as a person's second
//! start of the day would. Cold start: from the app's launch to demo-busy's first operation row painted
//! (aim: under 1 s), going there in the app as a person does from the start page. Memory: the app and its
//! WebKit processes, their proportional set sizes summed (aim: under 150 MB).

use std::path::{Path, PathBuf};
use std::time::Duration;

use console_e2e::desktop::{app_binary, Desktop, KeyringSession};
use console_e2e::{start_sandbox, TempDir};

const RUNS: usize = 3;
const COLD_START_AIM: Duration = Duration::from_secs(1);
const MEMORY_AIM_MB: f64 = 150.0;

/// Prints the figures; `false` if they could not be measured.
pub async fn figures() -> bool {
    println!("\nDesktop app (release build, Xvfb; cold start median of {RUNS})");
    if std::env::var_os("CONSOLE_DESKTOP_APP").is_none() {
        println!("  not measured: CONSOLE_DESKTOP_APP is not set (cargo xtask bench builds the app and sets it)");
        return false;
    }
    match tokio::time::timeout(Duration::from_secs(300), measure()).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            println!("  not measured: {e}");
            return false;
        }
        Err(_) => {
            println!("  not measured: over 5 minutes");
            return false;
        }
    }
    deb_size();
    true
}

async fn measure() -> Result<(), String> {
    let sandbox = start_sandbox(Vec::new(), Duration::from_secs(3600)).await;
    let home = TempDir::new("desktop-bench");
    let keyring = KeyringSession::start();
    let user_file = home.path().join("browser-user");
    std::fs::write(&user_file, "ada").map_err(|e| e.to_string())?;
    // Built beside this binary by `cargo xtask bench`.
    let browser = std::env::current_exe().map_err(|e| e.to_string())?.with_file_name("console-e2e-browser");
    if !browser.is_file() {
        return Err(format!("{} is not built", browser.display()));
    }
    let env = vec![
        ("DBUS_SESSION_BUS_ADDRESS", keyring.address.clone()),
        ("CONSOLE_DESKTOP_SANDBOX", format!("{}/", sandbox.base_url())),
        ("CONSOLE_DESKTOP_BROWSER", browser.display().to_string()),
        ("CONSOLE_E2E_BROWSER_USER_FILE", user_file.display().to_string()),
        ("XDG_CONFIG_HOME", home.path().join("config").display().to_string()),
        ("XDG_DATA_HOME", home.path().join("data").display().to_string()),
    ];
    // The first run signs in through the loopback flow; the keychain keeps the sign-in.
    let first = Desktop::start(&env).await;
    first.click_testid("desktop-sign-in-button").await;
    first.wait_testid("env-badge", Duration::from_secs(30)).await;
    first.stop().await;

    let mut starts = Vec::new();
    let mut memory = Vec::new();
    for _ in 0..RUNS {
        let desktop = Desktop::start(&env).await;
        desktop.wait_testid("env-badge", Duration::from_secs(30)).await;
        // In the app, as a person goes there from the start page (the router's own navigation, not a
        // reload of the page, which a person never does).
        desktop.js("history.pushState(null, '', '/consumers/demo-busy'); dispatchEvent(new PopStateEvent('popstate', { state: null }));").await;
        desktop.wait_testid("op-row", Duration::from_secs(30)).await;
        starts.push(desktop.launched_at.elapsed());
        desktop.wait_testid("all-loaded", Duration::from_secs(60)).await;
        let rows = desktop.js("return document.querySelectorAll('[data-testid=op-row]').length;").await;
        let (pss, rss) = memory_mb(&app_binary()).ok_or("the app's processes were not found in /proc")?;
        memory.push(pss);
        println!(
            "    run: painted in {} ms, {rows} rows shown of 523 loaded, {pss:.0} MB proportional ({rss:.0} MB resident, shared pages counted in each process)",
            starts.last().map_or(0, Duration::as_millis)
        );
        desktop.stop().await;
    }
    starts.sort();
    memory.sort_by(f64::total_cmp);
    let start = starts[RUNS / 2];
    let rss = memory[RUNS / 2];
    let mark = |ok: bool| if ok { "within" } else { "OVER" };
    println!("  cold start to a painted timeline: {} ms (aim {} ms: {})", start.as_millis(), COLD_START_AIM.as_millis(), mark(start <= COLD_START_AIM));
    println!(
        "  memory, 523 operations loaded (app + WebKit processes, proportional set size): {rss:.0} MB (aim {MEMORY_AIM_MB:.0} MB: {})",
        mark(rss <= MEMORY_AIM_MB)
    );
    sandbox.shutdown().await;
    Ok(())
}

/// The memory of the process running `binary` and all its descendants (WebKit's web and network
/// processes), in MB: their proportional set size (each shared page divided among the processes that map
/// it: what the app costs the machine), and their resident sizes summed (shared libraries counted once
/// per process).
fn memory_mb(binary: &Path) -> Option<(f64, f64)> {
    let processes: Vec<(u32, u32, PathBuf)> = std::fs::read_dir("/proc")
        .ok()?
        .flatten()
        .filter_map(|e| {
            let pid: u32 = e.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(e.path().join("stat")).ok()?;
            // pid (comm) state ppid ...: comm may hold spaces, so read after its closing parenthesis.
            let ppid = stat.rsplit_once(')')?.1.split_whitespace().nth(1)?.parse().ok()?;
            let exe = std::fs::read_link(e.path().join("exe")).unwrap_or_default();
            Some((pid, ppid, exe))
        })
        .collect();
    let root = processes.iter().find(|(_, _, exe)| exe == binary)?.0;
    let mut family = vec![root];
    let mut i = 0;
    while i < family.len() {
        let parent = family[i];
        family.extend(processes.iter().filter(|(_, ppid, _)| *ppid == parent).map(|(pid, _, _)| *pid));
        i += 1;
    }
    let kb = |file: &str, field: &str| -> u64 {
        family
            .iter()
            .filter_map(|pid| {
                let text = std::fs::read_to_string(format!("/proc/{pid}/{file}")).ok()?;
                text.lines().find_map(|l| l.strip_prefix(field))?.split_whitespace().next()?.parse::<u64>().ok()
            })
            .sum()
    };
    let mb = |kb: u64| kb as f64 / 1024.0;
    Some((mb(kb("smaps_rollup", "Pss:")), mb(kb("status", "VmRSS:"))))
}

/// The .deb `cargo xtask bundle` made, if any.
fn deb_size() {
    let dir = app_binary().parent().map(|release| release.join("bundle/deb")).unwrap_or_default();
    let deb = std::fs::read_dir(&dir).ok().and_then(|d| d.flatten().map(|e| e.path()).find(|p| p.extension().is_some_and(|x| x == "deb")));
    match deb.and_then(|p| Some((std::fs::metadata(&p).ok()?.len(), p))) {
        Some((bytes, path)) => println!("  .deb: {:.1} MB ({})", bytes as f64 / 1_048_576.0, path.display()),
        None => println!("  .deb: not built here ({} is empty; cargo xtask bundle makes it)", dir.display()),
    }
}
