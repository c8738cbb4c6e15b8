//! `cargo xtask <command>`: the project's automation (see README.md).
//!
//! * `run`: install what is missing, build the UI, start the sandbox and the gateway, print the URL.
//! * `test`: install what is missing (Chromium too), build the UI, run every test.
//! * `bench`: payload sizes and the speed figures of `console-e2e`'s bench.
//! * `bundle`: the static site and release binaries, ready to copy to a server.
//! * `build-ui`: just the UI, into `dist/`.
//! * `desktop`: like `run`, with the desktop app instead of the gateway and a browser.
//! * `desktop-tools`: the desktop app's Debian packages and npm Tauri tools (`test` installs them too).
//!
//! Every stage prints its duration. Tools go to `~/.cache/console-tools` (or `$CONSOLE_TOOLS`), outside
//! the clone, so a second run and CI reuse them.

mod source_stamp;
mod desktop_tools;
mod stage;
mod tools;
mod ui;

use std::process::ExitCode;

use stage::{cargo, project_root, Stages};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = args.first().map(String::as_str).unwrap_or("help");
    let rest = &args[args.len().min(1)..];
    let result = match command {
        "run" => run(rest),
        "test" => test(rest),
        "bench" => bench(rest),
        "bundle" => bundle(),
        "build-ui" => build_ui(),
        "desktop" => desktop(rest),
        "desktop-tools" => desktop_tools(),
        "help" | "--help" | "-h" => {
            println!("{}", HELP);
            Ok(())
        }
        other => Err(format!("unknown command '{other}'\n\n{HELP}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

const HELP: &str = "usage: cargo xtask <command>
  run        build the UI, start sandbox + gateway on http://127.0.0.1:8080 (Ctrl-C stops)
  test       every test: unit, HTTP integration, end to end in headless Chromium
  bench      what each route transfers per role, time to a rendered timeline, latency and throughput
  bundle     release build of the static site (dist/), the server binaries and the desktop app's .deb
  build-ui   build the UI into dist/ (release profile, wasm-opt)
  desktop    build the UI and the desktop app, start the sandbox on 8081 and the app against it
  desktop-tools  install the npm Tauri tools, and the desktop app's Debian packages when run as root";

fn desktop(args: &[String]) -> Result<(), String> {
    let mut stages = Stages::new();
    let tools = stages.run("tools", || tools::ensure(false))?;
    stages.run("desktop tools", desktop_tools::ensure)?;
    stages.run("ui", || ui::build(&tools))?;
    stages.run("binaries", || cargo(&["build", "-p", "console-sandbox", "-p", "console-desktop"]))?;
    stages.report();
    stage::run_desktop(&project_root(), flag(args, "--sandbox-port").unwrap_or("8081"))
}

fn desktop_tools() -> Result<(), String> {
    let mut stages = Stages::new();
    stages.run("desktop tools", desktop_tools::ensure)?;
    stages.report();
    Ok(())
}

fn build_ui() -> Result<(), String> {
    let mut stages = Stages::new();
    let tools = stages.run("tools", || tools::ensure(false))?;
    stages.run("ui", || ui::build(&tools))?;
    stages.report();
    Ok(())
}

fn run(args: &[String]) -> Result<(), String> {
    let mut stages = Stages::new();
    let tools = stages.run("tools", || tools::ensure(false))?;
    stages.run("ui", || ui::build(&tools))?;
    stages.run("binaries", || cargo(&["build", "-p", "console-sandbox", "-p", "console-server"]))?;
    stages.report();
    let port_ui = flag(args, "--port").unwrap_or("8080");
    let port_sandbox = flag(args, "--sandbox-port").unwrap_or("8081");
    stage::run_services(&project_root(), port_ui, port_sandbox)
}

fn test(args: &[String]) -> Result<(), String> {
    let mut stages = Stages::new();
    let mut tools = stages.run("tools", || tools::ensure(true))?;
    tools.desktop = Some(stages.run("desktop tools", desktop_tools::ensure)?);
    // Before the tests' build: console-desktop embeds dist/ when it compiles.
    stages.run("ui", || ui::build(&tools))?;
    stages.run("build tests", || stage::build_tests())?;
    let outcome = stages.run("tests", || stage::run_tests(&tools, args))?;
    stages.report();
    // The runner's own summary stays the last thing said.
    if let Some(summary) = &outcome.summary {
        println!("{summary}");
    }
    if outcome.passed {
        Ok(())
    } else {
        std::process::exit(1)
    }
}

fn bench(args: &[String]) -> Result<(), String> {
    let mut stages = Stages::new();
    let mut tools = stages.run("tools", || tools::ensure(true))?;
    // Its sizes and speeds are those of the page as shipped: never of the stable fallback's larger build.
    tools.page.required_for("cargo xtask bench")?;
    tools.twiggy = Some(stages.run("twiggy", tools::twiggy)?);
    stages.run("ui", || ui::build(&tools))?;
    stages.run("files", || ui::report_payload(&project_root().join("dist"), &tools))?;
    // The desktop figures are those of the app as shipped: release, the UI embedded; with the hook that
    // lets the bench play the sign-in's browser (a variable read once per sign-in), built apart from the
    // app `bundle` packages (the `bench-app` profile, Cargo.toml).
    tools.desktop = Some(stages.run("desktop tools", desktop_tools::ensure)?);
    let hooked = ["build", "--profile", "bench-app", "-p", "console-desktop", "--features", "custom-protocol,e2e-hooks"];
    stages.run("desktop app", || cargo(&hooked))?;
    // Transfers per route and role, the timeline's speed, latency: console-bench measures them in
    // headless Chromium and fails if a budget is exceeded.
    stages.run("speed", || stage::run_bench(&tools, args))?;
    stages.report();
    Ok(())
}

fn bundle() -> Result<(), String> {
    let mut stages = Stages::new();
    let tools = stages.run("tools", || tools::ensure(false))?;
    // A release is the page as measured: the same commit must not ship another build on another machine.
    tools.page.required_for("cargo xtask bundle")?;
    stages.run("ui", || ui::build(&tools))?;
    stages.run("binaries", || cargo(&["build", "--release", "-p", "console-server", "-p", "console-sandbox"]))?;
    let desktop = stages.run("desktop tools", desktop_tools::ensure)?;
    stages.run("desktop app", || cargo(&["build", "--release", "-p", "console-desktop", "--features", "custom-protocol"]))?;
    // deb only: it builds offline (AppImage downloads linuxdeploy).
    stages.run("deb", || {
        stage::status(
            std::process::Command::new(&desktop.tauri_cli)
                .current_dir(project_root().join("src-tauri"))
                .args(["bundle", "--bundles", "deb"]),
        )
    })?;
    stages.report();
    let target = stage::target_dir();
    println!("static site: {}", project_root().join("dist").display());
    println!("gateway:     {}", target.join("release/console-server").display());
    println!("sandbox:     {}", target.join("release/console-sandbox").display());
    println!("desktop:     {} (sudo apt install ./that.deb; then console-desktop)", deb_of(&target).unwrap_or_else(|| "no .deb found".into()));
    println!("Serve with: console-server --dist dist --config config/console.toml --profile <sandbox|staging|production>");
    Ok(())
}

fn flag<'a>(args: &'a [String], name: &str) -> Option<&'a str> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).map(String::as_str)
}

/// The .deb `tauri bundle` wrote (its name carries the version and architecture).
fn deb_of(target: &std::path::Path) -> Option<String> {
    let dir = target.join("release/bundle/deb");
    std::fs::read_dir(&dir).ok()?.flatten().map(|e| e.path()).find(|p| p.extension().is_some_and(|x| x == "deb")).map(|p| p.display().to_string())
}
