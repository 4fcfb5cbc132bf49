//! The command line itself: commands that make links need the public address, and every
//! command ends quietly when its reader goes away.

mod common;

use std::process::{Command, Output, Stdio};

use common::{TestDb, SFO, UNITS};

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
        format!("1 reminders queued for campaign {campaign}")
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
