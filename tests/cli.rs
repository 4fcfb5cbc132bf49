//! The command line itself: commands that make links need the public address, and every
//! command ends quietly when its reader goes away.

mod common;

use std::process::{Command, Output, Stdio};

use common::smtp::SmtpSink;
use common::{TestDb, CLIMATE, PUBLIC_URL, SFO, UNITS};

/// Runs kinerja with its standard output (and, if `close_stderr`, its standard error) a pipe
/// whose reading end is closed before the process starts, so its first write fails with EPIPE.
fn with_closed_pipe(db: &TestDb, args: &[&str], close_stderr: bool) -> Output {
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    let stderr = if close_stderr {
        Stdio::from(writer.try_clone().expect("pipe"))
    } else {
        Stdio::piped()
    };
    Command::new(env!("CARGO_BIN_EXE_kinerja"))
        .arg("--database-url")
        .arg(&db.url)
        .args(args)
        .current_dir(db.dir.path())
        .env_remove("DATABASE_URL")
        .env_remove("KINERJA_PUBLIC_URL")
        .stdout(Stdio::from(writer))
        .stderr(stderr)
        .output()
        .expect("run kinerja")
}

#[test]
fn every_command_ends_quietly_when_its_reader_goes_away() {
    let db = TestDb::new();
    db.ok(&["demo"]);
    let people = db.write("people.csv", "email,unit\nani@example.go.id,KW-ACEH\n");
    let people = people.display().to_string();
    let commands: [&[&str]; 15] = [
        &["units", "list"],
        &["template", "list"],
        &["template", "validate", SFO],
        &["campaign", "list"],
        &["campaign", "progress", "1"],
        &["campaign", "progress", "1", "--format", "json"],
        &["results", "--campaign", "1"],
        &["results", "--campaign", "1", "--format", "csv"],
        &["results", "--campaign", "1", "--format", "json"],
        &["mail", "status"],
        &["migrate"],
        &["organizer", "list"],
        &["token", "list"],
        &["audit"],
        &[
            "invite",
            "--campaign",
            "3",
            "--no-email",
            "--public-url",
            "https://survei.example.go.id",
            &people,
        ],
    ];
    for args in commands {
        let out = with_closed_pipe(&db, args, false);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() && !stderr.contains("panicked"),
            "kinerja {args:?} into a closed pipe: {}\n{stderr}",
            out.status
        );
    }
    // Standard error closed as well (`2>&1 | head -1`): nothing to say, nowhere to say it.
    let bad = db.write("bad.toml", "id = \"bad\"\n");
    let out = with_closed_pipe(
        &db,
        &["template", "validate", &bad.display().to_string()],
        true,
    );
    assert_eq!(out.status.code(), Some(0), "{}", out.status);
}

#[test]
fn the_error_of_a_command_is_not_hidden_by_a_closed_pipe() {
    let db = TestDb::new();
    let out = with_closed_pipe(&db, &["results", "--campaign", "7"], false);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with("error: "), "{stderr}");
}

#[test]
fn invite_and_remind_need_the_public_url() {
    let db = TestDb::new();
    let campaign = db.campaign(UNITS, SFO, &[]).to_string();
    let people = db.write("people.csv", "email,unit\nani@example.go.id,A\n");
    let people = people.display().to_string();
    for args in [
        vec!["invite", "--campaign", &campaign, &people],
        // Printed links are handed out just like mailed ones.
        vec!["invite", "--campaign", &campaign, "--no-email", &people],
        vec!["remind", "--campaign", &campaign],
    ] {
        let err = db.fails(&args);
        assert!(
            err.contains("needs --public-url (or KINERJA_PUBLIC_URL)"),
            "kinerja {args:?}: {err}"
        );
    }
    for bad in [
        "localhost:8080",
        "https://",
        "https://x.example/?a=1",
        "ftp://x.example",
    ] {
        let err = db.fails(&[
            "invite",
            "--campaign",
            &campaign,
            "--public-url",
            bad,
            &people,
        ]);
        assert!(err.contains("is not a web address"), "{bad}: {err}");
    }
    assert_eq!(db.count("invitations"), 0);
    assert_eq!(db.count("outbox"), 0);

    // From the environment, with the trailing slash dropped.
    let out = db.ok_with(
        &["invite", "--campaign", &campaign, &people],
        &[(
            "KINERJA_PUBLIC_URL",
            "https://survei.example.go.id/kinerja/",
        )],
    );
    assert!(
        out.contains("\thttps://survei.example.go.id/kinerja/r/"),
        "{out}"
    );
    assert_eq!(db.count("outbox"), 1);
    let out = db.ok_with(
        &["remind", "--campaign", &campaign, "--min-days", "0"],
        &[("KINERJA_PUBLIC_URL", "https://survei.example.go.id")],
    );
    assert_eq!(
        out.trim(),
        format!("1 reminder queued for campaign {campaign}")
    );
}

/// Issue 11, row 6: whatever the caller's umask, the database, its key, the outbox folder and
/// its messages (which hold live links) are readable by their owner only.
#[test]
fn files_kinerja_creates_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("temporary folder");
    let url = format!("sqlite://{}", dir.path().join("k.db").display());
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_kinerja"))
            .arg("--database-url")
            .arg(&url)
            .args(args)
            .current_dir(dir.path())
            .env_remove("DATABASE_URL")
            .env_remove("KINERJA_SMTP_URL")
            .env_remove("KINERJA_MAIL_DIR")
            .env_remove("KINERJA_SECRET_KEY")
            .env_remove("KINERJA_SECRET_KEY_FILE")
            .output()
            .expect("run kinerja");
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(&["demo"]);
    let people = dir.path().join("people.csv");
    std::fs::write(&people, "email,unit\nsiti@example.go.id,KW-ACEH\n").expect("write");
    run(&[
        "invite",
        "--campaign",
        "3",
        "--public-url",
        "https://survei.example.go.id",
        &people.display().to_string(),
    ]);
    run(&["mail", "send"]);
    // Closing a campaign reads the server key, creating it beside the database.
    run(&["campaign", "close", "1"]);
    let mode = |path: &std::path::Path| {
        std::fs::metadata(path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode(&dir.path().join("k.db")), 0o600);
    assert_eq!(mode(&dir.path().join("k.db.key")), 0o600);
    let outbox = dir.path().join("outbox");
    assert_eq!(mode(&outbox), 0o700);
    let messages: Vec<_> = std::fs::read_dir(&outbox)
        .expect("outbox")
        .filter_map(Result::ok)
        .collect();
    assert_eq!(messages.len(), 1);
    assert_eq!(mode(&messages[0].path()), 0o600);
}

/// Issue 11, row 7: a PostgreSQL password never appears in a message, whether it is in the
/// userinfo or a `password=` query value, and however libpq words its error.
#[test]
fn database_passwords_are_never_printed() {
    for url in [
        "postgres://u:S3cretPw@127.0.0.1:1/x",
        "postgres://u@127.0.0.1:1/x?sslmode=disable&password=S3cretPw",
        "postgres://u:S3cretPw@[broken/x",
        "postgres://u:S3cretPw@127.0.0.1:1/x?bogus=1",
        "mysql://u:S3cretPw@127.0.0.1/x",
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_kinerja"))
            .args(["--database-url", url, "migrate"])
            .env_remove("DATABASE_URL")
            .output()
            .expect("run kinerja");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{url}: {err}");
        assert!(!err.contains("S3cretPw"), "{url}: {err}");
        assert!(
            err.contains("***"),
            "{url}: the URL is still shown, masked: {err}"
        );
    }
}

fn stderr_of(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Issue 12: "1 link issued", not "1 links"; and a title that holds the period is not
/// followed by it again ("Iklim 2026", not "Iklim 2026 (2026)").
#[test]
fn one_thing_is_counted_in_the_singular_and_the_period_is_named_once() {
    let db = TestDb::new();
    let units = db.write(
        "units.csv",
        "code,name,parent_code,head_email\nA,Unit A,,kepala@example.go.id\n",
    );
    let units = units.display().to_string();
    assert_eq!(
        db.ok(&["units", "import", &units]),
        format!("{units}: 1 unit created, 0 updated, 0 unchanged\n")
    );
    let bad = db.write("bad.toml", "id = \"bad\"\n");
    let err = db.fails(&["template", "validate", &bad.display().to_string()]);
    assert!(
        err.ends_with("error: 1 of 1 template file has errors\n"),
        "{err}"
    );
    db.ok(&["template", "import", CLIMATE]);
    let create = |title: &str, period: &str| {
        db.ok(&[
            "campaign",
            "create",
            "--template",
            "team-climate",
            "--period",
            period,
            "--title",
            title,
            "--min-responses",
            "1",
        ])
    };
    assert_eq!(
        create("Iklim 2026", "2026"),
        "created campaign 1 'Iklim 2026', 1 unit, min responses 1, open\n1\n"
    );
    assert_eq!(
        create("Iklim", "2027"),
        "created campaign 2 'Iklim (2027)', 1 unit, min responses 1, open\n2\n"
    );
    let people = db.write("people.csv", "email,unit\nani@example.go.id,A\n");
    let people = people.display().to_string();
    let invited = db.kinerja(&[
        "invite",
        "--campaign",
        "1",
        "--public-url",
        PUBLIC_URL,
        &people,
    ]);
    assert_eq!(
        stderr_of(&invited),
        format!(
            "{people}: 1 link issued for campaign 1; invitation emails queued (`kinerja mail \
             send` or a running `kinerja serve` delivers them)\n"
        )
    );
    assert_eq!(
        db.ok(&[
            "remind",
            "--campaign",
            "1",
            "--min-days",
            "0",
            "--public-url",
            PUBLIC_URL
        ]),
        "1 reminder queued for campaign 1\n"
    );
    let answers = db.write(
        "answers.csv",
        "unit,clarity-goals,clarity-role,clarity-confused,support-manager\nA,4,4,2,4\n",
    );
    let answers = answers.display().to_string();
    assert_eq!(
        db.ok(&["responses", "import", "--campaign", "1", &answers]),
        format!("{answers}: 1 response stored in campaign 1\n")
    );
    let table = db.ok(&["results", "--campaign", "1"]);
    assert_eq!(
        table.lines().next(),
        Some("Campaign 1 — Iklim 2026, template team-climate v1, open; 1 response")
    );
    assert_eq!(
        db.ok(&[
            "summary",
            "send",
            "--campaign",
            "1",
            "--to",
            "org@example.go.id",
            "--unit-heads"
        ]),
        "summaries queued for campaign 1: 1 organizer, 1 unit head\n"
    );
    assert_eq!(db.count("outbox"), 4, "invitation, reminder, two summaries");
}

/// Issue 12: `units list` shows each unit's head, and a unit-head summary that finds none
/// says so and how to record one.
#[test]
fn unit_heads_are_listed_and_a_run_without_any_says_how_to_add_one() {
    let db = TestDb::new();
    let campaign = db.campaign(UNITS, CLIMATE, &["--min-responses", "1"]);
    let campaign = campaign.to_string();
    let no_heads = format!(
        "no unit of campaign {campaign} has a head_email, so no unit head was sent a summary; to \
         add heads, give the units CSV a head_email column (code,name,parent_code,head_email) \
         and run `kinerja units import FILE.csv`"
    );
    let heads_only = ["summary", "send", "--campaign", &campaign, "--unit-heads"];
    assert_eq!(
        db.fails(&heads_only),
        format!("error: {no_heads}; nothing was queued\n")
    );
    assert_eq!(db.count("outbox"), 0);
    let with_organizer = db.kinerja(&[
        "summary",
        "send",
        "--campaign",
        &campaign,
        "--unit-heads",
        "--to",
        "org@example.go.id",
    ]);
    assert!(with_organizer.status.success());
    assert_eq!(
        String::from_utf8_lossy(&with_organizer.stdout),
        format!("summaries queued for campaign {campaign}: 1 organizer, 0 unit heads\n")
    );
    assert_eq!(stderr_of(&with_organizer), format!("{no_heads}\n"));
    assert_eq!(db.count("outbox"), 1);

    let heads = db.write(
        "heads.csv",
        "code,name,parent_code,head_email\nA,Unit A,ROOT,kepala.a@example.go.id\nC,Unit C,ROOT,kepala.c@example.go.id\n",
    );
    db.ok(&["units", "import", &heads.display().to_string()]);
    assert_eq!(
        db.ok(&["units", "list"]),
        "ROOT  Organisation\n  A  Unit A  (head: kepala.a@example.go.id)\n  B  Unit B\n  C  Unit C  \
         (head: kepala.c@example.go.id)\n"
    );
    assert_eq!(
        db.ok(&heads_only),
        format!("summaries queued for campaign {campaign}: 0 organizers, 2 unit heads\n")
    );
    assert_eq!(db.count("outbox"), 3);
}

/// Issue 12: `mail status` groups undelivered messages by error, most frequent first, each
/// error said once, even one stored before the sender stopped repeating a cause.
#[test]
fn mail_status_groups_failures_by_error() {
    use diesel::prelude::*;
    use kinerja::db::schema::outbox;
    let db = TestDb::new();
    let campaign = db
        .campaign(UNITS, CLIMATE, &["--min-responses", "1"])
        .to_string();
    let people = db.write(
        "people.csv",
        "email,unit\na@example.org,A\nx1@example.org,A\nx2@example.org,B\nx3@example.org,C\n",
    );
    let invite = |file: &std::path::Path| {
        db.ok(&[
            "invite",
            "--campaign",
            &campaign,
            "--public-url",
            PUBLIC_URL,
            &file.display().to_string(),
        ])
    };
    invite(&people);
    let sink = SmtpSink::start();
    for address in ["x1@example.org", "x2@example.org", "x3@example.org"] {
        sink.reject(address);
    }
    let send = || {
        db.ok_with(
            &["mail", "send"],
            &[
                ("KINERJA_SMTP_URL", sink.url().as_str()),
                ("KINERJA_MAIL_FROM", "Kinerja <kinerja@example.go.id>"),
            ],
        )
    };
    assert!(send().starts_with("1 sent, 3 failed, 0 to retry later"));
    // Two more, while the server refuses the sender: they wait for another attempt.
    let more = db.write("more.csv", "email,unit\nb@example.org,B\nc@example.org,C\n");
    invite(&more);
    sink.refuse_sender(true);
    assert!(send().starts_with("0 sent, 0 failed, 2 to retry later"));
    // A message stored by the sender before it stopped repeating the cause.
    let mut conn = db.conn();
    let repeated = "permanent error (550): 5.1.1 no such user here: 5.1.1 no such user here";
    diesel::update(outbox::table.filter(outbox::recipient.eq("x3@example.org")))
        .set(outbox::last_error.eq(repeated))
        .execute(&mut conn)
        .expect("an old error");
    let next: chrono::NaiveDateTime = outbox::table
        .filter(outbox::status.eq("queued"))
        .select(diesel::dsl::min(outbox::next_attempt_at))
        .first::<Option<chrono::NaiveDateTime>>(&mut conn)
        .expect("next attempt")
        .expect("a waiting message");
    assert_eq!(
        db.ok(&["mail", "status"]),
        format!(
            "queued 2, sent 1, failed 3\n\
             errors, most frequent first:\n  \
             3 messages failed: permanent error (550): 5.1.1 no such user here\n  \
             2 messages waiting, next attempt {} UTC: permanent error (530): 5.7.0 \
             Authentication required\n",
            next.format("%Y-%m-%d %H:%M")
        )
    );
    // --messages lists them one by one, to correct the refused addresses.
    let listed = db.ok(&["mail", "status", "--messages"]);
    let messages: Vec<&str> = listed
        .lines()
        .skip_while(|l| *l != "undelivered messages:")
        .skip(1)
        .collect();
    assert_eq!(messages.len(), 5, "{listed}");
    let x3 = messages
        .iter()
        .find(|l| l.starts_with("  #4 x3@example.org '"))
        .expect("x3's message");
    assert!(
        x3.ends_with("' after 1 attempt, failed: permanent error (550): 5.1.1 no such user here"),
        "{x3}"
    );
    assert_eq!(
        db.ok(&["mail", "status", "--campaign", "999"]),
        "queued 0, sent 0, failed 0\n"
    );
}

/// Issue 12: people read a CI clipped to the scale, with a mark and its footnote; the JSON
/// keeps the exact interval.
#[test]
fn intervals_are_clipped_to_the_scale_for_people_and_exact_in_json() {
    let db = TestDb::new();
    let campaign = db
        .campaign(UNITS, CLIMATE, &["--min-responses", "2"])
        .to_string();
    db.responses(&campaign, common::TOP_HEAVY);
    // A's respondents: clarity 5, 5 and 14/3, support (weight 2) 5, 4 and 5.
    let scores = [5.0, 13.0 / 3.0, (14.0 / 3.0 + 10.0) / 3.0];
    let mean = scores.iter().sum::<f64>() / 3.0;
    let sd = (scores.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / 2.0).sqrt();
    // Student's t, 2 degrees of freedom, 97.5%.
    let half = 4.302_652_729_911_275 * sd / 3f64.sqrt();
    let json = common::results_json(&db, &campaign);
    let ci = &common::unit(&json, "A")["ci95"];
    let (lo, hi) = (ci[0].as_f64().expect("low"), ci[1].as_f64().expect("high"));
    assert!((lo - (mean - half)).abs() < 1e-9, "{lo}");
    assert!((hi - (mean + half)).abs() < 1e-9, "{hi}");
    assert!(hi > 5.0, "the exact interval reaches past the scale: {hi}");
    let csv = db.ok(&["results", "--campaign", &campaign, "--format", "csv"]);
    assert!(csv.contains(&format!(",{lo},{hi},")), "{csv}");

    // The unit head's email and the organizers' ranking print it as the table does.
    let heads = db.write(
        "heads.csv",
        "code,name,parent_code,head_email\nA,Unit A,ROOT,kepala.a@example.go.id\n",
    );
    db.ok(&["units", "import", &heads.display().to_string()]);
    db.ok(&[
        "summary",
        "send",
        "--campaign",
        &campaign,
        "--unit-heads",
        "--to",
        "org@example.go.id",
        "--lang",
        "en",
    ]);
    let body_to = |recipient: &str| -> String {
        use diesel::prelude::*;
        use kinerja::db::schema::outbox;
        outbox::table
            .filter(outbox::recipient.eq(recipient))
            .select(outbox::body_text)
            .first::<Option<String>>(&mut db.conn())
            .expect("the summary")
            .expect("its text")
    };
    let note = "* 95% CI bound clipped to the scale; JSON and CSV hold the exact interval.";
    let head = body_to("kepala.a@example.go.id");
    assert!(
        head.contains("Score 4.74 (95% CI 3.85–5.00*), n = 3."),
        "{head}"
    );
    assert!(head.contains(note), "{head}");
    let ranking = body_to("org@example.go.id");
    assert!(ranking.contains("3.85–5.00*"), "{ranking}");
    assert!(ranking.contains(note), "{ranking}");

    assert_eq!(
        db.ok(&["results", "--campaign", &campaign]),
        format!(
            "Campaign {campaign} — Test (2026), template team-climate v1, open; 7 responses; \
             units with n < 2 are suppressed\n\
             Rank  Rank range  Unit                 n       Score      95% CI  Change  p  clarity  support\n\
             \x20  1           1  Organisation (ROOT)  7        3.78   2.85–4.70       -  -     3.90     3.71\n\
             \x20  1           1    Unit A (A)         3        4.74  3.85–5.00*       -  -     4.89     4.67\n\
             \x20  2           2    Unit B (B)         4        3.06   2.18–3.93       -  -     3.17     3.00\n\
             \x20  -                Unit C (C)         0  suppressed\n\
             * 95% CI bound clipped to the scale; JSON and CSV hold the exact interval.\n"
        )
    );
}
