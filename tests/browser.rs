//! The real form in a real browser: headless Chromium (Debian's `chromium`) driven by
//! playwright-core (`tests/browser/answer.mjs`) answers SFO survey links with JavaScript off, on
//! a 360 px phone and a 1280 px desktop: the language switch keeps the answers, a submission
//! too early comes back 422 (its title, focus and problem lines), labels and arrow keys choose,
//! a draft is saved and restored, the thank-you page, then the used link (409) and a closed
//! campaign's link (410). Every page is checked for sideways overflow, the desktop for one row
//! per scale, the chosen box and the focus rings' contrast.
//!
//! Needs /usr/bin/chromium (or `CHROMIUM=PATH`), node, and `npm ci --prefix tests/browser`, so
//! it is ignored by a plain `cargo test` (listed as ignored, never passed without running);
//! `cargo test --test browser -- --ignored` runs it, `.ci/run` always does, and a missing piece
//! then fails it with the reason. Its screenshots are left in target/form-screenshots/.
//!
//! The organizer's console (`tests/browser/console.mjs`): sign in, open a campaign, drill into
//! a unit, download the XLSX (read back here, its numbers equal to the JSON), at 1280 px and
//! 360 px; its screenshots are left in target/console-screenshots/ to look at.
//!
//! The emails (`tests/browser/email.mjs`): the HTML of an invitation and of the organizers'
//! summary, in Indonesian and English, as queued in the outbox, at 360 px and 1280 px: nothing
//! sticks out sideways; screenshots in target/email-screenshots/ (or
//! `KINERJA_EMAIL_SCREENSHOTS=DIR`).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::server::Server;
use common::{invite, TestDb, PUBLIC_URL};

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
fn respondents_answer_the_sfo_survey_in_chromium_on_a_phone_and_a_desktop() {
    use serde_json::json;

    if let Some(reason) = missing_tools() {
        panic!("the browser test cannot run: {reason}");
    }

    let db = TestDb::new();
    db.ok(&["demo"]);
    // A campaign with a closing day and a contact, and a closed one: its link is answered 410.
    let create = |period: &str, title: &str, closes: &[&str]| -> i64 {
        let mut args = vec![
            "campaign",
            "create",
            "--template",
            "sfo",
            "--period",
            period,
            "--title",
            title,
            "--units",
            "KW-ACEH",
            "--contact",
            "survei@example.go.id",
        ];
        args.extend_from_slice(closes);
        common::last_line(&db.ok(&args))
            .parse()
            .expect("campaign id")
    };
    let open = create("2099", "Survei SFO 2099", &["--closes", "2099-12-31"]);
    let closed = create("2098", "Survei SFO 2098", &[]);
    let tokens = invite(
        &db,
        open,
        "phone@example.go.id,KW-ACEH\ndesktop@example.go.id,KW-ACEH\n",
    );
    assert_eq!(tokens.len(), 2, "two links issued");
    let gone = invite(&db, closed, "late@example.go.id,KW-ACEH\n");
    db.ok(&["campaign", "close", &closed.to_string()]);
    let stored_before = db.stored_answers();
    let server = Server::start(&db, &[]);

    // Kept after the test, for people to look at (target/ is not committed).
    let outdir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/form-screenshots");
    std::fs::create_dir_all(&outdir).expect("screenshot directory");
    let (ok, stdout, stderr) = run_script(
        "answer.mjs",
        &[
            server.link(&tokens[0]),
            server.link(&tokens[1]),
            server.link(&gone[0]),
            outdir.display().to_string(),
        ],
    );
    let summary = summary_of(ok, &stdout, &stderr);
    let field = |name: &str| summary[name].clone();

    // Nothing sticks out sideways: the form, the 422 page and the end pages, at both widths.
    for (page, width) in [
        ("form_360", 360),
        ("form_360_en", 360),
        ("problems_360", 360),
        ("thanks_360", 360),
        ("again_360", 360),
        ("gone_360", 360),
        ("form_1280", 1280),
        ("form_1280_en", 1280),
        ("problems_1280", 1280),
        ("thanks_1280", 1280),
        ("again_1280", 1280),
        ("gone_1280", 1280),
    ] {
        assert_eq!(field(&format!("{page}_width")), width, "{page}");
        assert_eq!(field(&format!("{page}_scroll")), width, "{page} is wider");
    }

    // The form, in Indonesian (the invitation's language): sections as numbered headings, the
    // closing day and the time it takes.
    assert_eq!(field("form_status"), 200);
    assert_eq!(field("lang"), "id");
    assert_eq!(field("title"), "Survei Strategy Focused Organization (SFO)");
    assert_eq!(
        field("facts"),
        "Terbuka sampai 31 Desember 2099 · sekitar 6 menit"
    );
    assert_eq!(
        field("part_headings")[1],
        "Bagian 2 dari 5 · Menerjemahkan strategi ke dalam kerangka operasional"
    );
    assert_eq!(field("part_headings").as_array().map(Vec::len), Some(5));
    // The SFO survey: 25 items, one of them optional.
    assert_eq!(field("items"), 25);
    assert_eq!(field("optional_items"), json!(["continual-4"]));
    // The answered count, written by CSS over the checked options.
    assert_eq!(field("progress_after_3"), "3 dari 25 pertanyaan dijawab");

    // The language switch saves the three answers first: all three are there in English.
    assert_eq!(field("switch_label"), "English");
    assert_eq!(field("switch_status"), 200);
    assert_eq!(field("switch_url"), "?lang=en");
    assert_eq!(field("switch_lang"), "en");
    assert_eq!(field("switch_kept"), 3);
    assert_eq!(
        field("facts_en"),
        "Open until 31 December 2099 · about 6 minutes"
    );

    // Submitted too early: the title counts the problems, the summary has the focus, one line
    // per unanswered question naming it (21 = 24 required - 3 answered), the answers kept.
    problems_page(
        &summary,
        "problems_360",
        21,
        "21 problems · Strategy Focused Organization (SFO) Survey",
    );
    assert_eq!(
        field("problems_360_first_line"),
        "4. Leaders seldom discuss the unit's performance results with staff. — Please answer this question."
    );
    assert_eq!(field("problems_360_first_href"), "#item-leadership-4");
    assert_eq!(field("problems_kept"), 3);
    assert_eq!(field("back_lang"), "id");

    // Every required item answered by its label, one moved with an arrow key.
    assert_eq!(field("answered"), 24);
    assert_eq!(field("progress_all"), "24 dari 25 pertanyaan dijawab");
    assert_eq!(field("keyboard"), true, "arrow keys move the choice");
    // Save and continue later: the notice gives the closing day; the draft comes back.
    assert_eq!(field("save_label"), "Simpan dan lanjutkan nanti");
    assert_eq!(field("saved_url_has_flag"), true);
    assert_eq!(
        field("saved_notice"),
        "Jawaban Anda tersimpan. Buka tautan yang sama untuk melanjutkan, paling lambat 31 Desember 2099."
    );
    assert_eq!(field("restored"), 24);

    // The thank-you page names the survey and says what happens next.
    assert_eq!(field("thanks_status"), 200);
    assert_eq!(field("thanks_url"), "/r/TOKEN/thanks?lang=id");
    assert_eq!(field("thanks_heading"), "Terima kasih");
    assert_eq!(
        field("thanks_text"),
        json!([
            "English",
            "Jawaban Anda untuk “Survei SFO 2099” telah diterima.",
            "Hasil unit Anda hanya ditampilkan bila sedikitnya 5 pegawai unit menjawab, dan tidak pernah jawaban perorangan. Hasil akhir tersedia setelah periode pengisian ditutup pada 31 Desember 2099.",
            "Anda dapat menutup halaman ini.",
            "Ada pertanyaan? Tulis kepada penyelenggara: survei@example.go.id"
        ])
    );
    // The link again: already submitted, no form, whom to write to; the closed campaign's 410.
    assert_eq!(field("again_status"), 409);
    assert_eq!(field("again_heading"), "Jawaban sudah dikirim");
    assert_eq!(field("again_has_form"), false);
    assert_eq!(field("again_contact"), "mailto:survei@example.go.id");
    assert_eq!(field("gone_status"), 410);
    assert_eq!(field("gone_heading"), "Survei sudah ditutup");
    assert_eq!(field("gone_contact"), "mailto:survei@example.go.id");

    // The desktop: every scale item's six options in one row.
    assert_eq!(field("scale_items_1280"), 25);
    assert_eq!(field("one_row_items_1280"), 25);
    // The chosen option's whole box is highlighted.
    assert_ne!(
        field("checked_background"),
        field("unchecked_background"),
        "the chosen box has its own background"
    );
    // Focus rings: solid, at least 3 px, at least 3:1 against what they are drawn on, and not
    // the colour that marks the chosen option.
    for ring in ["radio_ring", "button_ring"] {
        let r = &summary[ring];
        assert_eq!(r["style"], "solid", "{ring}: {r}");
        assert!(r["width"].as_f64() >= Some(3.0), "{ring}: {r}");
        assert_ne!(r["color"], field("checked_border"), "{ring}: {r}");
        assert_ne!(r["color"], field("checked_background"), "{ring}: {r}");
        let contrast = field(&format!("{ring}_contrast")).as_f64().unwrap_or(0.0);
        assert!(contrast >= 3.0, "{ring} contrast {contrast}: {r}");
    }
    assert_eq!(
        field("radio_ring")["tag"],
        "label",
        "the ring goes around the option's box"
    );
    assert_eq!(field("focused_button"), "submit");
    // Sent by Enter on a radio: submitted (422), still in Indonesian.
    problems_page(
        &summary,
        "problems_1280",
        22,
        "Ada 22 masalah · Survei Strategy Focused Organization (SFO)",
    );
    assert_eq!(field("switch_1280_lang"), "en");
    assert_eq!(
        field("switch_1280_kept"),
        "4",
        "the chosen option survives the switch"
    );
    assert_eq!(field("thanks_1280_status"), 200);
    assert_eq!(field("thanks_1280_heading"), "Thank you");
    assert_eq!(field("again_1280_status"), 409);
    assert_eq!(field("gone_1280_status"), 410);
    assert_eq!(field("gone_1280_heading"), "The survey is closed");

    // Exactly two answers stored (sealed in the pending pool), the drafts gone.
    assert_eq!(db.stored_answers(), stored_before + 2);
    assert_eq!(db.count("drafts"), 0);

    assert_screenshots(
        &outdir,
        &[
            "form-360-id",
            "form-360-en",
            "form-422-360",
            "form-thanks-360",
            "form-gone-360",
            "form-1280-id",
            "form-1280-en",
            "form-422-1280",
            "form-thanks-1280",
            "form-gone-1280",
        ],
    );
    drop(server);
}

/// A 422 page as the browser saw it: its title counts the problems, the focus is on the
/// summary, one distinct line per problem.
fn problems_page(summary: &serde_json::Value, prefix: &str, problems: usize, title: &str) {
    let field = |name: &str| summary[format!("{prefix}_{name}")].clone();
    assert_eq!(field("status"), 422, "{prefix}");
    assert_eq!(field("title"), title);
    assert_eq!(
        field("focus"),
        "problems",
        "{prefix}: the summary has the focus"
    );
    assert_eq!(field("lines"), problems, "{prefix}");
    assert_eq!(field("distinct_lines"), problems, "{prefix}");
}

/// Each screenshot `{name}.png` is in `dir`, 1280 px wide if its name says 1280, else 360.
fn assert_screenshots(dir: &Path, names: &[&str]) {
    for name in names {
        let path = dir.join(format!("{name}.png"));
        let width = if name.contains("1280") { 1280 } else { 360 };
        assert_eq!(
            png_size(&path).map(|(w, _)| w),
            Some(width),
            "{}",
            path.display()
        );
    }
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
    assert_eq!(field("campaign_heading"), "Survei SFO DJPb 2018");
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

    assert_screenshots(
        &outdir,
        &[
            "campaign-1280",
            "unit-1280",
            "campaign-360",
            "unit-360",
            "campaigns-360",
        ],
    );
    drop(server);
}

#[test]
#[ignore = "needs Chromium, node and `npm ci --prefix tests/browser`"]
fn emails_fit_a_phone_screen_in_chromium() {
    use diesel::prelude::*;
    use kinerja::db::schema::outbox;

    if let Some(reason) = missing_tools() {
        panic!("the browser test cannot run: {reason}");
    }
    let db = TestDb::new();
    db.ok(&["demo"]);
    let out = db.ok(&[
        "campaign",
        "create",
        "--template",
        "sfo",
        "--period",
        "2026",
        "--title",
        "Survei SFO DJPb 2026",
        "--closes",
        "2026-12-31",
        "--contact",
        "sekretariat.sfo@kemenkeu.go.id",
        "--reminders",
        "3,7",
    ]);
    let campaign = common::last_line(&out);
    let people = db.write(
        "people.csv",
        "email,unit,name,lang\nani.rahayu@kemenkeu.go.id,KW-ACEH,Ani Rahayu,id\n\
         john.smith@kemenkeu.go.id,KW-ACEH,John Smith,en\n",
    );
    db.ok(&[
        "invite",
        "--campaign",
        &campaign,
        "--public-url",
        PUBLIC_URL,
        &people.display().to_string(),
    ]);
    // The demo's SFO 2018 campaign: 55 units, five dimensions each.
    for (to, lang) in [
        ("penyelenggara@kemenkeu.go.id", "id"),
        ("organizer@kemenkeu.go.id", "en"),
    ] {
        db.ok(&[
            "summary",
            "send",
            "--campaign",
            "3",
            "--to",
            to,
            "--lang",
            lang,
            "--public-url",
            PUBLIC_URL,
        ]);
    }
    let queued: Vec<(String, Option<String>)> = outbox::table
        .select((outbox::recipient, outbox::body_html))
        .load(&mut db.conn())
        .expect("outbox");
    let mut files = Vec::new();
    for (recipient, name) in [
        ("ani.rahayu@kemenkeu.go.id", "invitation-id"),
        ("john.smith@kemenkeu.go.id", "invitation-en"),
        ("penyelenggara@kemenkeu.go.id", "summary-id"),
        ("organizer@kemenkeu.go.id", "summary-en"),
    ] {
        let html = queued
            .iter()
            .find(|(to, _)| to == recipient)
            .and_then(|(_, html)| html.clone())
            .unwrap_or_else(|| panic!("no queued message to {recipient}"));
        let path = db.dir.path().join(format!("{name}.html"));
        std::fs::write(&path, html).expect("write the message");
        files.push((name, path));
    }
    // Kept after the test, for people to look at (target/ is not committed).
    let outdir = std::env::var_os("KINERJA_EMAIL_SCREENSHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/email-screenshots"));
    std::fs::create_dir_all(&outdir).expect("screenshot directory");
    let mut args = vec![outdir.display().to_string()];
    args.extend(
        files
            .iter()
            .map(|(name, path)| format!("{name}={}", path.display())),
    );
    let (ok, stdout, stderr) = run_script("email.mjs", &args);
    let summary = summary_of(ok, &stdout, &stderr);
    for (name, _) in &files {
        for width in [360u32, 1280] {
            let seen = &summary[format!("{name}_{width}")];
            assert_eq!(seen["width"], width, "{name} at {width} px: {seen}");
            assert_eq!(
                seen["scroll"], width,
                "{name} at {width} px sticks out sideways: {seen}"
            );
            assert!(
                seen["links_right"]
                    .as_u64()
                    .is_some_and(|right| right <= u64::from(width)),
                "{name} at {width} px: a link reaches past the screen: {seen}"
            );
            let shot = outdir.join(format!("mail-{name}-{width}.png"));
            assert_eq!(
                png_size(&shot).map(|(w, _)| w),
                Some(width),
                "{}",
                shot.display()
            );
        }
    }
    // The invitation's personal link and the console link are the links that could overflow.
    assert!(summary["invitation-id_360"]["links"].as_u64() >= Some(2));
    assert!(summary["summary-en_360"]["links"].as_u64() >= Some(1));
}
