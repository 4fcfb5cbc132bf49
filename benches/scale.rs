//! The million-response benchmark: `cargo bench --bench scale`.
//!
//! Builds a campaign of N survey responses (default 1,000,000) × 25 items (the SFO template)
//! over 200 units in a 4-level tree (1 root, 4, 20, 175; every unit has respondents of its
//! own), then times the release binary's `responses import` and `results`, reading each
//! process's peak memory (ru_maxrss) from wait4. `results` is timed as published: roll-ups of
//! the tree, suppression, ranks per level with rank intervals, and the change against the
//! previous period, an earlier campaign of another N responses (issue 9's target: <= 1.5 s on
//! SQLite, <= 2.5 s on PostgreSQL); and without the comparison. A third campaign with a quarter
//! of the responses shows how `results` scales. SQLite always; PostgreSQL too when
//! `KINERJA_BENCH_PG_URL` (a server URL ending in /DATABASE) is set.

use std::io::{BufWriter, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const UNITS: usize = 200;
const SFO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/survey_templates/sfo.toml");

struct Measured {
    elapsed: Duration,
    peak_rss_mb: f64,
    stdout: String,
}

/// Runs the binary, waiting with wait4 to read the child's own peak resident memory.
// wait4 reaps the child, which clippy cannot see.
#[allow(clippy::zombie_processes)]
fn run(url: &str, args: &[&str]) -> Measured {
    let started = Instant::now();
    let child = Command::new(env!("CARGO_BIN_EXE_kinerja"))
        .arg("--database-url")
        .arg(url)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start kinerja");
    let pid = child.id() as libc::pid_t;
    let mut stdout = child.stdout.expect("stdout");
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut text).map(|_| text)
    });
    let mut status = 0;
    // SAFETY: plain wait4 on our own child; rusage is a zeroed out-parameter.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let elapsed = started.elapsed();
    assert_eq!(waited, pid, "wait4 failed");
    let stdout = reader.join().expect("reader thread").expect("read stdout");
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "kinerja {args:?} failed"
    );
    Measured {
        elapsed,
        peak_rss_mb: usage.ru_maxrss as f64 / 1024.0,
        stdout,
    }
}

/// Unit `u` of the tree: U000 is the root, U001-U004 its units, U005-U024 theirs (five each),
/// the other 175 the leaves (spread over the 20).
fn parent_of(u: usize) -> Option<usize> {
    match u {
        0 => None,
        1..=4 => Some(0),
        5..=24 => Some(1 + (u - 5) / 5),
        _ => Some(5 + (u - 25) % 20),
    }
}

fn write_units(path: &Path) {
    let mut csv = String::from("code,name,parent_code\n");
    for u in 0..UNITS {
        let parent = parent_of(u).map(|p| format!("U{p:03}")).unwrap_or_default();
        csv.push_str(&format!("U{u:03},Unit {u:03},{parent}\n"));
    }
    std::fs::write(path, csv).expect("write units");
}

fn write_responses(path: &Path, n: usize, seed: u64) {
    let source = std::fs::read_to_string(SFO).expect("sfo template");
    let template = kinerja::template::parse_template(&source).expect("sfo parses");
    let items = template.item_ids();
    let mut out = BufWriter::new(std::fs::File::create(path).expect("create responses"));
    writeln!(out, "unit,{}", items.join(",")).expect("write");
    let mut rng = StdRng::seed_from_u64(seed);
    let mut line = String::with_capacity(128);
    for _ in 0..n {
        line.clear();
        line.push_str(&format!("U{:03}", rng.random_range(0..UNITS)));
        let attitude: i32 = rng.random_range(3..=6);
        for _ in &items {
            let answer = (attitude + rng.random_range(-1..=1)).clamp(1, 6);
            line.push(',');
            line.push(char::from(b'0' + answer as u8));
        }
        line.push('\n');
        out.write_all(line.as_bytes()).expect("write");
    }
    out.flush().expect("flush");
}

/// A campaign over every unit.
fn create_campaign(url: &str, title: &str) -> String {
    let out = run(
        url,
        &[
            "campaign",
            "create",
            "--template",
            "sfo",
            "--period",
            title,
            "--title",
            title,
        ],
    );
    out.stdout.lines().last().unwrap_or("").trim().to_owned()
}

fn median_results(url: &str, campaign: &str, compare: &str) -> Measured {
    let mut runs: Vec<Measured> = (0..3)
        .map(|_| {
            run(
                url,
                &[
                    "results",
                    "--campaign",
                    campaign,
                    "--compare",
                    compare,
                    "--format",
                    "json",
                ],
            )
        })
        .collect();
    runs.sort_by_key(|m| m.elapsed);
    runs.swap_remove(1)
}

fn import(url: &str, campaign: &str, file: &Path) -> Measured {
    run(
        url,
        &[
            "responses",
            "import",
            "--campaign",
            campaign,
            &file.display().to_string(),
        ],
    )
}

fn bench(label: &str, url: &str, dir: &Path, n: usize) {
    write_units(&dir.join("units.csv"));
    run(
        url,
        &[
            "units",
            "import",
            &dir.join("units.csv").display().to_string(),
        ],
    );
    run(url, &["template", "import", SFO]);
    let previous = create_campaign(url, "bench-previous");
    let big = create_campaign(url, "bench-full");
    let quarter = create_campaign(url, "bench-quarter");

    let import_full = import(url, &big, &dir.join("full.csv"));
    import(url, &previous, &dir.join("previous.csv"));
    import(url, &quarter, &dir.join("quarter.csv"));
    let compared = median_results(url, &big, &previous);
    let full = median_results(url, &big, "none");
    let small = median_results(url, &quarter, "none");
    let json: serde_json::Value = serde_json::from_str(&compared.stdout).expect("results JSON");
    let units = json["units"].as_array().map_or(0, Vec::len);
    let changes = json["units"]
        .as_array()
        .map_or(0, |u| u.iter().filter(|u| !u["change"].is_null()).count());
    let import = import_full;
    let per_million = |m: &Measured, count: usize| m.elapsed.as_secs_f64() * 1e6 / count as f64;
    println!(
        "[{label}] responses import: {n} responses x 25 items in {:.2} s, peak {:.0} MB",
        import.elapsed.as_secs_f64(),
        import.peak_rss_mb
    );
    println!(
        "[{label}] results with --compare (median of 3): {:.3} s for {n} + {n} responses, peak {:.0} MB; {units} units in 4 levels, {changes} with a change",
        compared.elapsed.as_secs_f64(),
        compared.peak_rss_mb
    );
    println!(
        "[{label}] results without a comparison (median of 3): {:.3} s, peak {:.0} MB",
        full.elapsed.as_secs_f64(),
        full.peak_rss_mb
    );
    println!(
        "[{label}] results at {} responses: {:.3} s; time per million responses {:.3} s (quarter) vs {:.3} s (full)",
        n / 4,
        small.elapsed.as_secs_f64(),
        per_million(&small, n / 4),
        per_million(&full, n)
    );
}

fn main() {
    // `cargo bench` passes --bench; a filter argument is not meaningful here.
    let n: usize = std::env::var("KINERJA_BENCH_RESPONSES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir().expect("temporary directory");
    let generated = Instant::now();
    write_responses(&dir.path().join("full.csv"), n, 1);
    write_responses(&dir.path().join("previous.csv"), n, 3);
    write_responses(&dir.path().join("quarter.csv"), n / 4, 2);
    println!(
        "generated 2 x {n} + {} responses in {:.1} s (not timed below)",
        n / 4,
        generated.elapsed().as_secs_f64()
    );

    let sqlite = format!("sqlite://{}", dir.path().join("bench.db").display());
    bench("sqlite", &sqlite, dir.path(), n);

    if let Some(server) = std::env::var("KINERJA_BENCH_PG_URL")
        .ok()
        .filter(|u| !u.is_empty())
    {
        let name = format!("kinerja_bench_{}", std::process::id());
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
