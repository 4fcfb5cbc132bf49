//! Email through a real SMTP server on loopback: invitations whose links open the form,
//! retries when the server is down, a 550 that fails one message only, two senders that never
//! double a message, reminders, and summaries whose figures match `kinerja results`.

mod common;

use common::server::{answer_climate, client, Server};
use common::smtp::SmtpSink;
use common::{invite, results_json, unit, TestDb, CLIMATE, PUBLIC_URL, UNITS};

fn survey(db: &TestDb) -> i64 {
    db.campaign(
        UNITS,
        CLIMATE,
        &["--min-responses", "1", "--closes", "2099-12-31"],
    )
}

fn send(db: &TestDb, smtp: &str, now: bool) -> String {
    let mut args = vec!["mail", "send"];
    if now {
        args.push("--now");
    }
    db.ok_with(
        &args,
        &[
            ("KINERJA_SMTP_URL", smtp),
            ("KINERJA_MAIL_FROM", "Kinerja DJPb <kinerja@example.go.id>"),
        ],
    )
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

#[tokio::test]
async fn an_invitation_arrives_once_with_a_link_that_opens_the_form() {
    let db = TestDb::new();
    let campaign = survey(&db);
    let server = Server::start(&db, &["--mail-interval", "0"]);
    let file = db.write(
        "people.csv",
        "email,unit,name,lang\nani@example.go.id,A,Ani,id\nbob@example.org,B,,en\n",
    );
    let printed = db.ok(&[
        "invite",
        "--campaign",
        &campaign.to_string(),
        "--public-url",
        &server.base,
        &file.display().to_string(),
    ]);
    assert_eq!(
        db.ok(&["mail", "status"]).lines().next(),
        Some("queued 2, sent 0, failed 0")
    );

    let sink = SmtpSink::start();
    let out = send(&db, &sink.url(), false);
    assert!(
        out.starts_with("2 sent, 0 failed, 0 to retry later"),
        "{out}"
    );
    let messages = sink.messages();
    assert_eq!(messages.len(), 2);
    let ani = messages
        .iter()
        .find(|m| m.to == ["ani@example.go.id"])
        .expect("Ani's invitation");
    assert_eq!(ani.header("Subject").as_deref(), Some("Undangan: Test"));
    assert!(ani
        .header("From")
        .is_some_and(|f| f.contains("kinerja@example.go.id")));
    assert!(ani
        .header("Message-ID")
        .is_some_and(|id| id.ends_with("@kinerja.local>")));
    assert!(ani.data.contains("multipart/alternative"));
    assert!(
        ani.data.contains("text/plain; charset=utf-8")
            && ani.data.contains("text/html; charset=utf-8")
    );
    let text = ani.joined();
    assert!(
        text.contains("Yth. Ani,")
            && text.contains("Unit A")
            && text.contains("Tautan berlaku sampai 31 Desember 2099."),
        "{text}"
    );
    let bob = messages
        .iter()
        .find(|m| m.to == ["bob@example.org"])
        .expect("Bob's invitation");
    assert_eq!(bob.header("Subject").as_deref(), Some("Invitation: Test"));

    // The emailed link is the printed one, and it opens the form.
    let token = ani.token().expect("a link in the email");
    assert!(
        printed.contains(&format!("ani@example.go.id\tA\t{}/r/{token}", server.base)),
        "{printed}"
    );
    let response = client().get(server.link(&token)).send().await.expect("GET");
    assert_eq!(response.status(), reqwest::StatusCode::OK);

    // Sent bodies (they hold tokens) are erased; recipient and subject stay.
    let rows: Vec<(String, String, Option<String>, Option<String>)> = {
        use diesel::prelude::*;
        use kinerja::db::schema::outbox::dsl::*;
        let mut conn = db.conn();
        outbox
            .select((recipient, status, body_text, body_html))
            .load(&mut conn)
            .expect("outbox")
    };
    assert_eq!(rows.len(), 2);
    assert!(
        rows.iter()
            .all(|r| r.1 == "sent" && r.2.is_none() && r.3.is_none()),
        "{rows:?}"
    );
    assert_eq!(
        db.ok(&["mail", "status"]).lines().next(),
        Some("queued 0, sent 2, failed 0")
    );
    assert!(send(&db, &sink.url(), true).starts_with("0 sent"));
    assert_eq!(sink.messages().len(), 2, "nothing is sent twice");
}

#[test]
fn invitations_and_their_emails_are_stored_together_or_not_at_all() {
    let db = TestDb::new();
    let campaign = survey(&db);
    invite(&db, campaign, "a@example.org,A\n");
    // b@ is issued a link before line 3 is refused: the one transaction of links and emails
    // is rolled back, so neither b@'s link nor any email stays.
    let file = db.write(
        "again.csv",
        "email,unit\nb@example.org,B\na@example.org,A\n",
    );
    let err = db.fails(&[
        "invite",
        "--campaign",
        &campaign.to_string(),
        "--public-url",
        PUBLIC_URL,
        &file.display().to_string(),
    ]);
    assert!(
        err.contains("line 3, column 'email': a@example.org is already invited to unit A"),
        "{err}"
    );
    assert_eq!(
        db.ok(&["mail", "status"]).lines().next(),
        Some("queued 1, sent 0, failed 0")
    );
    assert_eq!(invite(&db, campaign, "b@example.org,B\n").len(), 1);
    // --no-email issues links only.
    let file = db.write("quiet.csv", "email,unit\nc@example.org,A\n");
    db.ok(&[
        "invite",
        "--campaign",
        &campaign.to_string(),
        "--no-email",
        "--public-url",
        PUBLIC_URL,
        &file.display().to_string(),
    ]);
    assert_eq!(
        db.ok(&["mail", "status"]).lines().next(),
        Some("queued 2, sent 0, failed 0")
    );
}

#[test]
fn a_server_that_is_down_leaves_messages_queued_until_it_is_back() {
    let db = TestDb::new();
    let campaign = survey(&db);
    invite(&db, campaign, "a@example.org,A\nb@example.org,B\n");
    let port = free_port();
    let url = format!("smtp://127.0.0.1:{port}");
    let out = send(&db, &url, false);
    assert!(
        out.starts_with("0 sent, 0 failed, 2 to retry later"),
        "{out}"
    );
    let status = db.ok(&[
        "mail",
        "status",
        "--campaign",
        &campaign.to_string(),
        "--messages",
    ]);
    assert!(status.starts_with("queued 2, sent 0, failed 0"), "{status}");
    assert!(
        status.contains("a@example.org 'Undangan: Test' after 1 attempt, retry at"),
        "{status}"
    );
    assert!(
        status.to_lowercase().contains("connection refused"),
        "{status}"
    );

    let sink = SmtpSink::start_on(port);
    assert!(
        send(&db, &url, false).starts_with("0 sent"),
        "the retry is not due yet"
    );
    assert!(send(&db, &url, true).starts_with("2 sent"));
    assert!(send(&db, &url, true).starts_with("0 sent"));
    let mut recipients: Vec<Vec<String>> = sink.messages().into_iter().map(|m| m.to).collect();
    recipients.sort();
    assert_eq!(
        recipients,
        [["a@example.org"], ["b@example.org"]],
        "each exactly once"
    );
}

#[test]
fn a_permanent_rejection_fails_only_that_message() {
    let db = TestDb::new();
    let campaign = survey(&db);
    invite(
        &db,
        campaign,
        "a@example.org,A\nnobody@example.org,A\nc@example.org,B\n",
    );
    let sink = SmtpSink::start();
    sink.reject("nobody@example.org");
    let out = send(&db, &sink.url(), false);
    assert!(
        out.starts_with("2 sent, 1 failed, 0 to retry later"),
        "{out}"
    );
    let status = db.ok(&["mail", "status"]);
    assert_eq!(
        status,
        "queued 0, sent 2, failed 1\nerrors, most frequent first:\n  \
         1 message failed: permanent error (550): 5.1.1 no such user here\n"
    );
    assert_eq!(sink.messages().len(), 2);
}

#[test]
fn two_senders_at_once_deliver_each_message_exactly_once() {
    let db = TestDb::new();
    let campaign = survey(&db);
    let lines: String = (0..120)
        .map(|i| format!("p{i}@example.org,{}\n", if i % 2 == 0 { "A" } else { "B" }))
        .collect();
    invite(&db, campaign, &lines);
    let sink = SmtpSink::start();
    let senders: Vec<_> = (0..2)
        .map(|_| {
            let (url, database, dir) = (sink.url(), db.url.clone(), db.dir.path().to_owned());
            std::thread::spawn(move || {
                std::process::Command::new(env!("CARGO_BIN_EXE_kinerja"))
                    .args(["--database-url", &database, "mail", "send"])
                    .env("KINERJA_SMTP_URL", url)
                    .current_dir(dir)
                    .output()
                    .expect("run sender")
            })
        })
        .collect();
    let mut sent = 0;
    for sender in senders {
        let out = sender.join().expect("thread");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        sent += text
            .split_whitespace()
            .next()
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or(0);
    }
    assert_eq!(sent, 120);
    let messages = sink.messages();
    assert_eq!(messages.len(), 120);
    let ids: std::collections::HashSet<String> = messages
        .iter()
        .filter_map(|m| m.header("Message-ID"))
        .collect();
    assert_eq!(ids.len(), 120, "no message was delivered twice");
}

#[tokio::test]
async fn reminders_go_only_to_those_who_have_not_answered() {
    let db = TestDb::new();
    let campaign = survey(&db);
    let tokens = invite(
        &db,
        campaign,
        "a@example.org,A\nb@example.org,A\nc@example.org,B\n",
    );
    let server = Server::start(&db, &["--mail-interval", "0"]);
    answer_climate(&server, &tokens[0]).await;
    // Invited four days ago, so that the default quiet time (3 days) has passed.
    common::backdate_invitations(&db, 4);

    let id = campaign.to_string();
    let out = db.ok(&["remind", "--campaign", &id, "--public-url", &server.base]);
    assert_eq!(out.trim(), format!("2 reminders queued for campaign {id}"));
    assert_eq!(
        db.ok(&["remind", "--campaign", &id, "--public-url", &server.base])
            .trim(),
        format!("0 reminders queued for campaign {id}")
    );
    assert_eq!(
        db.ok(&[
            "remind",
            "--campaign",
            &id,
            "--min-days",
            "0",
            "--public-url",
            &server.base
        ])
        .trim(),
        format!("2 reminders queued for campaign {id}")
    );

    let sink = SmtpSink::start();
    send(&db, &sink.url(), false);
    let reminders: Vec<_> = sink
        .messages()
        .into_iter()
        .filter(|m| m.header("Subject").as_deref() == Some("Pengingat: Test"))
        .collect();
    assert_eq!(reminders.len(), 4);
    assert!(
        reminders.iter().all(|m| m.to != ["a@example.org"]),
        "a@ has answered"
    );
    // The reminder's new link works, and so does the first one.
    let new_token = reminders[0].token().expect("link");
    assert!(!tokens.contains(&new_token));
    let (status_new, status_old) = (
        client()
            .get(server.link(&new_token))
            .send()
            .await
            .expect("GET")
            .status(),
        client()
            .get(server.link(&tokens[1]))
            .send()
            .await
            .expect("GET")
            .status(),
    );
    assert_eq!((status_new.as_u16(), status_old.as_u16()), (200, 200));
    db.ok(&["campaign", "close", &id]);
    let err = db.fails(&["remind", "--campaign", &id, "--public-url", &server.base]);
    assert!(err.contains("is closed"), "{err}");
}

/// The units of a campaign's results that have a score: those a unit's rank is out of.
/// The ranked units of a level: a unit's peers.
fn scored_units(results: &serde_json::Value, level: &serde_json::Value) -> usize {
    results["units"].as_array().map_or(0, |units| {
        units
            .iter()
            .filter(|u| u["score"].is_f64() && &u["level"] == level)
            .count()
    })
}

/// A rank range as people read it: "3" or "1–39".
fn rank_range(unit: &serde_json::Value) -> String {
    let (lo, hi) = (&unit["rank_interval"][0], &unit["rank_interval"][1]);
    if lo == hi {
        lo.to_string()
    } else {
        format!("{lo}–{hi}")
    }
}

/// The change column pair, as people read it: "+0.05  0.203" or "-  -".
fn change_cells(unit: &serde_json::Value, decimal: char) -> String {
    let change = &unit["change"];
    if change.is_null() {
        return "-  -".to_owned();
    }
    let difference =
        kinerja::stats::round_half_away(change["difference"].as_f64().unwrap_or(0.0), 2);
    let p = change["p_value"].as_f64().unwrap_or(1.0);
    let p = if p < 0.001 {
        "<0.001".to_owned()
    } else {
        format!("{:.3}", kinerja::stats::round_half_away(p, 3))
    };
    let difference = if difference == 0.0 {
        "0.00".to_owned()
    } else {
        format!("{difference:+.2}")
    };
    format!("{difference}  {p}").replace('.', &decimal.to_string())
}

/// A unit's block in the plain text of the organizers' summary, as `kinerja results --format
/// json` gives its figures: its name, its figures as "label value" pairs (a figure that does
/// not exist left out), then each dimension's mean under its title in `lang`.
fn unit_block(results: &serde_json::Value, unit: &serde_json::Value, lang: &str) -> String {
    let decimal = if lang == "id" { ',' } else { '.' };
    let two = |v: &serde_json::Value| {
        format!(
            "{:.2}",
            kinerja::stats::round_half_away(v.as_f64().unwrap_or(f64::NAN), 2)
        )
        .replace('.', &decimal.to_string())
    };
    let label = |id: &'static str, en: &'static str| if lang == "id" { id } else { en };
    let pad = "  ".repeat(unit["level"].as_u64().unwrap_or(0) as usize);
    let mut facts = vec![
        format!("{} {}", label("Peringkat", "Rank"), unit["rank"]),
        format!(
            "{} {}",
            label("Rentang peringkat", "Rank range"),
            rank_range(unit)
        ),
        format!("n {}", unit["n"]),
        format!("{} {}", label("Skor", "Score"), two(&unit["score"])),
        format!(
            "{} {}–{}",
            label("SK 95%", "95% CI"),
            two(&unit["ci95"][0]),
            two(&unit["ci95"][1])
        ),
    ];
    if let Some((change, p)) = change_cells(unit, decimal).split_once("  ") {
        if change != "-" {
            facts.push(format!("{} {change}", label("Perubahan", "Change")));
            facts.push(format!("p {p}"));
        }
    }
    let mut block = format!(
        "{pad}{} ({})\n{pad}  {}\n",
        unit["name"].as_str().unwrap_or(""),
        unit["code"].as_str().unwrap_or(""),
        facts.join(" · ")
    );
    let titles = results["campaign"]["dimensions"]
        .as_array()
        .expect("dimensions");
    for (title, dimension) in titles
        .iter()
        .zip(unit["dimensions"].as_array().expect("means"))
    {
        let mean = if dimension["mean"].is_null() {
            "-".to_owned()
        } else {
            two(&dimension["mean"])
        };
        block.push_str(&format!(
            "{pad}  {}: {mean}\n",
            title["title"][lang].as_str().unwrap_or("")
        ));
    }
    block
}

#[test]
fn summaries_show_the_figures_of_kinerja_results() {
    let db = TestDb::new();
    db.ok(&["demo"]);
    let heads = db.write("heads.csv", "code,name,parent_code,head_email\nKW-ACEH,Kanwil DJPb Provinsi Aceh,DJPB,kepala.aceh@example.go.id\nKW-PABAR,Kanwil DJPb Provinsi Papua Barat,DJPB,kepala.pabar@example.go.id\n");
    db.ok(&["units", "import", &heads.display().to_string()]);
    let out = db.ok(&[
        "summary",
        "send",
        "--campaign",
        "3",
        "--to",
        "organizer@example.go.id",
        "--unit-heads",
        "--lang",
        "en",
    ]);
    assert_eq!(
        out.trim(),
        "summaries queued for campaign 3: 1 organizer, 2 unit heads"
    );
    let sink = SmtpSink::start();
    assert!(send(&db, &sink.url(), false).starts_with("3 sent"));

    let results = results_json(&db, 3);
    let before = results_json(&db, 2);
    let two = |v: &serde_json::Value| {
        format!(
            "{:.2}",
            kinerja::stats::round_half_away(v.as_f64().unwrap_or(f64::NAN), 2)
        )
    };
    let messages = sink.messages();
    let ranking = messages
        .iter()
        .find(|m| m.to == ["organizer@example.go.id"])
        .expect("ranking")
        .joined()
        .replace("\r\n", "\n");
    // The demo's answers were imported from files, and its 2018 campaign is still open.
    assert!(
        ranking.contains(
            "Status: still open. These figures are not final: answers are released into the results in steps, the rest when the campaign closes.\nResponse rate: none, as no invitations were sent through kinerja.\n"
        ),
        "{ranking}"
    );
    let mut published = 0;
    for unit in results["units"]
        .as_array()
        .expect("units")
        .iter()
        .filter(|u| u["suppressed"] == false)
    {
        assert_eq!(
            unit["dimensions"].as_array().map(Vec::len),
            Some(5),
            "the five SFO principles"
        );
        let block = unit_block(&results, unit, "en");
        assert!(ranking.contains(&block), "missing «{block}» in {ranking}");
        published += 1;
    }
    assert!(published > 50, "{published} units");
    assert!(ranking.contains(
        "    Direktorat Sistem Manajemen Investasi (DJPB-SMI)\n      n 3 · fewer than 5 responses: not shown\n"
    ));
    // Dimensions by title, never by id.
    assert!(
        ranking.contains("  Mobilize change through executive leadership: "),
        "{ranking}"
    );
    assert!(
        !ranking.contains("translate"),
        "no dimension ids: {ranking}"
    );

    let aceh = unit(&results, "KW-ACEH");
    let page = messages
        .iter()
        .find(|m| m.to == ["kepala.aceh@example.go.id"])
        .expect("Aceh's page")
        .joined()
        .replace("\r\n", "\n");
    let ci = format!("{}–{}", two(&aceh["ci95"][0]), two(&aceh["ci95"][1]));
    // Aceh's figures roll up its KPPN; its peers are the ranked units of its level.
    assert!(
        page.contains(&format!(
            "Score {} (95% CI {ci}), n = {}, including the units below it.\nRank {} of {} units at its level; ranks the data support (95%): {}.",
            two(&aceh["score"]),
            aceh["n"],
            aceh["rank"],
            scored_units(&results, &aceh["level"]),
            rank_range(aceh)
        )),
        "{page}"
    );
    let change = kinerja::stats::round_half_away(aceh["score"].as_f64().unwrap_or(0.0), 2)
        - kinerja::stats::round_half_away(
            unit(&before, "KW-ACEH")["score"].as_f64().unwrap_or(0.0),
            2,
        );
    assert_eq!(
        aceh["change"]["campaign"], 2,
        "compared with the 2017 campaign"
    );
    assert!(
        page.contains(&format!("Change since the previous campaign: {change:+.2}")),
        "{page}"
    );
    assert!(
        page.contains("bgcolor=\"#0b5394\""),
        "dimension bars as table cells"
    );
    assert!(!page.contains("<script") && !page.contains("<svg") && !page.contains("<img"));
    let pabar = messages
        .iter()
        .find(|m| m.to == ["kepala.pabar@example.go.id"])
        .expect("Papua Barat's page")
        .joined();
    assert!(
        pabar.contains("Fewer than 5 responses (3): no figures are shown"),
        "{pabar}"
    );
    assert!(!pabar.contains("Score "));
}

#[test]
fn summaries_are_indonesian_unless_asked_otherwise() {
    let db = TestDb::new();
    db.ok(&["demo"]);
    let heads = db.write(
        "heads.csv",
        "code,name,parent_code,head_email\nKW-ACEH,Kanwil DJPb Provinsi Aceh,DJPB,kepala.aceh@example.go.id\n",
    );
    db.ok(&["units", "import", &heads.display().to_string()]);
    // A usage error, like any other bad argument (exit code 2).
    let refused = db.kinerja(&[
        "summary",
        "send",
        "--campaign",
        "3",
        "--to",
        "a@example.go.id",
        "--lang",
        "fr",
    ]);
    let err = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(2), "{err}");
    assert!(
        err.contains("'fr' is not a language: use id or en"),
        "{err}"
    );
    db.ok(&[
        "summary",
        "send",
        "--campaign",
        "3",
        "--to",
        "penyelenggara@example.go.id",
        "--unit-heads",
    ]);
    let sink = SmtpSink::start();
    assert!(send(&db, &sink.url(), false).starts_with("2 sent"));
    let results = results_json(&db, 3);
    // Published precision with the Indonesian decimal comma.
    let two = |v: &serde_json::Value| {
        format!(
            "{:.2}",
            kinerja::stats::round_half_away(v.as_f64().unwrap_or(f64::NAN), 2)
        )
        .replace('.', ",")
    };
    let messages = sink.messages();
    let ranking = messages
        .iter()
        .find(|m| m.to == ["penyelenggara@example.go.id"])
        .expect("ranking");
    assert_eq!(
        ranking.header("Subject").as_deref(),
        Some("Hasil: Survei SFO DJPb 2018")
    );
    let text = ranking.joined().replace("\r\n", "\n");
    assert!(
        text.contains(
            "Status: masih dibuka. Angka ini belum final: jawaban dilepas ke hasil secara bertahap, sisanya saat kampanye ditutup.\nTingkat respons: tidak ada, karena belum ada undangan yang dikirim melalui kinerja.\n"
        ),
        "{text}"
    );
    let first = &results["units"][0];
    let block = unit_block(&results, first, "id");
    assert!(
        block.contains("  Memobilisasi perubahan melalui kepemimpinan eksekutif: "),
        "{block}"
    );
    assert!(text.contains(&block), "missing «{block}» in {text}");
    assert!(text.contains(
        "    Direktorat Sistem Manajemen Investasi (DJPB-SMI)\n      n 3 · kurang dari 5 jawaban: tidak ditampilkan\n"
    ));
    assert!(text.contains("<html lang=\"id\">"), "{text}");

    let aceh = unit(&results, "KW-ACEH");
    let page = messages
        .iter()
        .find(|m| m.to == ["kepala.aceh@example.go.id"])
        .expect("Aceh's page");
    assert_eq!(
        page.header("Subject").as_deref(),
        Some("Hasil unit Anda: Survei SFO DJPb 2018")
    );
    let page = page.joined().replace("\r\n", "\n");
    let sentence = format!(
        "Skor {} (SK 95% {}–{}), n = {}, termasuk unit di bawahnya.\nPeringkat {} dari {} unit setingkat; rentang peringkat yang didukung data (95%): {}.",
        two(&aceh["score"]),
        two(&aceh["ci95"][0]),
        two(&aceh["ci95"][1]),
        aceh["n"],
        aceh["rank"],
        scored_units(&results, &aceh["level"]),
        rank_range(aceh)
    );
    assert!(page.contains(&sentence), "missing «{sentence}» in {page}");
    let leadership = format!(
        "Memobilisasi perubahan melalui kepemimpinan eksekutif: {}",
        two(&aceh["dimensions"][0]["mean"])
    );
    assert!(
        page.contains(&leadership),
        "missing «{leadership}» in {page}"
    );
    assert!(
        page.contains("Perubahan dibanding periode sebelumnya: "),
        "{page}"
    );
}

#[test]
fn summaries_link_to_the_console_when_the_public_address_is_given() {
    let db = TestDb::new();
    db.ok(&["demo"]);
    let heads = db.write(
        "heads.csv",
        "code,name,parent_code,head_email\nKW-ACEH,Kanwil DJPb Provinsi Aceh,DJPB,kepala.aceh@example.go.id\n",
    );
    db.ok(&["units", "import", &heads.display().to_string()]);
    let args = [
        "summary",
        "send",
        "--campaign",
        "3",
        "--to",
        "penyelenggara@example.go.id",
        "--unit-heads",
        "--lang",
        "en",
        "--public-url",
    ];
    // Checked as `invite` checks it, before anything is queued.
    let refused = db.kinerja(&[&args[..], &["survei.example.go.id"]].concat());
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success(), "{err}");
    assert!(
        err.contains("--public-url 'survei.example.go.id' is not a web address"),
        "{err}"
    );
    // A trailing slash is dropped, as for invitation links.
    db.ok(&[&args[..], &["https://survei.example.go.id/kinerja/"]].concat());
    let sink = SmtpSink::start();
    assert!(send(&db, &sink.url(), false).starts_with("2 sent"));
    let messages = sink.messages();
    let text_of = |to: &str| {
        messages
            .iter()
            .find(|m| m.to == [to])
            .map(|m| m.joined().replace("\r\n", "\n"))
            .unwrap_or_else(|| panic!("no message to {to}"))
    };
    let ranking = text_of("penyelenggara@example.go.id");
    let campaign_page = "https://survei.example.go.id/kinerja/console/campaigns/3";
    assert!(
        ranking.contains(&format!(
            "Open in the organizer console (sign-in needed): {campaign_page}\n"
        )),
        "{ranking}"
    );
    assert!(
        ranking.contains(&format!("<a href=\"{campaign_page}\"")),
        "{ranking}"
    );
    // The organizer's message links to the campaign, not to a unit.
    assert!(!ranking.contains("/units/"), "{ranking}");
    let page = text_of("kepala.aceh@example.go.id");
    let unit_page = format!("{campaign_page}/units/KW-ACEH");
    assert!(
        page.contains(&format!(
            "Open in the organizer console (sign-in needed): {unit_page}\n"
        )),
        "{page}"
    );
    assert!(page.contains(&format!("<a href=\"{unit_page}\"")), "{page}");
}

#[test]
fn summaries_without_a_public_address_carry_no_console_link() {
    let db = TestDb::new();
    db.ok(&["demo"]);
    db.ok(&[
        "summary",
        "send",
        "--campaign",
        "3",
        "--to",
        "penyelenggara@example.go.id",
    ]);
    let sink = SmtpSink::start();
    assert!(send(&db, &sink.url(), false).starts_with("1 sent"));
    let text = sink.messages()[0].joined();
    assert!(!text.contains("/console/"), "{text}");
    assert!(!text.contains("konsol"), "{text}");
}

/// An invitation says until when its link works and how long answering takes, comes in the
/// campaign's name from the configured address, and is signed with the campaign's contact,
/// where replies go.
#[test]
fn invitations_give_the_deadline_the_time_and_the_contact() {
    let db = TestDb::new();
    let campaign = db.campaign(
        UNITS,
        CLIMATE,
        &[
            "--closes",
            "2099-12-31",
            "--contact",
            "sekretariat@example.go.id",
        ],
    );
    let file = db.write(
        "people.csv",
        "email,unit,name,lang\nani@example.go.id,A,Ani,id\nbob@example.org,B,,en\n",
    );
    db.ok(&[
        "invite",
        "--campaign",
        &campaign.to_string(),
        "--public-url",
        PUBLIC_URL,
        &file.display().to_string(),
    ]);
    let sink = SmtpSink::start();
    send(&db, &sink.url(), false);
    let messages = sink.messages();
    let of = |to: &str| {
        messages
            .iter()
            .find(|m| m.to == [to])
            .unwrap_or_else(|| panic!("no message to {to}"))
    };
    // The team-climate survey has 5 items: 30 s + 5 x 12 s = 90 s, "about 2 minutes".
    let ani = of("ani@example.go.id");
    let text = ani.joined().replace("\r\n", "\n");
    for expected in [
        "Pengisian memerlukan waktu sekitar 2 menit. Tautan berlaku sampai 31 Desember 2099.\n",
        "Salam,\nPenyelenggara Test\nAda pertanyaan? Balas email ini atau tulis ke sekretariat@example.go.id.\n",
        "Tautan berlaku sampai <strong>31 Desember 2099</strong>.</p>",
        "<a href=\"mailto:sekretariat@example.go.id\"",
        "Tombol tidak berfungsi? Salin tautan ini ke peramban:",
    ] {
        assert!(text.contains(expected), "missing «{expected}» in {text}");
    }
    let bob = of("bob@example.org");
    let text = bob.joined().replace("\r\n", "\n");
    for expected in [
        "It takes about 2 minutes. The link works until 31 December 2099.\n",
        "Kind regards,\nThe organizers of Test\nQuestions? Reply to this email or write to sekretariat@example.go.id.\n",
        "The link works until <strong>31 December 2099</strong>.</p>",
    ] {
        assert!(text.contains(expected), "missing «{expected}» in {text}");
    }
    for message in [ani, bob] {
        assert_eq!(
            message.sender(),
            (
                Some("\"Test via Kinerja DJPb\" <kinerja@example.go.id>".to_owned()),
                Some("sekretariat@example.go.id".to_owned())
            )
        );
    }
}

/// The organizers' summary: whether the campaign is still open (until when), the response rate
/// from the invitations, and the dimensions by their titles in the reader's language.
#[tokio::test]
async fn the_organizers_summary_gives_the_status_the_response_rate_and_dimension_titles() {
    let db = TestDb::new();
    let campaign = survey(&db);
    let tokens = invite(
        &db,
        campaign,
        "a@example.org,A\nb@example.org,A\nc@example.org,B\nd@example.org,C\n",
    );
    let server = Server::start(&db, &["--mail-interval", "0"]);
    for token in &tokens[..3] {
        answer_climate(&server, token).await;
    }
    let id = campaign.to_string();
    let summary = |lang: &str| {
        db.ok(&[
            "summary",
            "send",
            "--campaign",
            &id,
            "--to",
            "org@example.go.id",
            "--lang",
            lang,
        ]);
        let sink = SmtpSink::start();
        send(&db, &sink.url(), false);
        let messages: Vec<_> = sink
            .messages()
            .into_iter()
            .filter(|m| m.to == ["org@example.go.id"])
            .collect();
        assert_eq!(messages.len(), 1);
        messages[0].joined().replace("\r\n", "\n")
    };
    let open_en = summary("en");
    assert!(
        open_en.contains(
            "Status: still open, until 31 December 2099. These figures are not final: answers \
             are released into the results in steps, the rest when the campaign closes.\n\
             Response rate: 3 of 4 invitations answered (75%).\n"
        ),
        "{open_en}"
    );
    let open_id = summary("id");
    assert!(
        open_id.contains("Status: masih dibuka, sampai 31 Desember 2099. Angka ini belum final")
            && open_id.contains("Tingkat respons: 3 dari 4 undangan dijawab (75%).\n"),
        "{open_id}"
    );

    // Closed: the final figures, each unit's dimensions under their titles. A@ and B@ answered
    // for unit A (4, 5, 2 reversed to 4: clarity 4.33; support 4, weighted twice: 4.11), C@ for
    // unit B.
    db.ok(&["campaign", "close", &id]);
    let closed = summary("en");
    assert!(
        closed.contains(
            "Status: closed. These are the final figures.\nResponse rate: 3 of 4 invitations answered (75%).\n"
        ),
        "{closed}"
    );
    for expected in [
        "  Unit A (A)\n    Rank 1 · Rank range 1–2 · n 2 · Score 4.11 · 95% CI 4.11–4.11\n    Clarity: 4.33\n    Support: 4.00\n",
        "<td style=\"padding: 1px 12px 1px 0;\">Clarity</td><td align=\"right\" style=\"white-space: nowrap; vertical-align: top;\">4.33</td>",
    ] {
        assert!(closed.contains(expected), "missing «{expected}» in {closed}");
    }
    assert!(!closed.contains("clarity"), "no dimension ids: {closed}");
    let closed_id = summary("id");
    assert!(
        closed_id.contains("    Kejelasan: 4,33\n    Dukungan: 4,00\n"),
        "{closed_id}"
    );
}

#[test]
fn the_server_delivers_queued_mail_in_the_background() {
    let db = TestDb::new();
    let campaign = survey(&db);
    let sink = SmtpSink::start();
    let _server = Server::start_with_env(
        &db,
        &["--mail-interval", "1"],
        &[("KINERJA_SMTP_URL", &sink.url())],
    );
    invite(&db, campaign, "a@example.org,A\nb@example.org,B\n");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while sink.messages().len() < 2 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(sink.messages().len(), 2);
    assert!(db
        .ok(&["mail", "status"])
        .starts_with("queued 0, sent 2, failed 0"));
}

#[test]
fn failed_attempts_are_retried_five_times_then_fail_with_the_last_error() {
    let db = TestDb::new();
    let campaign = survey(&db);
    invite(&db, campaign, "a@example.org,A\n");
    let url = format!("smtp://127.0.0.1:{}", free_port());
    // `--now` ignores the waits (1 min, 5 min, 30 min, 2 h, 12 h) between attempts.
    for attempt in 1..=5 {
        let out = send(&db, &url, true);
        assert!(
            out.starts_with("0 sent, 0 failed, 1 to retry later"),
            "attempt {attempt}: {out}"
        );
    }
    let out = send(&db, &url, true);
    assert!(
        out.starts_with("0 sent, 1 failed, 0 to retry later"),
        "{out}"
    );
    assert!(
        out.lines().nth(1) == Some("queued 0, sent 0, failed 1"),
        "the outbox counts follow: {out}"
    );
    let status = db.ok(&["mail", "status"]);
    assert_eq!(
        status,
        "queued 0, sent 0, failed 1\nerrors, most frequent first:\n  \
         1 message failed: Connection error: Connection refused (os error 111)\n"
    );
    {
        use diesel::prelude::*;
        use kinerja::db::schema::outbox;
        let attempts: i32 = outbox::table
            .select(outbox::attempts)
            .first(&mut db.conn())
            .expect("the message");
        assert_eq!(attempts, 6);
    }
    // A failed message is never sent again.
    let sink = SmtpSink::start_on(
        url.rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .unwrap_or(0),
    );
    assert!(send(&db, &sink.url(), true).starts_with("0 sent"));
    assert!(sink.messages().is_empty());
}

#[test]
fn a_server_refusing_our_account_keeps_every_message_queued() {
    let db = TestDb::new();
    let campaign = survey(&db);
    invite(&db, campaign, "a@example.org,A\nb@example.org,B\n");
    let sink = SmtpSink::start();
    sink.refuse_sender(true);
    // 530 is a permanent code, but about the account, not the recipients: failing every
    // message for it would empty the outbox over one wrong password.
    let out = send(&db, &sink.url(), false);
    assert!(
        out.starts_with("0 sent, 0 failed, 2 to retry later"),
        "{out}"
    );
    let status = db.ok(&["mail", "status"]);
    assert!(status.starts_with("queued 2, sent 0, failed 0"), "{status}");
    assert!(
        status.contains("530") && status.contains("Authentication required"),
        "{status}"
    );
    sink.refuse_sender(false);
    assert!(send(&db, &sink.url(), true).starts_with("2 sent, 0 failed"));
    assert_eq!(sink.messages().len(), 2);
}

#[test]
fn without_an_smtp_server_messages_become_eml_files() {
    let db = TestDb::new();
    let campaign = survey(&db);
    invite(&db, campaign, "a@example.org,A\nb@example.org,B\n");
    let folder = db.path("mail-out");
    let out = db.ok_with(&["mail", "send"], &[("KINERJA_MAIL_DIR", &folder)]);
    assert!(
        out.starts_with("2 sent, 0 failed, 0 to retry later (via folder"),
        "{out}"
    );
    let files: Vec<String> = std::fs::read_dir(&folder)
        .expect("mail folder")
        .filter_map(|e| e.ok())
        .map(|e| std::fs::read_to_string(e.path()).expect("eml"))
        .collect();
    assert_eq!(files.len(), 2);
    for eml in &files {
        assert!(eml.contains("multipart/alternative"), "{eml}");
        assert!(
            eml.contains("text/plain; charset=utf-8") && eml.contains("text/html; charset=utf-8")
        );
        assert!(eml.contains("Message-ID: <") && eml.contains("@kinerja.local>"));
        assert!(eml.contains("/r/"), "the link is in the file");
    }
    assert_eq!(
        db.ok(&["mail", "status"]).lines().next(),
        Some("queued 0, sent 2, failed 0")
    );
}

#[test]
fn a_bad_address_is_refused_when_queued_and_named() {
    let db = TestDb::new();
    let campaign = survey(&db);
    let mut conn = db.conn();
    let message = kinerja::mail::OutgoingMessage {
        kind: kinerja::mail::MessageKind::Summary,
        campaign_id: Some(kinerja::db::CampaignId(campaign)),
        invitation_id: None,
        to: "kepala at example.go.id".to_owned(),
        subject: "s".to_owned(),
        text: "t".to_owned(),
        html: "<p>t</p>".to_owned(),
    };
    let err = kinerja::mail::enqueue(&mut conn, &message).expect_err("not an address");
    assert!(
        err.to_string()
            .starts_with("'kepala at example.go.id' is not an email address"),
        "{err}"
    );
    assert_eq!(db.count("outbox"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sender_loop_stops_gracefully_between_passes() {
    let db = TestDb::new();
    let campaign = survey(&db);
    invite(&db, campaign, "a@example.org,A\nb@example.org,B\n");
    let sink = SmtpSink::start();
    let url = kinerja::db::DatabaseUrl::parse(&db.url).expect("URL");
    let pool = kinerja::db::Pool::open(&url, 1).expect("pool");
    let mailer = kinerja::mail::Mailer::new("Kinerja <k@example.org>", Some(&sink.url()), "unused")
        .expect("mailer");
    let sender = kinerja::mail::spawn_sender(
        pool,
        std::sync::Arc::new(mailer),
        std::time::Duration::from_secs(3600),
        None,
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while sink.messages().len() < 2 && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(sink.messages().len(), 2);
    // Asleep for an hour, it still stops at once.
    let stopping = std::time::Instant::now();
    tokio::time::timeout(std::time::Duration::from_secs(5), sender.stop())
        .await
        .expect("the sender stops promptly");
    assert!(stopping.elapsed() < std::time::Duration::from_secs(5));
    assert!(db
        .ok(&["mail", "status"])
        .starts_with("queued 0, sent 2, failed 0"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn four_senders_in_one_process_share_the_outbox_without_doubles() {
    let db = TestDb::new();
    let campaign = survey(&db);
    let lines: String = (0..300).map(|i| format!("q{i}@example.org,A\n")).collect();
    invite(&db, campaign, &lines);
    let sink = SmtpSink::start();
    let url = kinerja::db::DatabaseUrl::parse(&db.url).expect("URL");
    // A pool of one connection per sender, as separate instances would have (and no pool
    // still opening connections in the background when the test ends).
    let senders: Vec<_> = (0..4)
        .map(|_| {
            let pool = kinerja::db::Pool::open(&url, 1).expect("pool");
            let mailer =
                kinerja::mail::Mailer::new("Kinerja <k@example.org>", Some(&sink.url()), "unused")
                    .expect("mailer");
            tokio::spawn(async move {
                kinerja::mail::send_due(&pool, std::sync::Arc::new(mailer), false).await
            })
        })
        .collect();
    let mut reports = Vec::new();
    for sender in senders {
        reports.push(sender.await.expect("task").expect("pass"));
    }
    assert!(
        reports.iter().filter(|r| r.sent > 0).count() >= 2,
        "the senders shared the work: {reports:?}"
    );
    assert_eq!(reports.iter().map(|r| r.sent).sum::<usize>(), 300);
    let messages = sink.messages();
    let ids: std::collections::HashSet<String> = messages
        .iter()
        .filter_map(|m| m.header("Message-ID"))
        .collect();
    assert_eq!((messages.len(), ids.len()), (300, 300), "{reports:?}");
}

#[test]
fn summaries_escape_names_in_html_and_draw_bars_without_scripts_or_images() {
    let db = TestDb::new();
    let campaign = db.campaign(
        "code,name,parent_code,head_email\nROOT,Organisation,,\nA,<script>alert(1)</script> & Co,ROOT,head.a@example.org\nB,Unit B,ROOT,\n",
        CLIMATE,
        &["--min-responses", "1"],
    );
    let answers = db.write(
        "answers.csv",
        "unit,clarity-goals,clarity-role,clarity-confused,support-manager,support-tools\nA,4,4,2,3,\nA,5,3,1,4,4\nB,2,2,4,2,2\n",
    );
    db.ok(&[
        "responses",
        "import",
        "--campaign",
        &campaign.to_string(),
        &answers.display().to_string(),
    ]);
    db.ok(&[
        "summary",
        "send",
        "--campaign",
        &campaign.to_string(),
        "--to",
        "org@example.org",
        "--unit-heads",
    ]);
    let sink = SmtpSink::start();
    assert!(send(&db, &sink.url(), false).starts_with("2 sent"));
    for message in sink.messages() {
        let data = message.joined();
        let html = data
            .split("Content-Type: text/html")
            .nth(1)
            .expect("an HTML part");
        assert!(
            html.contains("&#60;script&#62;alert(1)&#60;/script&#62; &#38; Co")
                || html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co"),
            "{html}"
        );
        assert!(!html.contains("<script") && !html.contains("<img") && !html.contains("<svg"));
    }
    let page = sink
        .messages()
        .into_iter()
        .find(|m| m.to == ["head.a@example.org"])
        .expect("the head's page")
        .joined();
    // Clarity (Kejelasan: summaries are Indonesian unless --lang en): respondents' means 4 and
    // 4.33 (the confusing-priorities item reversed, 6 - x), so 4.17 on a 1-5 scale fills
    // (4.17 - 1) / (5 - 1) = 79% of its bar, and the rest 21%.
    assert!(page.contains("Kejelasan: 4,17"), "{page}");
    assert!(
        page.contains("<td width=\"79%\" height=\"14\" bgcolor=\"#0b5394\"")
            && page.contains("<td width=\"21%\" height=\"14\" bgcolor=\"#e3e8ef\""),
        "{page}"
    );
}

/// Every email kind in Indonesian and English, rendered from fixed inputs (links, dates and
/// figures), compared with the reviewed snapshots in tests/snapshots/.
mod snapshots {
    use kinerja::mail::messages::{self, Content, LinkMail};
    use kinerja::results::{
        CampaignInfo, CampaignResults, Change, DimensionResult, Figures, GroupInfo, Suppression,
        TemplateRef, UnitResult,
    };
    use kinerja::template::{Lang, Localized};

    const LANGS: [Lang; 2] = [Lang::Id, Lang::En];

    fn shown(content: &Content) -> String {
        format!(
            "Subject: {}\n\n----- text/plain -----\n{}\n----- text/html -----\n{}",
            content.subject, content.text, content.html
        )
    }

    fn link_mail(lang: Lang) -> LinkMail<'static> {
        LinkMail {
            lang,
            name: Some("Ani Rahayu"),
            campaign_title: "Survei SFO DJPb 2026",
            period: "2026",
            instrument_title: match lang {
                Lang::Id => "Survei Strategy Focused Organization",
                Lang::En => "Strategy Focused Organization survey",
            },
            unit_name: "Kanwil DJPb Provinsi Aceh",
            closes_on: chrono::NaiveDate::from_ymd_opt(2026, 12, 31),
            minutes: 8,
            contact: Some("sekretariat.sfo@example.go.id"),
            checklist: false,
            link: "https://survei.example.go.id/r/q1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h6j7k8l9z0x1c",
        }
    }

    #[test]
    fn invitations() {
        for lang in LANGS {
            let content = messages::invitation(&link_mail(lang)).expect("renders");
            insta::assert_snapshot!(format!("invitation_{}", lang.code()), shown(&content));
        }
    }

    #[test]
    fn invitations_to_an_unnamed_reviewer_without_a_closing_day_or_contact() {
        for lang in LANGS {
            let mail = LinkMail {
                name: None,
                closes_on: None,
                minutes: 1,
                contact: None,
                checklist: true,
                instrument_title: "Reviu Pengelolaan Kinerja",
                ..link_mail(lang)
            };
            let content = messages::invitation(&mail).expect("renders");
            insta::assert_snapshot!(
                format!("invitation_reviewer_{}", lang.code()),
                shown(&content)
            );
        }
    }

    #[test]
    fn reminders() {
        for lang in LANGS {
            let content = messages::reminder(&link_mail(lang)).expect("renders");
            insta::assert_snapshot!(format!("reminder_{}", lang.code()), shown(&content));
        }
    }

    #[test]
    fn password_links() {
        let expires_at = chrono::NaiveDate::from_ymd_opt(2026, 12, 1)
            .and_then(|d| d.and_hms_opt(9, 30, 0))
            .expect("date");
        for lang in LANGS {
            let mail = messages::PasswordSetupMail {
                lang,
                name: Some("Ani <Rahayu>"),
                email: "ani@example.go.id",
                role: kinerja::db::Role::Viewer,
                scope: Some("KW-ACEH"),
                link: "https://survei.example.go.id/console/password/q1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h6j7k8l9z0x1c",
                expires_at,
            };
            let content = messages::password_setup(&mail).expect("renders");
            insta::assert_snapshot!(format!("password_setup_{}", lang.code()), shown(&content));
            // An admin without a name or scope.
            let admin = messages::PasswordSetupMail {
                name: None,
                role: kinerja::db::Role::Admin,
                scope: None,
                ..mail
            };
            let content = messages::password_setup(&admin).expect("renders");
            insta::assert_snapshot!(
                format!("password_setup_admin_{}", lang.code()),
                shown(&content)
            );
        }
    }

    fn dimension(id: &str, mean: Option<f64>) -> DimensionResult {
        DimensionResult {
            id: id.to_owned(),
            n: 12,
            mean,
            sd: mean.map(|_| 0.5),
            ci95: mean.map(|m| [m - 0.3, m + 0.3]),
            alpha: mean.map(|_| 0.8),
            alpha_n: 12,
        }
    }

    /// Three ranked units (the second's name needs escaping in HTML; its second dimension
    /// has no mean) and one under the threshold of 5.
    fn results() -> CampaignResults {
        let unit =
            |code: &str, name: &str, n, score: Option<f64>, rank, means: [Option<f64>; 2]| {
                let suppressed = score.is_none();
                UnitResult {
                    code: code.to_owned(),
                    name: name.to_owned(),
                    parent_code: Some("DJPB".to_owned()),
                    level: 2,
                    figures: Figures {
                        n,
                        suppressed,
                        suppressed_by: suppressed.then_some(Suppression::Threshold),
                        score,
                        sd: score.map(|_| 0.41),
                        ci95: score.map(|s| [s - 0.245, s + 0.2449]),
                        dimensions: if suppressed {
                            Vec::new()
                        } else {
                            vec![
                                dimension("leadership", means[0]),
                                dimension("align", means[1]),
                            ]
                        },
                        overall: Default::default(),
                        items: Default::default(),
                    },
                    rank,
                    rank_in_parent: rank,
                    rank_interval: rank.map(|r| [1, r + 1]),
                    own: None,
                    change: None,
                }
            };
        CampaignResults {
            campaign: CampaignInfo {
                id: kinerja::db::CampaignId(7),
                title: "Survei SFO DJPb 2026".to_owned(),
                period: "2026".to_owned(),
                status: "closed",
                min_responses: 5,
                template: TemplateRef {
                    id: "sfo".to_owned(),
                    version: 2,
                    kind: "survey",
                    title: Localized {
                        id: "Survei SFO".to_owned(),
                        en: "SFO survey".to_owned(),
                    },
                },
                scale: Some([1, 5]),
                dimensions: vec![
                    GroupInfo {
                        id: "leadership".to_owned(),
                        title: Localized {
                            id: "Kepemimpinan".to_owned(),
                            en: "Leadership".to_owned(),
                        },
                        weight: 1.0,
                    },
                    GroupInfo {
                        id: "align".to_owned(),
                        title: Localized {
                            id: "Penyelarasan organisasi".to_owned(),
                            en: "Aligning the organisation".to_owned(),
                        },
                        weight: 1.0,
                    },
                ],
                responses: 38,
                compared_with: None,
            },
            units: vec![
                unit(
                    "KW-ACEH",
                    "Kanwil DJPb Provinsi Aceh",
                    12,
                    Some(4.125),
                    Some(1),
                    [Some(4.25), Some(3.995)],
                ),
                unit(
                    "KW-BALI",
                    "Kanwil <Bali> & \"Nusa\"",
                    15,
                    Some(3.874),
                    Some(2),
                    [Some(3.9), None],
                ),
                unit(
                    "KW-SUMUT",
                    "Kanwil DJPb Provinsi Sumatera Utara",
                    8,
                    Some(3.5),
                    Some(3),
                    [Some(1.0), Some(5.0)],
                ),
                unit(
                    "KW-PABAR",
                    "Kanwil DJPb Provinsi Papua Barat",
                    3,
                    None,
                    None,
                    [None, None],
                ),
            ],
        }
    }

    /// 14 of 20 invitations used; still open until the last day of 2026.
    fn facts() -> messages::CampaignFacts {
        messages::CampaignFacts {
            status: kinerja::db::CampaignStatus::Open,
            closes_on: chrono::NaiveDate::from_ymd_opt(2026, 12, 31),
            invited: 20,
            submitted: 14,
        }
    }

    const CAMPAIGN_PAGE: &str = "https://survei.example.go.id/console/campaigns/7";
    const UNIT_PAGE: &str = "https://survei.example.go.id/console/campaigns/7/units/KW-ACEH";

    #[test]
    fn organizer_rankings() {
        let results = results();
        for lang in LANGS {
            let content =
                messages::ranking(&results, &facts(), lang, Some(CAMPAIGN_PAGE)).expect("renders");
            insta::assert_snapshot!(format!("ranking_{}", lang.code()), shown(&content));
        }
    }

    #[test]
    fn organizer_rankings_say_why_a_unit_is_withheld() {
        let mut results = results();
        let unit = &mut results.units[2];
        unit.figures.suppressed = true;
        unit.figures.suppressed_by = Some(Suppression::Complement);
        unit.figures.score = None;
        unit.rank = None;
        let content = messages::ranking(&results, &facts(), Lang::En, None).expect("renders");
        assert!(
            content.text.contains(
                "Kanwil DJPb Provinsi Sumatera Utara (KW-SUMUT)\n  n 8 · withheld: with other figures it would reveal a group under 5\n\n"
            ),
            "{}",
            content.text
        );
        assert!(content
            .text
            .contains("(KW-PABAR)\n  n 3 · fewer than 5 responses: not shown\n\n"));
        let content = messages::ranking(&results, &facts(), Lang::Id, None).expect("renders");
        assert!(content.html.contains(
            "disembunyikan: bersama angka lain akan membuka kelompok kurang dari 5 orang"
        ));
    }

    #[test]
    fn unit_head_pages() {
        let mut results = results();
        results.campaign.compared_with = Some(kinerja::db::CampaignId(3));
        results.units[0].change = Some(Change {
            campaign: kinerja::db::CampaignId(3),
            previous_score: 4.0449,
            difference: 4.125 - 4.0449,
            ci95: [0.0032, 0.157],
            p_value: 0.0412,
            hedges_g: Some(0.21),
            significant: true,
        });
        for lang in LANGS {
            let content = messages::unit_page(&results, &results.units[0], lang, Some(UNIT_PAGE))
                .expect("renders");
            insta::assert_snapshot!(format!("unit_{}", lang.code()), shown(&content));
        }
    }

    #[test]
    fn unit_head_pages_of_a_suppressed_unit() {
        let results = results();
        for lang in LANGS {
            let content =
                messages::unit_page(&results, &results.units[3], lang, None).expect("renders");
            insta::assert_snapshot!(format!("unit_suppressed_{}", lang.code()), shown(&content));
        }
    }

    #[test]
    fn unit_head_pages_of_a_unit_withheld_by_complementary_suppression() {
        let mut results = results();
        let unit = &mut results.units[2];
        unit.figures = Figures {
            suppressed: true,
            suppressed_by: Some(Suppression::Complement),
            score: None,
            sd: None,
            ci95: None,
            dimensions: Vec::new(),
            ..unit.figures.clone()
        };
        unit.rank = None;
        for lang in LANGS {
            let content =
                messages::unit_page(&results, &results.units[2], lang, None).expect("renders");
            let shown = shown(&content);
            insta::assert_snapshot!(format!("unit_complement_{}", lang.code()), shown);
        }
    }
}

/// Issue 11, row 9: `mail send` killed mid-group. Each delivery is recorded as it completes,
/// so the deliveries that ended before the kill are not repeated after it (recording per group
/// sent all three again: the group was still waiting on its hung messages).
#[test]
fn a_killed_sender_repeats_no_delivery_that_had_ended() {
    let db = TestDb::new();
    let campaign = survey(&db).to_string();
    let mut people = String::from("email,unit\n");
    for i in 0..10 {
        people.push_str(&format!("p{i}@example.go.id,A\n"));
    }
    let file = db.write("people.csv", &people);
    db.ok(&[
        "invite",
        "--campaign",
        &campaign,
        "--public-url",
        "https://survei.example.go.id",
        &file.display().to_string(),
    ]);
    let sink = SmtpSink::start();
    sink.hold_after(3);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_kinerja"))
        .args(["--database-url", &db.url, "mail", "send"])
        .current_dir(db.dir.path())
        .env("KINERJA_SMTP_URL", sink.url())
        .env("KINERJA_MAIL_FROM", "Kinerja <kinerja@example.go.id>")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start mail send");
    // The three accepted deliveries are recorded while the other seven hang.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let sent = || {
        db.ok(&["mail", "status"])
            .lines()
            .next()
            .unwrap_or("")
            .to_owned()
    };
    while sent() != "queued 7, sent 3, failed 0" {
        assert!(
            std::time::Instant::now() < deadline,
            "the accepted deliveries were not recorded: {}",
            sent()
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    child.kill().expect("kill -9");
    let _ = child.wait();
    drop(sink);
    // The hung messages' lease would keep them for five minutes; end it as time would.
    {
        use diesel::prelude::*;
        use kinerja::db::schema::outbox::dsl::*;
        let mut conn = db.conn();
        diesel::update(outbox)
            .set(locked_until.eq(None::<chrono::NaiveDateTime>))
            .execute(&mut conn)
            .expect("end the lease");
    }
    let again = SmtpSink::start();
    let out = send(&db, &again.url(), false);
    assert!(out.starts_with("7 sent, 0 failed"), "{out}");
    let mut everyone: Vec<String> = again.messages().iter().flat_map(|m| m.to.clone()).collect();
    everyone.sort();
    assert_eq!(
        everyone.len(),
        7,
        "nobody who had their message gets it twice"
    );
}
