//! Mail sender throughput: `cargo bench --bench mail`. Queues N invitation emails (default
//! 5,000, `KINERJA_BENCH_MESSAGES`) through `kinerja invite`, then times one `kinerja mail
//! send` pass into an SMTP server on loopback (the tests' sink), on SQLite, and on PostgreSQL
//! when `KINERJA_BENCH_PG_URL` (a server URL ending in /DATABASE) is set.
//! `KINERJA_SMTP_CONNECTIONS` (default 32) is passed on to the sender.

// The bench uses part of the tests' SMTP sink.
#[allow(dead_code)]
#[path = "../tests/common/smtp.rs"]
mod smtp;

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use diesel::prelude::*;

const CLIMATE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/team-climate.toml"
);

fn kinerja(url: &str, args: &[&str], env: &[(&str, &str)]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_kinerja"))
        .arg("--database-url")
        .arg(url)
        .args(args)
        .envs(env.iter().copied())
        .output()
        .expect("run kinerja");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn main() {
    let n: usize = std::env::var("KINERJA_BENCH_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5_000);
    let connections =
        std::env::var("KINERJA_SMTP_CONNECTIONS").unwrap_or_else(|_| "32 (default)".to_owned());
    println!("{n} messages, {connections} SMTP connections");
    let dir = tempfile::tempdir().expect("temporary directory");
    let url = format!("sqlite://{}", dir.path().join("mail.db").display());
    bench("sqlite", &url, dir.path(), n);
    if let Some(server) = std::env::var("KINERJA_BENCH_PG_URL")
        .ok()
        .filter(|u| !u.is_empty())
    {
        let name = format!("kinerja_mail_bench_{}", std::process::id());
        let mut admin = PgConnection::establish(&server).expect("PostgreSQL server");
        diesel::sql_query(format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .expect("create database");
        let (base, _) = server.rsplit_once('/').expect("URL ends in /DATABASE");
        bench("postgres", &format!("{base}/{name}"), dir.path(), n);
        diesel::sql_query(format!("DROP DATABASE {name} WITH (FORCE)"))
            .execute(&mut admin)
            .expect("drop database");
    }
}

fn bench(backend: &str, url: &str, dir: &Path, n: usize) {
    let url = url.to_owned();
    let units = dir.join("units.csv");
    std::fs::write(&units, "code,name,parent_code\nA,Unit A,\n").expect("units");
    kinerja(
        &url,
        &["units", "import", &units.display().to_string()],
        &[],
    );
    kinerja(&url, &["template", "import", CLIMATE], &[]);
    let created = kinerja(
        &url,
        &[
            "campaign",
            "create",
            "--template",
            "team-climate",
            "--period",
            "b",
            "--title",
            "Bench",
        ],
        &[],
    );
    let campaign = created.lines().last().unwrap_or("1").trim().to_owned();
    let people: String = std::iter::once("email,unit\n".to_owned())
        .chain((0..n).map(|i| format!("person{i}@example.org,A\n")))
        .collect();
    let file = dir.join("people.csv");
    std::fs::write(&file, people).expect("people");
    let started = Instant::now();
    kinerja(
        &url,
        &[
            "invite",
            "--campaign",
            &campaign,
            "--public-url",
            "https://survei.example.go.id",
            &file.display().to_string(),
        ],
        &[],
    );
    let queued = started.elapsed();
    let sink = smtp::SmtpSink::start();
    let started = Instant::now();
    let out = kinerja(
        &url,
        &["mail", "send"],
        &[("KINERJA_SMTP_URL", &sink.url())],
    );
    let elapsed = started.elapsed().as_secs_f64();
    assert_eq!(sink.messages().len(), n, "{out}");
    println!(
        "{backend}: queued {n} invitations (links + emails) in {:.2} s",
        queued.as_secs_f64()
    );
    println!(
        "{backend}: delivered {n} messages to a loopback SMTP server in {elapsed:.2} s: {:.0} messages/s",
        n as f64 / elapsed
    );
}
