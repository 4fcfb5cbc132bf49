//! Test helpers: a fresh database per test (a temporary SQLite file, or a new PostgreSQL
//! database when `KINERJA_TEST_PG_URL` is set) and a runner for the real `kinerja` binary.

#![allow(dead_code)]

pub mod server;
pub mod smtp;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use diesel::prelude::*;
use diesel::sql_types::BigInt;
use rand::Rng;

pub const SFO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/survey_templates/sfo.toml");
pub const REVIEW: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/survey_templates/reviu-pengelolaan-kinerja.toml"
);

/// A small survey: clarity (goals, role, confused [reverse]) weight 1; support (manager,
/// tools [optional]) weight 2; scale 1..5.
pub const CLIMATE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/team-climate.toml"
);
/// A small checklist.
pub const RECORDS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/records-review.toml"
);
/// A root and three units under it (campaigns take every unit unless told otherwise).
pub const UNITS: &str =
    "code,name,parent_code\nROOT,Organisation,\nA,Unit A,ROOT\nB,Unit B,ROOT\nC,Unit C,ROOT\n";

/// Team-climate answers (UNITS, CLIMATE) whose unit A answered near the top of the 1-5 scale:
/// with 3 respondents its 95% CI is 3.85-5.63, past the scale. B's 4 lie inside it.
pub const TOP_HEAVY: &str = "unit,clarity-goals,clarity-role,clarity-confused,support-manager\n\
A,5,5,1,5\nA,5,5,1,4\nA,4,5,1,5\nB,3,3,3,3\nB,2,4,3,3\nB,3,3,2,4\nB,4,3,3,2\n";

/// The `--public-url` of tests that make links but reach the server by its own address.
pub const PUBLIC_URL: &str = "https://survei.example.go.id";

pub struct TestDb {
    pub url: String,
    pub dir: tempfile::TempDir,
    /// (server URL, database name) of a PostgreSQL database to drop afterwards.
    postgres: Option<(String, String)>,
}

pub fn postgres_server() -> Option<String> {
    std::env::var("KINERJA_TEST_PG_URL")
        .ok()
        .filter(|u| !u.is_empty())
}

impl TestDb {
    pub fn new() -> TestDb {
        let dir = tempfile::tempdir().expect("temporary directory");
        match postgres_server() {
            Some(server) => {
                let name = format!("kinerja_test_{:032x}", rand::rng().random::<u128>());
                let mut admin =
                    PgConnection::establish(&server).expect("PostgreSQL server for tests");
                diesel::sql_query(format!("CREATE DATABASE {name}"))
                    .execute(&mut admin)
                    .expect("create test database");
                let url = match server.rsplit_once('/') {
                    Some((base, _)) => format!("{base}/{name}"),
                    None => panic!("KINERJA_TEST_PG_URL must end with /DATABASE"),
                };
                TestDb {
                    url,
                    dir,
                    postgres: Some((server, name)),
                }
            }
            None => {
                let url = format!("sqlite://{}", dir.path().join("kinerja.db").display());
                TestDb {
                    url,
                    dir,
                    postgres: None,
                }
            }
        }
    }

    /// A fresh PostgreSQL database, for tests of what only PostgreSQL does. Such tests are
    /// `#[ignore = "needs PostgreSQL ..."]`, so that without a server they show as ignored
    /// rather than pass; run on purpose without one, they fail here.
    pub fn postgres() -> TestDb {
        assert!(
            postgres_server().is_some(),
            "this test needs PostgreSQL: set KINERJA_TEST_PG_URL=postgres://USER@HOST:PORT/DATABASE"
        );
        TestDb::new()
    }

    pub fn is_postgres(&self) -> bool {
        self.postgres.is_some()
    }

    /// Runs `kinerja --database-url URL ARGS...` in the test's own directory.
    pub fn kinerja(&self, args: &[&str]) -> Output {
        self.kinerja_with(args, &[])
    }

    /// Runs kinerja with extra environment variables (and none of the caller's mail settings or
    /// public address).
    pub fn kinerja_with(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_kinerja"))
            .arg("--database-url")
            .arg(&self.url)
            .args(args)
            .current_dir(self.dir.path())
            .env_remove("DATABASE_URL")
            .env_remove("KINERJA_SMTP_URL")
            .env_remove("KINERJA_MAIL_DIR")
            .env_remove("KINERJA_PUBLIC_URL")
            .envs(env.iter().copied())
            .output()
            .expect("run kinerja")
    }

    /// Runs kinerja with `input` on its standard input (a password, say).
    pub fn kinerja_input(&self, args: &[&str], input: &str) -> Output {
        use std::io::Write as _;
        let mut child = Command::new(env!("CARGO_BIN_EXE_kinerja"))
            .arg("--database-url")
            .arg(&self.url)
            .args(args)
            .current_dir(self.dir.path())
            .env_remove("DATABASE_URL")
            .env_remove("KINERJA_SMTP_URL")
            .env_remove("KINERJA_MAIL_DIR")
            .env_remove("KINERJA_PUBLIC_URL")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("run kinerja");
        if let Some(mut stdin) = child.stdin.take() {
            stdin
                .write_all(input.as_bytes())
                .expect("write standard input");
        }
        child.wait_with_output().expect("run kinerja")
    }

    /// Like `ok`, with extra environment variables.
    pub fn ok_with(&self, args: &[&str], env: &[(&str, &str)]) -> String {
        let out = self.kinerja_with(args, env);
        assert!(
            out.status.success(),
            "kinerja {args:?} failed:\nstdout: {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Runs a command that must succeed; returns its stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.kinerja(args);
        assert!(
            out.status.success(),
            "kinerja {args:?} failed:\nstdout: {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Runs a command that must fail with exit code 1; returns its stderr.
    pub fn fails(&self, args: &[&str]) -> String {
        let out = self.kinerja(args);
        assert_eq!(
            out.status.code(),
            Some(1),
            "kinerja {args:?} should fail:\nstdout: {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stderr).into_owned()
    }

    pub fn write(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, contents).expect("write test file");
        path
    }

    pub fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }

    /// A direct connection, to look at stored rows.
    pub fn conn(&self) -> kinerja::db::DbConn {
        let url = kinerja::db::DatabaseUrl::parse(&self.url).expect("test URL");
        kinerja::db::connect(&url).expect("connect to test database")
    }

    pub fn count(&self, table: &str) -> i64 {
        #[derive(QueryableByName)]
        struct Count {
            #[diesel(sql_type = BigInt)]
            n: i64,
        }
        let mut conn = self.conn();
        diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
            .get_result::<Count>(&mut conn)
            .expect("count rows")
            .n
    }

    /// Answers stored through links: released into `responses`, or sealed and pending.
    pub fn stored_answers(&self) -> i64 {
        self.count("responses") + self.count("pending_answers")
    }

    /// Imports the given units CSV text, a template file and creates a campaign; its id.
    pub fn campaign(&self, units_csv: &str, template: &str, extra: &[&str]) -> i64 {
        self.campaign_titled(units_csv, template, "Test", extra)
    }

    /// [`TestDb::campaign`] with its title (the period is 2026).
    pub fn campaign_titled(
        &self,
        units_csv: &str,
        template: &str,
        title: &str,
        extra: &[&str],
    ) -> i64 {
        let units = self.write("units.csv", units_csv);
        self.ok(&["units", "import", &units.display().to_string()]);
        self.ok(&["template", "import", template]);
        let key = template_key(template);
        let mut args = vec![
            "campaign",
            "create",
            "--template",
            key.as_str(),
            "--period",
            "2026",
            "--title",
            title,
        ];
        args.extend_from_slice(extra);
        let out = self.ok(&args);
        last_line(&out)
            .parse()
            .expect("campaign id on the last line")
    }
}

impl TestDb {
    /// Imports `csv` (a response file) into the campaign; the command's output.
    pub fn responses(&self, campaign: impl std::fmt::Display, csv: &str) -> String {
        let file = self.write("answers.csv", csv);
        self.ok(&[
            "responses",
            "import",
            "--campaign",
            &campaign.to_string(),
            &file.display().to_string(),
        ])
    }

    /// Drops the PostgreSQL database now (servers using it lose it).
    pub fn drop_database(&self) {
        if let Some((server, name)) = &self.postgres {
            let mut admin = PgConnection::establish(server).expect("PostgreSQL server");
            diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut admin)
                .expect("drop database");
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((server, name)) = &self.postgres {
            if let Ok(mut admin) = PgConnection::establish(server) {
                let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut admin);
            }
        }
    }
}

/// `kinerja results --format json` of a campaign.
pub fn results_json(db: &TestDb, campaign: impl std::fmt::Display) -> serde_json::Value {
    let campaign = campaign.to_string();
    let out = db.ok(&["results", "--campaign", &campaign, "--format", "json"]);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("results JSON: {e}\n{out}"))
}

/// The unit with this code in the `units` of results or progress JSON.
pub fn unit<'a>(json: &'a serde_json::Value, code: &str) -> &'a serde_json::Value {
    json["units"]
        .as_array()
        .and_then(|units| units.iter().find(|u| u["code"] == code))
        .unwrap_or_else(|| panic!("unit {code} missing from {json}"))
}

pub fn last_line(text: &str) -> String {
    text.lines().last().unwrap_or("").trim().to_owned()
}

fn template_key(path: &str) -> String {
    let source = std::fs::read_to_string(Path::new(path)).expect("template file");
    kinerja::template::parse_template(&source)
        .expect("valid template")
        .key
}

/// Invites each `email,unit` line to the campaign; the tokens, in order.
pub fn invite(db: &TestDb, campaign: i64, lines: &str) -> Vec<String> {
    let file = db.write("invite.csv", &format!("email,unit\n{lines}"));
    let out = db.ok(&[
        "invite",
        "--campaign",
        &campaign.to_string(),
        "--public-url",
        PUBLIC_URL,
        &file.display().to_string(),
    ]);
    out.lines()
        .filter_map(|line| line.rsplit_once("/r/").map(|(_, token)| token.to_owned()))
        .collect()
}

/// Moves every invitation `days` into the past, as if invited then (how tests reach the days a
/// reminder waits for).
pub fn backdate_invitations(db: &TestDb, days: i64) {
    use kinerja::db::schema::invitations;
    let mut conn = db.conn();
    let rows: Vec<(i64, chrono::NaiveDateTime)> = invitations::table
        .select((invitations::id, invitations::created_at))
        .load(&mut conn)
        .expect("invitations");
    for (id, at) in rows {
        diesel::update(invitations::table.find(id))
            .set(invitations::created_at.eq(at - chrono::Duration::days(days)))
            .execute(&mut conn)
            .expect("backdate");
    }
}
