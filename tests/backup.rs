//! `kinerja backup FILE`: a copy that gives the same results with the same key, and never
//! overwrites a file.

mod common;

use std::process::Command;

use common::{results_json, TestDb};

/// `results --campaign 3 --format json` on another database, with the original's key file.
fn results_of(database_url: &str, key_file: &str) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_kinerja"))
        .args(["--database-url", database_url])
        .args(["results", "--campaign", "3", "--format", "json"])
        .env_remove("DATABASE_URL")
        .env_remove("KINERJA_SECRET_KEY")
        .env("KINERJA_SECRET_KEY_FILE", key_file)
        .output()
        .expect("run kinerja");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "results on the copy failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("results JSON: {e}\n{text}"))
}

#[test]
fn a_backup_gives_the_same_results_and_never_overwrites_a_file() {
    use std::os::unix::fs::PermissionsExt as _;

    let db = TestDb::new();
    db.ok(&["demo"]);
    // Closing makes the server key (the first command that needs it does) and releases
    // everything pending.
    db.ok(&["campaign", "close", "3"]);
    let original = results_json(&db, 3);
    assert!(
        original["units"].as_array().is_some_and(|u| !u.is_empty()),
        "{original}"
    );
    let backup = db.path("backup.copy");
    // The key file the commands of this test directory use (see secret::KeySource).
    let key_file = if db.is_postgres() {
        db.path("kinerja.key")
    } else {
        format!("{}.key", db.url.trim_start_matches("sqlite://"))
    };
    assert!(std::path::Path::new(&key_file).is_file(), "{key_file}");

    let out = db.ok(&["backup", &backup]);
    let key_line = out
        .lines()
        .find(|l| l.starts_with("key: "))
        .unwrap_or_else(|| panic!("no key note:\n{out}"));
    let canonical_key = std::fs::canonicalize(&key_file).expect("key path");
    assert!(
        key_line.contains(&canonical_key.display().to_string()),
        "{key_line}"
    );
    let mode = std::fs::metadata(&backup)
        .expect("backup")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);

    let copy = if db.is_postgres() {
        let bytes = std::fs::read(&backup).expect("backup");
        assert!(bytes.starts_with(b"PGDMP"), "a pg_dump custom archive");
        // Restored into a fresh database, it gives the same results.
        let restored = TestDb::new();
        let status = Command::new("pg_restore")
            .args(["--no-owner", "--dbname", &restored.url, &backup])
            .status()
            .expect("run pg_restore");
        assert!(status.success());
        results_of(&restored.url, &key_file)
    } else {
        results_of(&format!("sqlite://{backup}"), &key_file)
    };
    assert_eq!(copy, original);

    // Never onto an existing file: it fails and the file is left as it was.
    let kept = db.write("kept.txt", "not a database\n");
    let error = db.fails(&["backup", &kept.display().to_string()]);
    assert!(error.contains("already exists"), "{error}");
    assert_eq!(
        std::fs::read_to_string(&kept).expect("kept"),
        "not a database\n"
    );
    let before = std::fs::read(&backup).expect("backup");
    db.fails(&["backup", &backup]);
    assert_eq!(std::fs::read(&backup).expect("backup"), before);
}
