//! The real form in a real browser: headless Chromium (Debian's `chromium`) driven by
//! playwright-core (`tests/browser/answer.mjs`) answers a demo survey link on a 360 px phone
//! screen with JavaScript off: clicks each answer's label, saves, reopens, submits, sees the
//! thank-you page, then sees the link refused as already submitted.
//!
//! Needs /usr/bin/chromium (or `CHROMIUM=PATH`), node, and `npm ci --prefix tests/browser`, so
//! it is ignored by a plain `cargo test` (listed as ignored, never passed without running);
//! `cargo test --test browser -- --ignored` runs it, `.ci/run` always does, and a missing piece
//! then fails it with the reason. `KINERJA_SCREENSHOT=PATH` also writes the 360 px screenshot
//! there.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::server::Server;
use common::{invite, TestDb};

const BROWSER_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/browser");

fn chromium() -> PathBuf {
    std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"))
}

/// Why the browser test cannot run here, if it cannot.
fn missing_tools() -> Option<String> {
    let chromium = chromium();
    if !chromium.is_file() {
        return Some(format!(
            "{} is absent (apt-get install chromium)",
            chromium.display()
        ));
    }
    let node = Command::new("node")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if !node.is_ok_and(|s| s.success()) {
        return Some("node is not on PATH".to_owned());
    }
    let playwright = Path::new(BROWSER_DIR).join("node_modules/playwright-core/package.json");
    if !playwright.is_file() {
        return Some(format!(
            "{} is absent (npm ci --prefix tests/browser)",
            playwright.display()
        ));
    }
    None
}

/// Width and height from a PNG's IHDR chunk.
fn png_size(path: &Path) -> Option<(u32, u32)> {
    let bytes = std::fs::read(path).ok()?;
    if bytes.len() < 24 || &bytes[..8] != b"\x89PNG\r\n\x1a\n" || &bytes[12..16] != b"IHDR" {
        return None;
    }
    let width = u32::from_be_bytes(bytes[16..20].try_into().ok()?);
    let height = u32::from_be_bytes(bytes[20..24].try_into().ok()?);
    Some((width, height))
}

/// Runs the browser script, killing it if it hangs; (exit success, stdout, stderr).
fn run_browser(link: &str, screenshots: &[PathBuf]) -> (bool, String, String) {
    let mut child = Command::new("node")
        .arg(Path::new(BROWSER_DIR).join("answer.mjs"))
        .arg(link)
        .args(screenshots)
        .env("CHROMIUM", chromium())
        .current_dir(BROWSER_DIR)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start node");
    let started = Instant::now();
    loop {
        match child.try_wait().expect("wait for node") {
            Some(_) => break,
            None if started.elapsed() > Duration::from_secs(180) => {
                let _ = child.kill();
                break;
            }
            None => std::thread::sleep(Duration::from_millis(100)),
        }
    }
    let output = child.wait_with_output().expect("browser output");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
#[ignore = "needs Chromium, node and `npm ci --prefix tests/browser`"]
fn a_respondent_answers_the_demo_survey_in_chromium_on_a_phone() {
    if let Some(reason) = missing_tools() {
        panic!("the browser test cannot run: {reason}");
    }

    let db = TestDb::new();
    db.ok(&["demo"]);
    // Campaign 3 is the demo's SFO survey of 2018.
    let tokens = invite(&db, 3, "browser@example.go.id,KW-ACEH\n");
    assert_eq!(tokens.len(), 1, "one link issued");
    let stored_before = db.stored_answers();
    let server = Server::start(&db, &[]);
    let link = server.link(&tokens[0]);

    let screenshot = db.dir.path().join("form-360.png");
    let mut screenshots = vec![screenshot.clone()];
    if let Some(extra) = std::env::var_os("KINERJA_SCREENSHOT") {
        screenshots.push(PathBuf::from(extra));
    }
    let (ok, stdout, stderr) = run_browser(&link, &screenshots);
    let summary: serde_json::Value = stdout
        .lines()
        .rev()
        .find_map(|line| serde_json::from_str(line).ok())
        .unwrap_or_else(|| {
            panic!("no JSON summary from the browser\nstdout: {stdout}\nstderr: {stderr}")
        });
    assert!(ok, "browser run failed: {summary}\nstderr: {stderr}");
    let field = |name: &str| summary[name].clone();

    // The form, in Indonesian (the invitation's language), fitting a 360 px screen.
    assert_eq!(field("form_status"), 200);
    assert_eq!(field("lang"), "id");
    assert_eq!(field("title"), "Survei Strategy Focused Organization (SFO)");
    assert_eq!(field("viewport_width"), 360);
    assert_eq!(field("scroll_width"), 360, "nothing sticks out sideways");
    // The SFO survey: 25 items, one of them optional; every required one answered by label.
    assert_eq!(field("items"), 25);
    assert_eq!(field("optional_items"), serde_json::json!(["continual-4"]));
    assert_eq!(field("answered"), 24);
    assert_eq!(field("keyboard"), true, "arrow keys move the choice");
    // Save and continue later, then the draft restored on reopening.
    assert_eq!(field("save_label"), "Simpan dan lanjutkan nanti");
    assert_eq!(field("saved_url_has_flag"), true);
    assert_eq!(
        field("saved_notice"),
        "Jawaban Anda tersimpan. Buka tautan yang sama untuk melanjutkan."
    );
    assert_eq!(field("restored"), 24);
    // Submitted: the thank-you page.
    assert_eq!(field("thanks_status"), 200);
    assert_eq!(field("thanks_url"), "/thanks?lang=id");
    assert_eq!(field("thanks_heading"), "Terima kasih");
    // The link again: already submitted, no form.
    assert_eq!(field("again_status"), 409);
    assert_eq!(field("again_heading"), "Jawaban sudah dikirim");
    assert_eq!(field("again_has_form"), false);

    // Exactly one answer stored (released or still sealed in the pending pool), the draft gone.
    assert_eq!(db.stored_answers(), stored_before + 1);
    assert_eq!(db.count("drafts"), 0);

    let size = png_size(&screenshot);
    assert_eq!(
        size.map(|(width, _)| width),
        Some(360),
        "a 360 px wide screenshot at {}",
        screenshot.display()
    );
    drop(server);
}
