//! Organizer accounts, API tokens, sessions and the audit log (issue 10): the commands through
//! the real binary, the password link through a running server, and sign-in, tokens and
//! sessions through the library with a clock the test moves.

mod common;

use std::process::Output;

use base64::Engine as _;
use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::{Nullable, Text};
use reqwest::StatusCode;
use sha2::{Digest, Sha256};

use common::server::{client, Server};
use common::{last_line, TestDb, PUBLIC_URL};
use kinerja::access::{self, InitialPassword, NewOrganizer, Role, Scope};
use kinerja::audit::Actor;
use kinerja::domain::{EmailAddress, Lang};

const UNITS: &str =
    "code,name,parent_code\nROOT,Organisation,\nA,Unit A,ROOT\nA1,Unit A1,A\nB,Unit B,ROOT\n";
const ADMIN_PASSWORD: &str = "kuda-lumping 2026";

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The database with the test units.
fn with_units() -> TestDb {
    let db = TestDb::new();
    let units = db.write("units.csv", UNITS);
    db.ok(&["units", "import", &units.display().to_string()]);
    db
}

/// Runs a command with `input` on standard input; it must succeed.
fn ok_input(db: &TestDb, args: &[&str], input: &str) -> String {
    let out = db.kinerja_input(args, input);
    assert!(
        out.status.success(),
        "kinerja {args:?} failed:\n{}{}",
        stdout(&out),
        stderr(&out)
    );
    stdout(&out)
}

/// Runs a command with `input` on standard input; it must fail with exit code 1. Its stderr.
fn fails_input(db: &TestDb, args: &[&str], input: &str) -> String {
    let out = db.kinerja_input(args, input);
    assert_eq!(
        out.status.code(),
        Some(1),
        "kinerja {args:?}: {}",
        stdout(&out)
    );
    stderr(&out)
}

#[derive(QueryableByName)]
struct TextRow {
    #[diesel(sql_type = Nullable<Text>)]
    value: Option<String>,
}

/// One text column of a query (`... AS value`), row by row.
fn texts(db: &TestDb, sql: &str) -> Vec<Option<String>> {
    let mut conn = db.conn();
    diesel::sql_query(sql)
        .load::<TextRow>(&mut conn)
        .expect("query")
        .into_iter()
        .map(|r| r.value)
        .collect()
}

/// The raw bytes of an SQLite database and its write-ahead log; None on PostgreSQL.
fn sqlite_bytes(db: &TestDb) -> Option<Vec<u8>> {
    if db.is_postgres() {
        return None;
    }
    let mut bytes = Vec::new();
    for name in ["kinerja.db", "kinerja.db-wal"] {
        if let Ok(b) = std::fs::read(db.dir.path().join(name)) {
            bytes.extend(b);
        }
    }
    assert!(!bytes.is_empty());
    Some(bytes)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The audit log as (actor, action, object, detail), oldest first.
fn audit(db: &TestDb, extra: &[&str]) -> Vec<(String, String, String, Option<String>)> {
    let mut args = vec!["audit", "--format", "json"];
    args.extend_from_slice(extra);
    let json: serde_json::Value = serde_json::from_str(&db.ok(&args)).expect("audit JSON");
    json.as_array()
        .expect("an array")
        .iter()
        .map(|e| {
            (
                e["actor"].as_str().unwrap_or_default().to_owned(),
                e["action"].as_str().unwrap_or_default().to_owned(),
                e["object"].as_str().unwrap_or_default().to_owned(),
                e["detail"].as_str().map(str::to_owned),
            )
        })
        .collect()
}

fn line(
    actor: &str,
    action: &str,
    object: &str,
    detail: Option<&str>,
) -> (String, String, String, Option<String>) {
    (
        actor.into(),
        action.into(),
        object.into(),
        detail.map(str::to_owned),
    )
}

#[test]
fn organizers_are_added_listed_and_removed_with_clear_errors() {
    let db = with_units();
    let out = ok_input(
        &db,
        &[
            "organizer",
            "add",
            "Ani@Example.go.id",
            "--name",
            "Ani Rahayu",
            "--role",
            "admin",
            "--password-stdin",
        ],
        &format!("{ADMIN_PASSWORD}\n"),
    );
    assert_eq!(
        out,
        "organizer ani@example.go.id added (admin, every unit), password set\n"
    );
    let out = db.ok(&[
        "organizer",
        "add",
        "budi@example.go.id",
        "--scope",
        "A",
        "--public-url",
        PUBLIC_URL,
    ]);
    assert!(
        out.starts_with(
            "organizer budi@example.go.id added (viewer, scope A); an email with a link"
        ),
        "{out}"
    );

    // Errors store nothing.
    let before = db.count("organizers");
    assert_eq!(
        db.fails(&[
            "organizer",
            "add",
            "BUDI@example.go.id",
            "--public-url",
            PUBLIC_URL
        ]),
        "error: organizer budi@example.go.id already exists\n"
    );
    assert_eq!(
        db.fails(&[
            "organizer",
            "add",
            "c@example.go.id",
            "--scope",
            "Z9",
            "--public-url",
            PUBLIC_URL
        ]),
        "error: no unit with code 'Z9' to scope to (see `kinerja units list`)\n"
    );
    assert_eq!(
        fails_input(
            &db,
            &["organizer", "add", "c@example.go.id", "--password-stdin"],
            "123456789\n"
        ),
        "error: password must be at least 10 characters\n"
    );
    assert_eq!(
        db.fails(&["organizer", "add", "c@example.go.id"]),
        "error: organizer add needs --public-url (or KINERJA_PUBLIC_URL) for the emailed link \
         that sets the password, e.g. --public-url https://survei.example.go.id; or give the \
         password with --password-stdin\n"
    );
    assert_eq!(
        db.fails(&["organizer", "add", "c@example.go.id", "--public-url", "survei.example.go.id"]),
        "error: --public-url 'survei.example.go.id' is not a web address: give \
         http(s)://HOST[:PORT][/PATH] without query or fragment, e.g. https://survei.example.go.id\n"
    );
    assert!(db
        .fails(&["organizer", "add", "c@", "--public-url", PUBLIC_URL])
        .starts_with("error: 'c@' is not an email address"));
    let bad_role = db.kinerja(&["organizer", "add", "c@example.go.id", "--role", "boss"]);
    assert_eq!(bad_role.status.code(), Some(2));
    assert!(
        stderr(&bad_role).contains("invalid value 'boss' for '--role <ROLE>'"),
        "{}",
        stderr(&bad_role)
    );
    assert_eq!(db.count("organizers"), before);
    assert_eq!(db.count("outbox"), 1);

    ok_input(
        &db,
        &[
            "token",
            "create",
            "--organizer",
            "ani@example.go.id",
            "--name",
            "ci",
        ],
        "",
    );
    assert_eq!(
        db.ok(&["organizer", "list"]),
        "email               name        role    scope  password  tokens\n\
         ani@example.go.id   Ani Rahayu  admin   -      yes       1\n\
         budi@example.go.id  -           viewer  A      no        0\n"
    );

    assert_eq!(
        db.ok(&["organizer", "remove", "ani@example.go.id"]),
        "organizer ani@example.go.id removed, with their API tokens and sessions\n"
    );
    assert_eq!(db.count("api_tokens"), 0);
    assert_eq!(
        db.fails(&["organizer", "remove", "ani@example.go.id"]),
        "error: no organizer with email ani@example.go.id\n"
    );
    // Budi's link email, not sent yet, goes with Budi.
    db.ok(&["organizer", "remove", "budi@example.go.id"]);
    assert_eq!(db.count("outbox"), 0);
    assert_eq!(db.count("password_setups"), 0);
    assert_eq!(
        db.ok(&["organizer", "list"]),
        "email  name  role    scope  password  tokens\n"
    );
}

#[test]
fn passwords_are_stored_as_argon2id_and_never_in_clear() {
    let db = with_units();
    ok_input(
        &db,
        &[
            "organizer",
            "add",
            "ani@example.go.id",
            "--role",
            "admin",
            "--password-stdin",
        ],
        // One trailing newline is dropped; the spaces are part of the password.
        &format!(" {ADMIN_PASSWORD} \r\n"),
    );
    let hashes = texts(&db, "SELECT password_hash AS value FROM organizers");
    let first = hashes[0].clone().expect("a hash");
    assert!(
        first.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{first}"
    );
    assert!(access::verify_password(
        &first,
        &format!(" {ADMIN_PASSWORD} ")
    ));
    assert!(!access::verify_password(&first, ADMIN_PASSWORD));

    let new_password = "ganti-kata-sandi";
    assert_eq!(
        fails_input(
            &db,
            &["organizer", "password", "ani@example.go.id"],
            "pendek\n"
        ),
        "error: password must be at least 10 characters\n"
    );
    assert_eq!(
        fails_input(
            &db,
            &["organizer", "password", "nobody@example.go.id"],
            "long enough!\n"
        ),
        "error: no organizer with email nobody@example.go.id\n"
    );
    assert_eq!(
        ok_input(
            &db,
            &["organizer", "password", "ani@example.go.id"],
            &format!("{new_password}\n")
        ),
        "password of ani@example.go.id changed; their console sessions were ended\n"
    );
    let second = texts(&db, "SELECT password_hash AS value FROM organizers")[0]
        .clone()
        .expect("a hash");
    assert!(second.starts_with("$argon2id$"));
    assert!(access::verify_password(&second, new_password));
    assert!(!access::verify_password(
        &second,
        &format!(" {ADMIN_PASSWORD} ")
    ));

    let mut conn = db.conn();
    assert!(
        access::sign_in(&mut conn, "ANI@example.go.id", new_password)
            .expect("sign in")
            .is_some()
    );
    if let Some(bytes) = sqlite_bytes(&db) {
        for secret in [ADMIN_PASSWORD, new_password] {
            assert!(
                !contains(&bytes, secret.as_bytes()),
                "{secret} is in the database"
            );
        }
    }
}

#[test]
fn a_token_is_shown_once_and_only_its_sha256_is_stored() {
    let db = with_units();
    ok_input(
        &db,
        &[
            "organizer",
            "add",
            "budi@example.go.id",
            "--scope",
            "A",
            "--password-stdin",
        ],
        "viewer password\n",
    );
    let out = db.kinerja(&[
        "token",
        "create",
        "--organizer",
        "Budi@example.go.id",
        "--name",
        "sakti-export",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let token = last_line(&stdout(&out));
    assert_eq!(
        stdout(&out),
        format!("{token}\n"),
        "the token alone on stdout"
    );
    assert!(!stderr(&out).contains(&token));
    let random = token.strip_prefix("kinerja_").expect("the kinerja_ prefix");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(random)
        .expect("base64url");
    assert!(bytes.len() * 8 >= 128, "{} bits", bytes.len() * 8);
    assert_eq!(bytes.len(), 32);

    let stored = texts(&db, "SELECT token_sha256 AS value FROM api_tokens");
    assert_eq!(stored, [Some(sha256_hex(&token))]);
    if let Some(raw) = sqlite_bytes(&db) {
        assert!(!contains(&raw, token.as_bytes()));
        assert!(!contains(&raw, random.as_bytes()));
    }
    let listed = db.ok(&["token", "list"]);
    assert!(!listed.contains(random));
    let mut rows = listed.lines();
    assert_eq!(
        rows.next(),
        Some("name          organizer           created (UTC)")
    );
    let row = rows.next().unwrap_or_default();
    assert!(
        row.starts_with("sakti-export  budi@example.go.id  20"),
        "{row}"
    );

    // The token acts as its organizer, with their role and scope.
    let mut conn = db.conn();
    let principal = access::authenticate_token(&mut conn, &token)
        .expect("lookup")
        .expect("a principal");
    assert_eq!(principal.email.as_str(), "budi@example.go.id");
    assert_eq!(principal.role, Role::Viewer);
    assert!(!principal.can_write());
    assert_eq!(principal.scope.as_deref(), Some("A"));
    let units = kinerja::db::units::all(&mut conn).expect("units");
    let scope = principal.scope_in(&units);
    let visible: Vec<&str> = units
        .iter()
        .map(|u| u.code.as_str())
        .filter(|c| scope.allows(c))
        .collect();
    assert_eq!(visible, ["A", "A1"]);
    assert_eq!(Scope::new(&units, None), Scope::Everything);
    assert!(access::authenticate_token(&mut conn, &format!("{token}x"))
        .expect("lookup")
        .is_none());
    assert!(access::authenticate_token(&mut conn, "")
        .expect("lookup")
        .is_none());

    // Names are unique across organizers; errors store nothing.
    ok_input(
        &db,
        &[
            "organizer",
            "add",
            "ani@example.go.id",
            "--role",
            "admin",
            "--password-stdin",
        ],
        "admin password\n",
    );
    assert_eq!(
        db.fails(&["token", "create", "--organizer", "ani@example.go.id", "--name", "sakti-export"]),
        "error: a token named 'sakti-export' already exists (token names are unique across all organizers)\n"
    );
    assert_eq!(
        db.fails(&[
            "token",
            "create",
            "--organizer",
            "nobody@example.go.id",
            "--name",
            "x"
        ]),
        "error: no organizer with email nobody@example.go.id\n"
    );
    assert_eq!(
        db.fails(&[
            "token",
            "create",
            "--organizer",
            "ani@example.go.id",
            "--name",
            "two words"
        ]),
        "error: token name 'two words' must be 1 to 64 letters, digits, '.', '-' or '_'\n"
    );
    assert_eq!(db.count("api_tokens"), 1);

    assert_eq!(
        db.ok(&["token", "revoke", "sakti-export"]),
        "token 'sakti-export' revoked\n"
    );
    assert!(access::authenticate_token(&mut conn, &token)
        .expect("lookup")
        .is_none());
    assert_eq!(
        db.fails(&["token", "revoke", "sakti-export"]),
        "error: no token named 'sakti-export'\n"
    );
}

#[test]
fn every_change_is_in_the_audit_log() {
    let db = with_units();
    ok_input(
        &db,
        &[
            "organizer",
            "add",
            "ani@example.go.id",
            "--role",
            "admin",
            "--password-stdin",
        ],
        "admin password\n",
    );
    db.ok(&[
        "organizer",
        "add",
        "budi@example.go.id",
        "--scope",
        "A1",
        "--public-url",
        PUBLIC_URL,
        "--lang",
        "en",
    ]);
    ok_input(
        &db,
        &["organizer", "password", "ani@example.go.id"],
        "another password\n",
    );
    let token = last_line(&db.ok(&[
        "token",
        "create",
        "--organizer",
        "ani@example.go.id",
        "--name",
        "ci",
    ]));
    db.ok(&["token", "revoke", "ci"]);
    db.ok(&["organizer", "remove", "budi@example.go.id"]);
    // Failures leave no line.
    db.fails(&["organizer", "remove", "budi@example.go.id"]);
    db.fails(&["token", "revoke", "ci"]);
    let expected = vec![
        line(
            "cli",
            "organizer.add",
            "organizer ani@example.go.id",
            Some("role=admin password=set"),
        ),
        line(
            "cli",
            "organizer.add",
            "organizer budi@example.go.id",
            Some("role=viewer scope=A1 password=link"),
        ),
        line(
            "cli",
            "organizer.password",
            "organizer ani@example.go.id",
            Some("sessions_ended=0"),
        ),
        line(
            "cli",
            "token.create",
            "token ci",
            Some("organizer=ani@example.go.id"),
        ),
        line(
            "cli",
            "token.revoke",
            "token ci",
            Some("organizer=ani@example.go.id"),
        ),
        line(
            "cli",
            "organizer.remove",
            "organizer budi@example.go.id",
            None,
        ),
    ];
    assert_eq!(audit(&db, &[]), expected);
    let log = db.ok(&["audit"]);
    assert!(!log.contains(&token));
    assert!(
        log.starts_with("at (UTC)             actor  action              object"),
        "{log}"
    );
    assert_eq!(log.lines().count(), 7);
    let today = chrono::Utc::now().date_naive();
    assert_eq!(audit(&db, &["--since", &today.to_string()]), expected);
    let tomorrow = today + Duration::days(1);
    assert_eq!(audit(&db, &["--since", &tomorrow.to_string()]), vec![]);
    let bad = db.kinerja(&["audit", "--since", "30-11-2026"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("invalid value '30-11-2026' for '--since <DATE>'"));
}

/// The token of the password link in the outbox's newest message to `to`.
fn emailed_link_token(db: &TestDb, to: &str) -> String {
    let bodies = texts(
        db,
        &format!(
            "SELECT body_text AS value FROM outbox WHERE recipient = '{to}' \
             AND kind = 'password_setup' ORDER BY id"
        ),
    );
    let body = bodies.last().cloned().flatten().expect("a queued message");
    let prefix = format!("{PUBLIC_URL}/console/password/");
    let start = body.find(&prefix).expect("the link") + prefix.len();
    body[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

#[tokio::test]
async fn the_emailed_link_sets_a_password_once_and_expires() {
    let db = with_units();
    db.ok(&[
        "organizer",
        "add",
        "budi@example.go.id",
        "--name",
        "Budi",
        "--public-url",
        PUBLIC_URL,
    ]);
    db.ok(&[
        "organizer",
        "add",
        "citra@example.go.id",
        "--public-url",
        PUBLIC_URL,
        "--lang",
        "en",
    ]);
    let subjects = texts(&db, "SELECT subject AS value FROM outbox ORDER BY id");
    assert_eq!(
        subjects,
        [
            Some("Akun pengelola Kinerja: buat kata sandi".to_owned()),
            Some("Kinerja organizer account: set your password".to_owned())
        ]
    );
    let budi = emailed_link_token(&db, "budi@example.go.id");
    let citra = emailed_link_token(&db, "citra@example.go.id");
    assert_eq!(budi.len(), 43);
    // Only the link's hash is stored (besides the message body, erased once sent).
    assert_eq!(
        texts(
            &db,
            "SELECT token_sha256 AS value FROM password_setups ORDER BY token_sha256"
        ),
        {
            let mut hashes = vec![Some(sha256_hex(&budi)), Some(sha256_hex(&citra))];
            hashes.sort();
            hashes
        }
    );

    let server = Server::start(&db, &["--public-url", PUBLIC_URL]);
    let http = client();
    let url = server.url(&format!("/console/password/{budi}"));
    let page = http.get(&url).send().await.expect("GET");
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(page.headers()["cache-control"], "no-store");
    assert!(page.headers().contains_key("content-security-policy"));
    let html = page.text().await.expect("body");
    assert!(
        html.contains("budi@example.go.id") && html.contains("Buat kata sandi"),
        "{html}"
    );
    assert!(http
        .get(format!("{url}?lang=en"))
        .send()
        .await
        .expect("GET")
        .text()
        .await
        .expect("body")
        .contains("Set your password"));

    let post = |fields: Vec<(&'static str, String)>, site: Option<&'static str>| {
        let mut request = http.post(&url).form(&fields);
        if let Some(site) = site {
            request = request.header("sec-fetch-site", site);
        }
        request.send()
    };
    let good = "kata sandi yang panjang".to_owned();
    let differ = post(
        vec![
            ("password", good.clone()),
            ("confirm", "something else!".into()),
        ],
        None,
    )
    .await
    .expect("POST");
    assert_eq!(differ.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = differ.text().await.expect("body");
    assert!(body.contains("Kedua kata sandi tidak sama."));
    assert!(!body.contains(&good), "a typed password is never sent back");
    let short = post(
        vec![
            ("password", "pendek".into()),
            ("confirm", "pendek".into()),
            ("lang", "en".into()),
        ],
        None,
    )
    .await
    .expect("POST");
    assert_eq!(short.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(short
        .text()
        .await
        .expect("body")
        .contains("The password must be at least 10 characters."));
    let cross = post(
        vec![("password", good.clone()), ("confirm", good.clone())],
        Some("cross-site"),
    )
    .await
    .expect("POST");
    assert_eq!(cross.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        texts(
            &db,
            "SELECT password_hash AS value FROM organizers WHERE email = 'budi@example.go.id'"
        ),
        [None]
    );

    let set = post(
        vec![("password", good.clone()), ("confirm", good.clone())],
        Some("same-origin"),
    )
    .await
    .expect("POST");
    assert_eq!(set.status(), StatusCode::SEE_OTHER);
    assert_eq!(set.headers()["location"], "/console/");
    let hash = texts(
        &db,
        "SELECT password_hash AS value FROM organizers WHERE email = 'budi@example.go.id'",
    )[0]
    .clone()
    .expect("a hash");
    assert!(hash.starts_with("$argon2id$"));
    assert!(access::verify_password(&hash, &good));
    // Used up: the form and the post are gone.
    assert_eq!(
        http.get(&url).send().await.expect("GET").status(),
        StatusCode::NOT_FOUND
    );
    let again = post(
        vec![
            ("password", "yet another one".into()),
            ("confirm", "yet another one".into()),
        ],
        None,
    )
    .await
    .expect("POST");
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
    assert!(access::verify_password(
        &texts(
            &db,
            "SELECT password_hash AS value FROM organizers WHERE email = 'budi@example.go.id'"
        )[0]
        .clone()
        .expect("a hash"),
        &good
    ));
    let log = audit(&db, &[]);
    assert_eq!(
        log.last(),
        Some(&line(
            "budi@example.go.id",
            "organizer.password_link",
            "organizer budi@example.go.id",
            None
        ))
    );

    // Citra's link, made to expire a minute ago, no longer works.
    {
        let mut conn = db.conn();
        let moved = kinerja::db::organizers::set_setup_expiry(
            &mut conn,
            &sha256_hex(&citra),
            kinerja::db::now() - Duration::minutes(1),
        )
        .expect("update");
        assert!(moved);
    }
    let expired = server.url(&format!("/console/password/{citra}"));
    let page = http
        .get(format!("{expired}?lang=en"))
        .send()
        .await
        .expect("GET");
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    assert!(page
        .text()
        .await
        .expect("body")
        .contains("already used or expired"));
    assert_eq!(
        http.get(server.url("/console/password/not-a-token"))
            .send()
            .await
            .expect("GET")
            .status(),
        StatusCode::NOT_FOUND
    );
}

fn add(
    conn: &mut kinerja::db::DbConn,
    email: &str,
    role: Role,
    scope: Option<&str>,
    password: &str,
) {
    let email = EmailAddress::parse(email).expect("address");
    access::add_organizer(
        conn,
        Actor::Cli,
        &NewOrganizer {
            email: &email,
            name: None,
            role,
            scope,
        },
        InitialPassword::Given(password),
    )
    .expect("add organizer");
}

fn at(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").expect("time")
}

#[test]
fn password_links_expire_after_24_hours() {
    let db = with_units();
    let mut conn = db.conn();
    let email = EmailAddress::parse("dewi@example.go.id").expect("address");
    let before = kinerja::db::now();
    access::add_organizer(
        &mut conn,
        Actor::Cli,
        &NewOrganizer {
            email: &email,
            name: None,
            role: Role::Viewer,
            scope: Some("B"),
        },
        InitialPassword::Link {
            public_url: PUBLIC_URL,
            lang: Lang::Id,
        },
    )
    .expect("add");
    let after = kinerja::db::now();
    let token = emailed_link_token(&db, "dewi@example.go.id");
    // Made between `before` and `after` (to the second), valid for 24 hours from then.
    let link_for = |conn: &mut kinerja::db::DbConn, now| {
        access::password_link_for(conn, &token, now).expect("lookup")
    };
    assert!(link_for(
        &mut conn,
        before + Duration::hours(24) - Duration::seconds(1)
    )
    .is_some());
    assert!(link_for(&mut conn, after + Duration::hours(24)).is_none());
    // A short password is an error and leaves the link usable.
    assert!(matches!(
        access::set_password_by_link(&mut conn, &token, "short", before + Duration::hours(1)),
        Err(access::AccessError::ShortPassword)
    ));
    let principal = access::set_password_by_link(
        &mut conn,
        &token,
        "in time password",
        before + Duration::hours(23),
    )
    .expect("set")
    .expect("the organizer");
    assert_eq!(principal.email, email);
    assert_eq!(principal.scope.as_deref(), Some("B"));
    // Once only.
    assert!(access::set_password_by_link(
        &mut conn,
        &token,
        "second password",
        before + Duration::hours(23)
    )
    .expect("set")
    .is_none());

    // Another organizer's link, used a day late, sets nothing.
    let fajar = EmailAddress::parse("fajar@example.go.id").expect("address");
    access::add_organizer(
        &mut conn,
        Actor::Cli,
        &NewOrganizer {
            email: &fajar,
            name: None,
            role: Role::Viewer,
            scope: None,
        },
        InitialPassword::Link {
            public_url: PUBLIC_URL,
            lang: Lang::En,
        },
    )
    .expect("add");
    let late = emailed_link_token(&db, "fajar@example.go.id");
    let day_later = kinerja::db::now() + Duration::hours(24);
    assert!(
        access::set_password_by_link(&mut conn, &late, "late password", day_later)
            .expect("set")
            .is_none()
    );
    assert_eq!(
        texts(
            &db,
            "SELECT password_hash AS value FROM organizers WHERE email = 'fajar@example.go.id'"
        ),
        [None]
    );
    assert!(
        access::sign_in(&mut conn, "dewi@example.go.id", "in time password")
            .expect("sign in")
            .is_some()
    );
}

#[test]
fn sign_in_and_sessions_expire_after_8_idle_hours() {
    let db = with_units();
    let mut conn = db.conn();
    add(
        &mut conn,
        "ani@example.go.id",
        Role::Admin,
        None,
        ADMIN_PASSWORD,
    );
    add(
        &mut conn,
        "eko@example.go.id",
        Role::Viewer,
        Some("A"),
        "eko's password",
    );

    assert!(
        access::sign_in(&mut conn, "ani@example.go.id", "wrong password")
            .expect("sign in")
            .is_none()
    );
    assert!(
        access::sign_in(&mut conn, "nobody@example.go.id", ADMIN_PASSWORD)
            .expect("sign in")
            .is_none()
    );
    assert!(access::sign_in(&mut conn, "not an address", ADMIN_PASSWORD)
        .expect("sign in")
        .is_none());
    let ani = access::sign_in(&mut conn, " Ani@Example.go.id ", ADMIN_PASSWORD)
        .expect("sign in")
        .expect("signed in");
    assert_eq!(ani.role, Role::Admin);
    assert!(ani.can_write() && ani.scope.is_none());

    let t0 = at("2026-11-30 08:00:00");
    let (cookie, csrf) = access::create_session_at(&mut conn, &ani, t0).expect("session");
    assert_eq!(cookie.len(), 43);
    assert_ne!(cookie, csrf);
    // Only the cookie's hash is stored.
    let stored = texts(&db, "SELECT id_sha256 AS value FROM sessions");
    assert_eq!(stored, [Some(sha256_hex(&cookie))]);
    let last_seen = |conn: &mut kinerja::db::DbConn| {
        kinerja::db::sessions::last_seen(conn, &sha256_hex(&cookie)).expect("read")
    };

    let (who, token) = access::session_at(&mut conn, &cookie, t0 + Duration::seconds(30))
        .expect("session")
        .expect("live");
    assert_eq!(
        (who.email.as_str(), token.as_str()),
        ("ani@example.go.id", csrf.as_str())
    );
    // Within the minute nothing is written.
    assert_eq!(last_seen(&mut conn), Some(t0));
    let t1 = t0 + Duration::minutes(2);
    assert!(access::session_at(&mut conn, &cookie, t1)
        .expect("session")
        .is_some());
    assert_eq!(last_seen(&mut conn), Some(t1));
    // Idle 8 hours less a second since the last use: still live (and touched).
    let t2 = t1 + Duration::hours(8) - Duration::seconds(1);
    assert!(access::session_at(&mut conn, &cookie, t2)
        .expect("session")
        .is_some());
    assert_eq!(last_seen(&mut conn), Some(t2));
    // Idle 8 hours: over, and gone.
    assert!(
        access::session_at(&mut conn, &cookie, t2 + Duration::hours(8))
            .expect("session")
            .is_none()
    );
    assert_eq!(last_seen(&mut conn), None);
    assert!(access::session_at(&mut conn, &cookie, t2)
        .expect("session")
        .is_none());

    // Signing out ends a session; unknown cookies are no error.
    let (cookie, _) = access::create_session_at(&mut conn, &ani, t0).expect("session");
    access::end_session(&mut conn, &cookie).expect("end");
    access::end_session(&mut conn, "never issued").expect("end");
    assert!(access::session_at(&mut conn, &cookie, t0)
        .expect("session")
        .is_none());

    // Housekeeping deletes idle sessions only.
    let eko = access::sign_in(&mut conn, "eko@example.go.id", "eko's password")
        .expect("sign in")
        .expect("signed in");
    assert_eq!(eko.scope.as_deref(), Some("A"));
    let (old, _) = access::create_session_at(&mut conn, &eko, t0).expect("session");
    let (fresh, _) =
        access::create_session_at(&mut conn, &eko, t0 + Duration::hours(7)).expect("session");
    assert_eq!(
        access::delete_expired_sessions(&mut conn, t0 + Duration::hours(8)).expect("delete"),
        1
    );
    assert!(access::session_at(&mut conn, &old, t0 + Duration::hours(8))
        .expect("session")
        .is_none());
    assert!(
        access::session_at(&mut conn, &fresh, t0 + Duration::hours(8))
            .expect("session")
            .is_some()
    );

    // A new password ends the organizer's sessions.
    let eko_email = EmailAddress::parse("eko@example.go.id").expect("address");
    access::set_password(
        &mut conn,
        Actor::Organizer(&ani.email),
        &eko_email,
        "eko's new password",
    )
    .expect("set");
    assert!(
        access::session_at(&mut conn, &fresh, t0 + Duration::hours(8))
            .expect("session")
            .is_none()
    );
    assert!(
        access::sign_in(&mut conn, "eko@example.go.id", "eko's password")
            .expect("sign in")
            .is_none()
    );
    let log = audit(&db, &[]);
    assert_eq!(
        log.last(),
        Some(&line(
            "ani@example.go.id",
            "organizer.password",
            "organizer eko@example.go.id",
            Some("sessions_ended=1")
        ))
    );
}
