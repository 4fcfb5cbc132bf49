//! The organizer's console against a real `kinerja serve` (SQLite, or PostgreSQL with
//! KINERJA_TEST_PG_URL): sign-in, its limits and cookie, anti-forgery fields, session expiry,
//! roles and scopes, the figures of `results --format json` on the pages, downloads equal to
//! the command line's, and escaping.

mod common;

use chrono::Duration;
use common::server::Server;
use common::{results_json, unit, TestDb};
use reqwest::{Client, StatusCode};

const PASSWORD: &str = "correct horse battery";

fn add(db: &TestDb, email: &str, extra: &[&str]) {
    let mut args = vec!["organizer", "add", email, "--password-stdin"];
    args.extend_from_slice(extra);
    let out = db.kinerja_input(&args, &format!("{PASSWORD}\n"));
    assert!(
        out.status.success(),
        "organizer add: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A client with a cookie jar that shows redirects instead of following them.
fn browser() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("HTTP client")
}

async fn sign_in(
    server: &Server,
    client: &Client,
    email: &str,
    password: &str,
) -> reqwest::Response {
    client
        .post(server.url("/console/sign-in"))
        .form(&[("email", email), ("password", password)])
        .send()
        .await
        .expect("sign-in request")
}

async fn signed_in(server: &Server, email: &str) -> Client {
    let client = browser();
    let response = sign_in(server, &client, email, PASSWORD).await;
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "sign-in of {email}"
    );
    client
}

async fn get(server: &Server, client: &Client, path: &str) -> (StatusCode, String) {
    let response = client.get(server.url(path)).send().await.expect("request");
    let status = response.status();
    (status, response.text().await.expect("body"))
}

/// A JSON download.
async fn json_at(server: &Server, client: &Client, path: &str) -> serde_json::Value {
    let (status, body) = get(server, client, path).await;
    assert_eq!(status, StatusCode::OK, "{path}");
    serde_json::from_str(&body).expect("JSON")
}

/// The anti-forgery token on a console page.
fn csrf_of(page: &str) -> String {
    let start = page
        .find("name=\"csrf\" value=\"")
        .map(|i| i + "name=\"csrf\" value=\"".len())
        .expect("a csrf field on the page");
    page[start..]
        .split('"')
        .next()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn sign_in_its_limit_and_its_cookie() {
    let db = TestDb::new();
    add(&db, "admin@example.go.id", &["--role", "admin"]);
    add(&db, "other@example.go.id", &["--role", "viewer"]);
    let server = Server::start(&db, &[]);
    let client = browser();

    // Unauthenticated: sent to the sign-in page, which is in Indonesian unless asked.
    let response = client
        .get(server.url("/console/"))
        .send()
        .await
        .expect("get");
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()["location"], "/console/sign-in");
    let (status, page) = get(&server, &client, "/console/sign-in").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("<html lang=\"id\">") && page.contains("Kata sandi"));
    let (_, page) = get(&server, &client, "/console/sign-in?lang=en").await;
    assert!(page.contains("<html lang=\"en\">") && page.contains("Password"));

    // The right password: a session cookie, HttpOnly, SameSite=Strict, Path=/console, and no
    // Secure on plain http at 127.0.0.1.
    let response = sign_in(&server, &client, "admin@example.go.id", PASSWORD).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()["location"], "/console/");
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(cookie.starts_with("kinerja_session="), "{cookie}");
    let attributes: Vec<&str> = cookie.split("; ").skip(1).collect();
    assert_eq!(attributes, ["HttpOnly", "SameSite=Strict", "Path=/console"]);
    let (status, page) = get(&server, &client, "/console/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("admin@example.go.id"));

    // A wrong password: the form again with the reason, nothing set.
    let fresh = browser();
    let response = sign_in(&server, &fresh, "other@example.go.id", "wrong password!").await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(response.headers().get("set-cookie").is_none());
    assert!(response
        .text()
        .await
        .expect("body")
        .contains("Email atau kata sandi salah."));
    // Nine more failures for the account, then even the right password is refused for it.
    for _ in 0..9 {
        let response = sign_in(&server, &fresh, "other@example.go.id", "wrong password!").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    let response = sign_in(&server, &fresh, "other@example.go.id", PASSWORD).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(response.headers()["retry-after"], "900");
    assert!(response
        .text()
        .await
        .expect("body")
        .contains("Terlalu banyak percobaan masuk"));
    // The address has had its ten failures too: another account from it is refused as well.
    let response = sign_in(&server, &fresh, "admin@example.go.id", PASSWORD).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    // The session made before still works.
    let (status, _) = get(&server, &client, "/console/").await;
    assert_eq!(status, StatusCode::OK);

    // Behind a public https address the cookie is Secure.
    let https = Server::start(&db, &["--public-url", "https://survei.example.go.id"]);
    let response = sign_in(&https, &browser(), "admin@example.go.id", PASSWORD).await;
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(cookie.ends_with("; Path=/console; Secure"), "{cookie}");
}

#[tokio::test]
async fn forms_need_their_anti_forgery_token_and_sessions_expire() {
    let db = TestDb::new();
    add(&db, "admin@example.go.id", &["--role", "admin"]);
    let server = Server::start(&db, &[]);
    let client = signed_in(&server, "admin@example.go.id").await;
    let (_, page) = get(&server, &client, "/console/").await;
    let csrf = csrf_of(&page);
    assert_eq!(csrf.len(), 43, "256 bits in base64");

    for form in [vec![], vec![("csrf", "wrong")], vec![("csrf", &csrf[..42])]] {
        let response = client
            .post(server.url("/console/sign-out"))
            .form(&form)
            .send()
            .await
            .expect("post");
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{form:?}");
    }
    // Still signed in; the right token signs out and the session is gone.
    let (status, _) = get(&server, &client, "/console/").await;
    assert_eq!(status, StatusCode::OK);
    let response = client
        .post(server.url("/console/sign-out"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .expect("post");
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(db.count("sessions"), 0);
    let (status, _) = get(&server, &client, "/console/").await;
    assert_eq!(status, StatusCode::SEE_OTHER);

    // A session last used 8 hours ago is over; one used 7 hours 59 minutes ago is not.
    let mut conn = db.conn();
    let admin = kinerja::access::sign_in(&mut conn, "admin@example.go.id", PASSWORD)
        .expect("sign in")
        .expect("the admin");
    let now = kinerja::db::now();
    for (idle, live) in [(Duration::hours(8), false), (Duration::minutes(479), true)] {
        let (cookie, _) =
            kinerja::access::create_session_at(&mut conn, &admin, now - idle).expect("session");
        let response = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client")
            .get(server.url("/console/"))
            .header("cookie", format!("kinerja_session={cookie}"))
            .send()
            .await
            .expect("get");
        let expected = if live {
            StatusCode::OK
        } else {
            StatusCode::SEE_OTHER
        };
        assert_eq!(response.status(), expected, "idle {idle}");
    }
}

/// The demo's SFO campaign of 2018 (campaign 3) and its results as the command line gives
/// them.
fn demo() -> (TestDb, serde_json::Value) {
    let db = TestDb::new();
    db.ok(&["demo"]);
    let json = results_json(&db, 3);
    (db, json)
}

#[tokio::test]
async fn pages_show_the_results_figures_and_withhold_the_suppressed() {
    let (db, json) = demo();
    add(&db, "admin@example.go.id", &["--role", "admin"]);
    let server = Server::start(&db, &[]);
    let client = signed_in(&server, "admin@example.go.id").await;

    let (status, list) = get(&server, &client, "/console/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(list.contains("Survei SFO DJPb 2018") && list.contains(">2260<"));

    // Level 2 (the Kanwil and directorates) is the first level with more than one unit.
    let (status, page) = get(&server, &client, "/console/campaigns/3").await;
    assert_eq!(status, StatusCode::OK);
    let aceh = unit(&json, "KW-ACEH");
    let score = format!("{:.2}", aceh["score"].as_f64().expect("score"));
    assert_eq!(score, "4.51");
    assert!(page.contains(&format!("<td class=\"num score\">{score}</td>")));
    let peers = json["units"]
        .as_array()
        .expect("units")
        .iter()
        .filter(|u| u["level"] == 2 && !u["rank"].is_null())
        .count();
    assert!(page.contains(&format!(">{} / {peers}<", aceh["rank"])));
    // The SVG figures carry their values in a title.
    let [lo, hi] = [0, 1].map(|i| format!("{:.2}", aceh["ci95"][i].as_f64().expect("ci")));
    assert!(page.contains(&format!("<title>Skor {score} (IK 95% {lo}–{hi})</title>")));
    // DJPB-SMI has 3 responses under the threshold: its n and the reason, no figure.
    let smi = unit(&json, "DJPB-SMI");
    assert_eq!(smi["suppressed_by"], "threshold");
    let row = row_of(&page, "DJPB-SMI");
    assert!(row.contains("ditahan: respons di bawah ambang anonimitas"));
    assert!(!row.contains("<svg") && !row.contains("score"));

    // Drill-down into KW-PAPUA: its KPPN, one withheld as a complement.
    let (_, page) = get(
        &server,
        &client,
        "/console/campaigns/3?under=KW-PAPUA&lang=en",
    )
    .await;
    let x195 = unit(&json, "X195");
    assert!(page.contains(&format!(
        "<td class=\"num score\">{:.2}</td>",
        x195["score"].as_f64().expect("score")
    )));
    assert!(row_of(&page, "KPPN-064").contains("(complement)"));
    assert!(row_of(&page, "X196").contains("anonymity threshold"));
    // The heatmap prints each dimension's mean, withheld cells say why.
    let dims = x195["dimensions"].as_array().expect("dimensions");
    for dim in dims {
        let mean = format!("{:.2}", dim["mean"].as_f64().expect("mean"));
        assert!(page.contains(&format!(">{mean}</td>")), "{mean}");
    }
    assert!(page.contains("<td class=\"sup\" title=\"withheld: it could be computed from other figures (complement)\">complement</td>"));

    // A unit's page: its figures, and its trend over the three SFO campaigns.
    let (status, page) = get(&server, &client, "/console/campaigns/3/units/KW-ACEH").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(&format!("<dd>{score}</dd>")));
    for campaign in [1, 2] {
        let earlier = results_json(&db, campaign);
        let then = unit(&earlier, "KW-ACEH");
        assert!(page.contains(&format!(
            "<td class=\"num\">{:.2}</td><td class=\"num\">{}</td>",
            then["score"].as_f64().expect("score"),
            then["rank"]
        )));
    }
    // A suppressed unit's page shows its n and no figure.
    let (_, page) = get(&server, &client, "/console/campaigns/3/units/X196").await;
    assert!(page.contains("n = 3: ditahan: respons di bawah ambang anonimitas"));
    assert!(!page.contains("<dd>"));
    let (status, _) = get(&server, &client, "/console/campaigns/3/units/NOWHERE").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = get(&server, &client, "/console/campaigns/99").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Downloads are the command line's output.
    for format in ["csv", "json"] {
        let response = client
            .get(server.url(&format!("/console/campaigns/3/results.{format}")))
            .send()
            .await
            .expect("download");
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            response.headers()["content-disposition"],
            format!("attachment; filename=\"kinerja-campaign-3.{format}\"")
        );
        let body = response.text().await.expect("body");
        let cli = db.ok(&["results", "--campaign", "3", "--format", format]);
        assert_eq!(body, cli, "{format}");
    }
    let xlsx = client
        .get(server.url("/console/campaigns/3/results.xlsx"))
        .send()
        .await
        .expect("download")
        .bytes()
        .await
        .expect("bytes");
    let cli_file = db.path("cli.xlsx");
    db.ok(&[
        "results",
        "--campaign",
        "3",
        "--format",
        "xlsx",
        "--output",
        &cli_file,
    ]);
    assert_eq!(
        sheets(&xlsx),
        sheets(&std::fs::read(&cli_file).expect("xlsx"))
    );
}

/// The table row of a unit on a campaign page.
fn row_of<'a>(page: &'a str, code: &str) -> &'a str {
    let at = page
        .find(&format!("<span class=\"code\">{code}</span>"))
        .unwrap_or_else(|| panic!("{code} not on the page"));
    let start = page[..at].rfind("<tr>").unwrap_or(0);
    let end = page[at..].find("</tr>").map_or(page.len(), |e| at + e);
    &page[start..end]
}

/// Every sheet of a workbook as rows of printed cells.
fn sheets(bytes: &[u8]) -> Vec<(String, Vec<Vec<String>>)> {
    use calamine::Reader as _;
    let mut book = calamine::open_workbook_from_rs::<calamine::Xlsx<_>, _>(std::io::Cursor::new(
        bytes.to_vec(),
    ))
    .expect("a workbook");
    book.sheet_names()
        .into_iter()
        .map(|name| {
            let range = book.worksheet_range(&name).expect("sheet");
            let rows = range
                .rows()
                .map(|row| row.iter().map(|c| c.to_string()).collect())
                .collect();
            (name, rows)
        })
        .collect()
}

#[tokio::test]
async fn a_scoped_viewer_sees_its_subtree_only_and_may_not_administer() {
    let (db, json) = demo();
    add(
        &db,
        "aceh@example.go.id",
        &["--role", "viewer", "--scope", "KW-ACEH"],
    );
    add(
        &db,
        "biak@example.go.id",
        &["--role", "viewer", "--scope", "X196"],
    );
    let server = Server::start(&db, &[]);
    let client = signed_in(&server, "aceh@example.go.id").await;

    // The subtree of KW-ACEH: itself and its three KPPN, nothing else.
    let (status, page) = get(&server, &client, "/console/campaigns/3?level=3").await;
    assert_eq!(status, StatusCode::OK);
    for code in ["X101", "KPPN-001", "X102"] {
        let score = unit(&json, code)["score"].as_f64().expect("score");
        assert!(row_of(&page, code).contains(&format!("{score:.2}")));
    }
    for outside in ["X195", "KPPN-037", "KW-BALI", "DJPB"] {
        assert!(!page.contains(&format!(">{outside}<")), "{outside} shown");
    }
    for path in [
        "/console/campaigns/3/units/KW-BALI",
        "/console/campaigns/3?under=DJPB",
    ] {
        let (status, _) = get(&server, &client, path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    let (status, _) = get(&server, &client, "/console/campaigns/3/units/X101").await;
    assert_eq!(status, StatusCode::OK);
    // Downloads hold the subtree's rows only.
    let scoped = json_at(&server, &client, "/console/campaigns/3/results.json").await;
    let codes: Vec<&str> = scoped["units"]
        .as_array()
        .expect("units")
        .iter()
        .filter_map(|u| u["code"].as_str())
        .collect();
    assert_eq!(codes, ["KW-ACEH", "X101", "KPPN-001", "X102"]);
    assert_eq!(unit(&scoped, "X101"), unit(&json, "X101"));
    // A viewer has no audit log.
    let (status, _) = get(&server, &client, "/console/audit").await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The Kanwil review (campaign 4) covers no KPPN: X196's viewer does not see it at all.
    let biak = signed_in(&server, "biak@example.go.id").await;
    let (_, list) = get(&server, &biak, "/console/").await;
    assert!(list.contains("Survei SFO DJPb 2018"));
    assert!(!list.contains("Reviu Pengelolaan Kinerja"));
    let (status, _) = get(&server, &biak, "/console/campaigns/4").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = get(&server, &biak, "/console/campaigns/4/results.csv").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_hostile_unit_name_is_printed_as_text() {
    let db = TestDb::new();
    let hostile = "<script>alert(1)</script>";
    db.campaign(
        &format!("code,name,parent_code\nROOT,Root,\nA,\"{hostile}\",ROOT\nB,Unit B,ROOT\n"),
        common::CLIMATE,
        &[],
    );
    add(&db, "admin@example.go.id", &["--role", "admin"]);
    let server = Server::start(&db, &[]);
    let client = signed_in(&server, "admin@example.go.id").await;
    for path in ["/console/campaigns/1", "/console/campaigns/1/units/A"] {
        let (status, page) = get(&server, &client, path).await;
        assert_eq!(status, StatusCode::OK);
        assert!(!page.contains("<script"), "{path}");
        assert!(
            page.contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
            "{path}: {page}"
        );
    }
    // The audit log lists the organizer's creation for the admin.
    let (status, page) = get(&server, &client, "/console/audit").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("organizer.add") && page.contains("organizer admin@example.go.id"));
}

// ---------------------------------------------------------------- admin actions

/// ROOT > A > A1, ROOT > B.
const TREE: &str =
    "code,name,parent_code\nROOT,Organisation,\nA,Unit A,ROOT\nA1,Unit A1,A\nB,Unit B,ROOT\n";

/// A multipart form with the anti-forgery field and one file.
fn upload(csrf: &str, name: &str, text: &str, extra: &[(&str, &str)]) -> reqwest::multipart::Form {
    let mut form = reqwest::multipart::Form::new().text("csrf", csrf.to_owned());
    for (k, v) in extra {
        form = form.text(k.to_string(), v.to_string());
    }
    form.part(
        "file",
        reqwest::multipart::Part::text(text.to_owned()).file_name(name.to_owned()),
    )
}

async fn post_form(
    server: &Server,
    client: &Client,
    path: &str,
    form: &[(&str, &str)],
) -> (StatusCode, String, String) {
    let response = client
        .post(server.url(path))
        .form(form)
        .send()
        .await
        .expect("post");
    answer(response).await
}

async fn post_upload(
    server: &Server,
    client: &Client,
    path: &str,
    form: reqwest::multipart::Form,
) -> (StatusCode, String, String) {
    let response = client
        .post(server.url(path))
        .multipart(form)
        .send()
        .await
        .expect("post");
    answer(response).await
}

/// Status, Location (empty if none) and body.
async fn answer(response: reqwest::Response) -> (StatusCode, String, String) {
    let status = response.status();
    let location = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, location, response.text().await.expect("body"))
}

fn status_of(db: &TestDb, campaign: i64) -> String {
    let mut conn = db.conn();
    kinerja::db::campaigns::get(&mut conn, kinerja::db::CampaignId(campaign))
        .expect("read")
        .expect("the campaign")
        .status
        .as_str()
        .to_owned()
}

fn audit_lines(db: &TestDb) -> Vec<(String, String, String)> {
    let mut conn = db.conn();
    kinerja::audit::list(&mut conn, None)
        .expect("audit log")
        .into_iter()
        .map(|e| (e.actor, e.action, e.object))
        .collect()
}

#[tokio::test]
async fn admins_act_from_the_console_and_viewers_and_forgeries_may_not() {
    let db = TestDb::new();
    let campaign = db.campaign(TREE, common::CLIMATE, &[]);
    add(&db, "admin@example.go.id", &["--role", "admin"]);
    add(&db, "viewer@example.go.id", &["--role", "viewer"]);
    add(
        &db,
        "scoped@example.go.id",
        &["--role", "admin", "--scope", "A"],
    );
    let server = Server::start(&db, &["--public-url", common::PUBLIC_URL]);
    let page_path = format!("/console/campaigns/{campaign}");
    let people = "email,unit\nani@example.go.id,A1\nbudi@example.go.id,B\n";
    let responses = "unit,q1\nA1,4\n";
    let records = std::fs::read_to_string(common::RECORDS).expect("template");

    // A viewer: 403 on every action, with its own valid token; nothing changes.
    let viewer = signed_in(&server, "viewer@example.go.id").await;
    let (_, page) = get(&server, &viewer, &page_path).await;
    assert!(!page.contains("/open\""), "a viewer is shown no actions");
    let csrf = csrf_of(&page);
    let audit_before = db.count("audit_log");
    for action in ["open", "close", "remind", "summaries"] {
        let path = format!("{page_path}/{action}");
        let (status, _, _) = post_form(&server, &viewer, &path, &[("csrf", &csrf)]).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
    }
    let new = [
        ("csrf", csrf.as_str()),
        ("template", "team-climate"),
        ("period", "2027"),
        ("title", "By a viewer"),
    ];
    let (status, _, _) = post_form(&server, &viewer, "/console/new", &new).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    for (path, name, text) in [
        (format!("{page_path}/invitations"), "people.csv", people),
        (format!("{page_path}/responses"), "responses.csv", responses),
        ("/console/units".to_owned(), "units.csv", TREE),
        ("/console/templates".to_owned(), "t.toml", records.as_str()),
    ] {
        let (status, _, _) =
            post_upload(&server, &viewer, &path, upload(&csrf, name, text, &[])).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
    }
    assert_eq!(db.count("audit_log"), audit_before);
    assert_eq!(db.count("campaigns"), 1);
    assert_eq!(db.count("invitations"), 0);
    assert_eq!(status_of(&db, campaign), "open");

    // An admin without the right token is refused too.
    let admin = signed_in(&server, "admin@example.go.id").await;
    let (_, page) = get(&server, &admin, &page_path).await;
    assert!(page.contains(&format!("action=\"{page_path}/close\"")));
    let csrf = csrf_of(&page);
    let close = format!("{page_path}/close");
    for form in [vec![], vec![("csrf", "wrong")]] {
        let (status, _, _) = post_form(&server, &admin, &close, &form).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{form:?}");
    }
    let (status, _, _) = post_upload(
        &server,
        &admin,
        &format!("{page_path}/invitations"),
        upload("wrong", "people.csv", people, &[]),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(status_of(&db, campaign), "open");
    assert_eq!(db.count("invitations"), 0);

    // Close, then open: each with its audit line by the admin.
    let (status, location, _) = post_form(&server, &admin, &close, &[("csrf", &csrf)]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(
        location.starts_with(&format!("{page_path}?done=")),
        "{location}"
    );
    assert_eq!(status_of(&db, campaign), "closed");
    let (_, page) = get(&server, &admin, &location).await;
    assert!(page.contains("Kampanye ditutup; jawaban yang tertunda dilepaskan."));
    let object = format!("campaign {campaign}");
    assert_eq!(
        audit_lines(&db).last(),
        Some(&(
            "admin@example.go.id".to_owned(),
            "campaign.close".to_owned(),
            object.clone()
        ))
    );
    let (status, _, _) = post_form(
        &server,
        &admin,
        &format!("{page_path}/open"),
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(status_of(&db, campaign), "open");
    assert_eq!(
        audit_lines(&db).last(),
        Some(&(
            "admin@example.go.id".to_owned(),
            "campaign.open".to_owned(),
            object.clone()
        ))
    );

    // A bad people list: every line's problem on the page, nothing stored.
    let bad = "email,unit\nnot-an-address,A1\nbudi@example.go.id,NOPE\n";
    let (status, _, page) = post_upload(
        &server,
        &admin,
        &format!("{page_path}/invitations"),
        upload(&csrf, "people.csv", bad, &[]),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(
        row_with(&page, "<td class=\"num\">2</td><td>email</td>"),
        "{page}"
    );
    assert!(
        row_with(&page, "<td class=\"num\">3</td><td>unit</td>"),
        "{page}"
    );
    assert!(page.contains("unknown unit &#39;NOPE&#39;") || page.contains("NOPE"));
    assert_eq!(db.count("invitations"), 0);
    assert_eq!(db.count("outbox"), 0);

    // A good one: a link and a queued invitation per line.
    let (status, location, _) = post_upload(
        &server,
        &admin,
        &format!("{page_path}/invitations"),
        upload(&csrf, "people.csv", people, &[]),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location.contains("done=2%20"), "{location}");
    assert_eq!(db.count("invitations"), 2);
    assert_eq!(db.count("outbox"), 2);
    assert_eq!(
        audit_lines(&db).last().map(|l| l.1.as_str()),
        Some("campaign.invite")
    );

    // Reminding people invited a moment ago queues none, and the notice says why.
    let (status, location, _) = post_form(
        &server,
        &admin,
        &format!("{page_path}/remind"),
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page) = get(&server, &admin, &location).await;
    assert!(
        page.contains("0 pengingat diantrekan. 2 orang yang belum mengisi diundang atau diingatkan kurang dari 3 hari lalu, jadi belum diingatkan sekarang."),
        "{page}"
    );
    assert_eq!(db.count("outbox"), 2);

    // The outbox page counts them.
    let (status, page) = get(&server, &admin, "/console/outbox").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("id=\"queued\">2<"), "{page}");
    assert!(page.contains("id=\"sent\">0<") && page.contains("id=\"failed\">0<"));

    // A bad template: each problem with its line and column; nothing stored.
    let templates_before = db.count("templates");
    let (status, _, page) = post_upload(
        &server,
        &admin,
        "/console/templates",
        upload(&csrf, "t.toml", "id = \"t\"\nversion = \"one\"\n", &[]),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    // `version` takes an integer: the string's position, line 2 column 11.
    assert!(
        row_with(&page, "<td class=\"num\">2</td><td>11</td>"),
        "{page}"
    );
    assert_eq!(db.count("templates"), templates_before);
    let (status, location, _) = post_upload(
        &server,
        &admin,
        "/console/templates",
        upload(&csrf, "records.toml", &records, &[]),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{location}");
    assert_eq!(db.count("templates"), templates_before + 1);

    // A new campaign from the form, as a draft.
    let new = [
        ("csrf", csrf.as_str()),
        ("template", "team-climate"),
        ("period", "2027"),
        ("title", "Iklim 2027"),
        ("units", "A1, B"),
        ("draft", "1"),
    ];
    let (status, location, page) = post_form(&server, &admin, "/console/new", &new).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    let created: i64 = location
        .trim_start_matches("/console/campaigns/")
        .split('?')
        .next()
        .and_then(|id| id.parse().ok())
        .expect("the new campaign's page");
    assert_eq!(status_of(&db, created), "draft");

    // A scoped admin may not change the tree or templates.
    let scoped = signed_in(&server, "scoped@example.go.id").await;
    let (_, page) = get(&server, &scoped, "/console/").await;
    let csrf = csrf_of(&page);
    let units_before = db.count("units");
    for (path, name, text) in [
        (
            "/console/units",
            "units.csv",
            "code,name,parent_code\nA2,Unit A2,A\n",
        ),
        ("/console/templates", "t.toml", records.as_str()),
    ] {
        let (status, _, _) =
            post_upload(&server, &scoped, path, upload(&csrf, name, text, &[])).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
    }
    assert_eq!(db.count("units"), units_before);
}

/// Whether a table row of the page holds `cells`.
fn row_with(page: &str, cells: &str) -> bool {
    page.lines()
        .any(|l| l.starts_with("<tr>") && l.contains(cells))
}

// ---------------------------------------------------------------- item distributions

/// ROOT > A, B, C, D with k = 3: A (4 responses) and B (3) are published, C and D (2 each)
/// are under the threshold, and together leave 4 of ROOT's 11 uncovered (no complement).
/// support-tools is optional: A's four respondents answered it once.
const ITEM_RESPONSES: &str =
    "unit,clarity-goals,clarity-role,clarity-confused,support-manager,support-tools
A,5,4,2,5,
A,4,4,1,5,
A,5,3,2,4,3
A,2,4,1,5,
B,3,3,3,3,3
B,1,2,5,2,4
B,4,5,1,4,5
C,5,5,5,5,5
C,4,4,4,4,4
D,1,1,1,1,1
D,2,2,2,2,2
";

/// The rows of the unit page's item table, in item order.
fn item_rows(page: &str) -> Vec<&str> {
    let start = page.find("<table class=\"items\">").expect("an item table");
    let table = &page[start..];
    let table = &table[..table.find("</table>").expect("its end")];
    let body = &table[table.find("<tbody>").expect("a body")..];
    body.split("<tr>").skip(1).collect()
}

#[tokio::test]
async fn a_unit_page_shows_each_items_answers_over_its_subtree() {
    let db = TestDb::new();
    let campaign = db.campaign(
        "code,name,parent_code\nROOT,Organisation,\nA,Unit A,ROOT\nB,Unit B,ROOT\nC,Unit C,ROOT\nD,Unit D,ROOT\n",
        common::CLIMATE,
        &["--min-responses", "3"],
    );
    let file = db.write("responses.csv", ITEM_RESPONSES);
    db.ok(&[
        "responses",
        "import",
        "--campaign",
        &campaign.to_string(),
        &file.display().to_string(),
    ]);
    add(&db, "admin@example.go.id", &["--role", "admin"]);
    let server = Server::start(&db, &[]);
    let client = signed_in(&server, "admin@example.go.id").await;

    // Counts per item and value (index 0: not answered), straight from the CSV.
    let counts_of = |units: &[&str]| {
        let mut counts = vec![[0u64; 6]; 5];
        for line in ITEM_RESPONSES.lines().skip(1) {
            let cells: Vec<&str> = line.split(',').collect();
            if !units.contains(&cells[0]) {
                continue;
            }
            for (item, cell) in cells[1..].iter().enumerate() {
                let value: usize = if cell.is_empty() {
                    0
                } else {
                    cell.parse().expect("a value 1..5")
                };
                counts[item][value] += 1;
            }
        }
        counts
    };
    for (code, units) in [("A", vec!["A"]), ("ROOT", vec!["A", "B", "C", "D"])] {
        let (status, page) = get(
            &server,
            &client,
            &format!("/console/campaigns/{campaign}/units/{code}?lang=en"),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("Answers per item"), "{page}");
        assert!(
            page.contains("5 Strongly agree"),
            "the legend names the points"
        );
        let counts = counts_of(&units);
        let rows = item_rows(&page);
        assert_eq!(rows.len(), 5, "{code}");
        for (item, (row, counts)) in rows.iter().zip(&counts).enumerate() {
            let n: u64 = counts.iter().sum();
            let answered = n - counts[0];
            assert!(
                row.contains(&format!("<td class=\"num\">{answered}</td>")),
                "{code} item {item}: {row}"
            );
            if answered < 3 {
                assert!(
                    row.contains(
                        "withheld: answered by fewer respondents than the anonymity threshold (3)."
                    ) && !row.contains("<svg"),
                    "{code} item {item}: {row}"
                );
                continue;
            }
            // Values 1..5, then "not answered", as shares of the unit's respondents.
            let shares: String = [1, 2, 3, 4, 5, 0]
                .iter()
                .map(|&v| {
                    format!(
                        "<td class=\"num\">{:.0}%</td>",
                        counts[v] as f64 * 100.0 / n as f64
                    )
                })
                .collect();
            assert!(
                row.contains(&format!("</svg></td>{shares}</tr>")),
                "{code} item {item}: expected {shares} in {row}"
            );
            // One bar segment per answer given, its count in the title.
            let segments = counts.iter().filter(|&&c| c > 0).count();
            assert_eq!(row.matches("<rect class=").count(), segments, "{row}");
        }
    }
    // A's optional item was answered once: withheld although A's figures are published.
    let (_, page) = get(
        &server,
        &client,
        &format!("/console/campaigns/{campaign}/units/A?lang=en"),
    )
    .await;
    assert!(item_rows(&page)[4].contains("withheld"));

    // C is under the threshold: no distribution at all, and the reason.
    let (status, page) = get(
        &server,
        &client,
        &format!("/console/campaigns/{campaign}/units/C?lang=en"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let section = &page[page.find("<h2 id=\"items\">").expect("the items section")..];
    let section = &section[..section.find("</section>").expect("its end")];
    assert!(
        section
            .contains("withheld: responses below the anonymity threshold. No figures are shown."),
        "{section}"
    );
    assert!(
        !section.contains("<table") && !section.contains("<svg"),
        "{section}"
    );
}

/// Issue 12: the pages print a CI clipped to the scale with a mark and say what it means; the
/// download keeps it exact. A title that holds the period is not followed by it again.
#[tokio::test]
async fn pages_show_intervals_clipped_to_the_scale_with_a_note() {
    let db = TestDb::new();
    let campaign = db.campaign_titled(
        common::UNITS,
        common::CLIMATE,
        "Iklim 2026",
        &["--min-responses", "2"],
    );
    assert_eq!(campaign, 1);
    db.responses(campaign, common::TOP_HEAVY);
    add(&db, "admin@example.go.id", &["--role", "admin"]);
    let server = Server::start(&db, &[]);
    let client = signed_in(&server, "admin@example.go.id").await;
    let note = "* batas selang kepercayaan 95% dipotong pada ujung skala; JSON dan CSV memuat nilai persisnya.";

    let (status, page) = get(&server, &client, "/console/campaigns/1?level=1").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("<title>Iklim 2026"), "{page}");
    assert!(page.contains("<h1>Iklim 2026</h1>"), "{page}");
    let a = row_of(&page, "A");
    assert!(a.contains("<span class=\"small\">3.85–5.00*</span>"), "{a}");
    assert!(
        a.contains("<title>Skor 4.74 (IK 95% 3.85–5.00*)</title>"),
        "{a}"
    );
    assert!(row_of(&page, "B").contains("<span class=\"small\">2.18–3.93</span>"));
    assert!(
        page.contains(&format!("<p class=\"meta\">{note}</p>")),
        "{page}"
    );

    let (_, page) = get(&server, &client, "/console/campaigns/1/units/A?lang=en").await;
    assert!(page.contains("<dd>3.85–5.00*</dd>"), "{page}");
    assert!(page.contains(
        "<p class=\"meta\">* 95% CI bound clipped to the scale; JSON and CSV hold the exact interval.</p>"
    ));
    assert!(page.contains(">Iklim 2026</a>"), "the crumb: {page}");
    // B's interval lies inside the scale: no mark, no note.
    let (_, page) = get(&server, &client, "/console/campaigns/1/units/B").await;
    assert!(
        page.contains("<dd>2.18–3.93</dd>") && !page.contains(note),
        "{page}"
    );

    let json = results_json(&db, 1);
    let high = unit(&json, "A")["ci95"][1].as_f64().expect("high");
    assert!(high > 5.0, "{high}");
    let downloaded = json_at(&server, &client, "/console/campaigns/1/results.json").await;
    assert_eq!(unit(&downloaded, "A")["ci95"][1], high);
}
