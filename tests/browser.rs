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
//!
//! The organizer's console (`tests/browser/console.mjs`): sign in, open a campaign, drill into
//! a unit, download the XLSX (read back here, its numbers equal to the JSON), at 1280 px and
//! 360 px; its screenshots are left in target/console-screenshots/ to look at.

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

/// Runs the respondent's browser script, killing it if it hangs; (exit success, stdout,
/// stderr).
fn run_browser(link: &str, screenshots: &[PathBuf]) -> (bool, String, String) {
    let mut args = vec![link.to_owned()];
    args.extend(screenshots.iter().map(|p| p.display().to_string()));
    run_script("answer.mjs", &args)
}

/// Runs a script of tests/browser with node, killing it if it hangs.
fn run_script(script: &str, args: &[String]) -> (bool, String, String) {
    let mut child = Command::new("node")
        .arg(Path::new(BROWSER_DIR).join(script))
        .args(args)
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

/// The summary line a browser script printed last.
fn summary_of(ok: bool, stdout: &str, stderr: &str) -> serde_json::Value {
    let summary: serde_json::Value = stdout
        .lines()
        .rev()
        .find_map(|line| serde_json::from_str(line).ok())
        .unwrap_or_else(|| {
            panic!("no JSON summary from the browser\nstdout: {stdout}\nstderr: {stderr}")
        });
    assert!(ok, "browser run failed: {summary}\nstderr: {stderr}");
    summary
}

#[test]
#[ignore = "needs Chromium, node and `npm ci --prefix tests/browser`"]
fn an_organizer_uses_the_console_in_chromium_on_a_desktop_and_a_phone() {
    use calamine::{DataType as _, Reader as _};

    if let Some(reason) = missing_tools() {
        panic!("the browser test cannot run: {reason}");
    }
    let db = TestDb::new();
    db.ok(&["demo"]);
    let password = "correct horse battery";
    let out = db.kinerja_input(
        &[
            "organizer",
            "add",
            "admin@example.go.id",
            "--role",
            "admin",
            "--password-stdin",
        ],
        &format!("{password}\n"),
    );
    assert!(out.status.success(), "organizer add");
    let json = common::results_json(&db, 3);
    let server = Server::start(&db, &[]);
    // Kept after the test, for people to look at (target/ is not committed).
    let outdir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/console-screenshots");
    std::fs::create_dir_all(&outdir).expect("screenshot directory");
    let (ok, stdout, stderr) = run_script(
        "console.mjs",
        &[
            server.base.clone(),
            "admin@example.go.id".to_owned(),
            password.to_owned(),
            outdir.display().to_string(),
        ],
    );
    let summary = summary_of(ok, &stdout, &stderr);
    let field = |name: &str| summary[name].clone();

    // Signing in from the console's address, then the campaign and its ranking of level 2.
    assert_eq!(field("first_url"), "/console/sign-in");
    assert_eq!(field("after_sign_in"), "/console/");
    assert_eq!(field("campaign_url"), "/console/campaigns/3");
    assert_eq!(field("campaign_heading"), "Survei SFO DJPb 2018 2018");
    let level2 = json["units"]
        .as_array()
        .expect("units")
        .iter()
        .filter(|u| u["level"] == 2);
    let (all, published) = level2.fold((0, 0), |(a, p), u| {
        (a + 1, p + usize::from(u["suppressed"] == false))
    });
    assert_eq!(field("ranking_rows"), all);
    // A CI bar and a rank-interval bar per published unit, each with its title.
    assert_eq!(field("svg_titles"), 2 * published);
    // KW-ACEH's KPPN, by rank, and its page: score, CI, rank, interval, change.
    assert_eq!(
        field("drill_codes"),
        serde_json::json!(["X101", "KPPN-001", "X102"])
    );
    assert_eq!(field("unit_url"), "/console/campaigns/3/units/KW-ACEH");
    let aceh = common::unit(&json, "KW-ACEH");
    assert_eq!(
        field("unit_facts")[1],
        format!("{:.2}", aceh["score"].as_f64().expect("score"))
    );
    assert_eq!(
        field("profile_rows"),
        json["campaign"]["dimensions"]
            .as_array()
            .map(Vec::len)
            .expect("dims")
    );
    assert_eq!(field("trend_rows"), 3, "the demo's three SFO periods");
    // Nothing sticks out sideways at 360 px: wide tables scroll inside their box.
    for page in ["campaign", "unit", "list"] {
        assert_eq!(field(&format!("{page}_width_360")), 360);
        assert_eq!(
            field(&format!("{page}_scroll_360")),
            360,
            "{page} at 360 px"
        );
    }
    assert_eq!(field("campaign_scroll_1280"), 1280);

    // The downloaded workbook: every published unit's score and n equal the JSON's.
    assert_eq!(field("download_name"), "kinerja-campaign-3.xlsx");
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook(outdir.join("results.xlsx")).expect("the downloaded XLSX");
    let ranking = book
        .worksheet_range_at(0)
        .expect("a first sheet")
        .expect("the ranking sheet");
    let header: Vec<String> = ranking
        .rows()
        .next()
        .expect("a header")
        .iter()
        .map(|c| c.to_string())
        .collect();
    let column = |name: &str| header.iter().position(|h| h == name).expect("column");
    let (code, score, n) = (column("code"), column("score"), column("n"));
    let mut checked = 0;
    for row in ranking.rows().skip(1) {
        let u = common::unit(&json, &row[code].to_string());
        assert_eq!(row[n].as_f64(), u["n"].as_f64(), "n of {}", u["code"]);
        match u["score"].as_f64() {
            Some(expected) => {
                assert_eq!(
                    row[score].as_f64(),
                    Some(expected),
                    "score of {}",
                    u["code"]
                );
                checked += 1;
            }
            None => assert_eq!(row[score], calamine::Data::Empty, "{}", u["code"]),
        }
    }
    assert!(checked > 50, "{checked} scores compared");

    for shot in [
        "campaign-1280",
        "unit-1280",
        "campaign-360",
        "unit-360",
        "campaigns-360",
    ] {
        let path = outdir.join(format!("{shot}.png"));
        let width = if shot.ends_with("1280") { 1280 } else { 360 };
        assert_eq!(
            png_size(&path).map(|(w, _)| w),
            Some(width),
            "{}",
            path.display()
        );
    }
    drop(server);
}
