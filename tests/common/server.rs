//! A running `kinerja serve` for tests: the real binary on a port the OS picks.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use super::TestDb;

pub struct Server {
    /// http://127.0.0.1:PORT
    pub base: String,
    child: Child,
}

impl Server {
    pub fn start(db: &TestDb, extra: &[&str]) -> Server {
        Server::spawn(db, extra, Stdio::null(), &[])
    }

    /// Starts a server with extra environment variables.
    pub fn start_with_env(db: &TestDb, extra: &[&str], env: &[(&str, &str)]) -> Server {
        Server::spawn(db, extra, Stdio::null(), env)
    }

    /// Starts a server whose log lines go to `log`.
    pub fn start_logging(db: &TestDb, extra: &[&str], log: &std::path::Path) -> Server {
        let file = std::fs::File::create(log).expect("log file");
        Server::spawn(db, extra, Stdio::from(file), &[])
    }

    fn spawn(db: &TestDb, extra: &[&str], stderr: Stdio, env: &[(&str, &str)]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_kinerja"))
            .arg("--database-url")
            .arg(&db.url)
            .args(["serve", "--bind", "127.0.0.1:0"])
            .args(extra)
            .current_dir(db.dir.path())
            .env_remove("DATABASE_URL")
            .stdout(Stdio::piped())
            .stderr(stderr)
            .env("KINERJA_LOG", "kinerja=info")
            .env_remove("KINERJA_SMTP_URL")
            .env_remove("KINERJA_PUBLIC_URL")
            .envs(env.iter().copied())
            .spawn()
            .expect("start kinerja serve");
        let stdout = child.stdout.take().expect("server stdout");
        let (sender, receiver) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(address) = line.strip_prefix("listening on ") {
                    let _ = sender.send(address.trim().to_owned());
                }
            }
        });
        let base = receiver
            .recv_timeout(Duration::from_secs(30))
            .expect("server reports its address");
        Server { base, child }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The address of a link on this server.
    pub fn link(&self, token: &str) -> String {
        self.url(&format!("/r/{token}"))
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP client that shows redirects instead of following them.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("HTTP client")
}

/// Answers the team-climate survey (tests/fixtures/team-climate.toml) through a link: clarity
/// 4, 5 and 2 (reversed: 4), support 4, the optional item left out; the form stores it (303).
pub async fn answer_climate(server: &Server, token: &str) {
    let answers = [
        ("clarity-goals", "4"),
        ("clarity-role", "5"),
        ("clarity-confused", "2"),
        ("support-manager", "4"),
    ];
    let response = client()
        .post(server.link(token))
        .form(&answers)
        .send()
        .await
        .expect("POST");
    assert_eq!(response.status(), reqwest::StatusCode::SEE_OTHER);
}
