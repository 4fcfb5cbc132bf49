//! The respondent web service through real HTTP against the real binary: every status the
//! issue names, anonymity, and exactly-once submission under concurrency.

mod common;

use common::server::{client, Server};
use common::{invite, results_json, unit, TestDb, CLIMATE, PUBLIC_URL, RECORDS, UNITS};
use reqwest::StatusCode;

const FULL_ANSWER: [(&str, &str); 5] = [
    ("clarity-goals", "5"),
    ("clarity-role", "4"),
    ("clarity-confused", "2"),
    ("support-manager", "5"),
    ("support-tools", ""),
];

fn survey(db: &TestDb) -> i64 {
    db.campaign(UNITS, CLIMATE, &["--min-responses", "1"])
}

async fn post(server: &Server, token: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    client()
        .post(server.link(token))
        .form(fields)
        .send()
        .await
        .expect("POST")
}

async fn get(url: &str) -> (StatusCode, String) {
    let response = client().get(url).send().await.expect("GET");
    let status = response.status();
    (status, response.text().await.unwrap_or_default())
}

#[tokio::test]
async fn a_link_is_answered_once_with_drafts_errors_and_a_thank_you() {
    let db = TestDb::new();
    let campaign = survey(&db);
    let tokens = invite(&db, campaign, "ani@example.go.id,A\n");
    let token = &tokens[0];
    let server = Server::start(&db, &[]);

    // 200: the form, with headers that keep it safe and uncached.
    let response = client().get(server.link(token)).send().await.expect("GET");
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers().clone();
    assert_eq!(headers["x-frame-options"], "DENY");
    assert_eq!(headers["referrer-policy"], "no-referrer");
    assert_eq!(headers["cache-control"], "no-store");
    let csp = headers["content-security-policy"].to_str().unwrap_or("");
    assert!(
        csp.contains("default-src 'none'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    let html = response.text().await.unwrap_or_default();
    assert!(
        html.contains("<html lang=\"id\">") && html.contains("Survei Iklim Tim"),
        "Indonesian by default"
    );
    assert!(html.contains("Unit: Unit A"));
    assert!(html.contains(r#"<label for="i-clarity-goals-5"><input type="radio" id="i-clarity-goals-5" name="clarity-goals" value="5">"#));
    assert!(
        html.contains("Tidak menjawab"),
        "the optional item offers 'not answered'"
    );
    let (_, english) = get(&format!("{}?lang=en", server.link(token))).await;
    assert!(english.contains("<html lang=\"en\">") && english.contains("Team Climate Survey"));

    // 422: problems next to their items, every given answer kept.
    let response = post(
        &server,
        token,
        &[
            ("clarity-goals", "5"),
            ("clarity-role", "9"),
            ("lang", "en"),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap_or_default();
    assert!(
        html.contains(
            r#"<p class="error" id="err-clarity-role">Choose one of the options offered.</p>"#
        ),
        "{html}"
    );
    assert!(html.contains(
        r#"<p class="error" id="err-clarity-confused">Please answer this question.</p>"#
    ));
    assert!(
        html.contains(r#"id="i-clarity-goals-5" name="clarity-goals" value="5" checked>"#),
        "answer kept"
    );
    assert!(
        !html.contains(r#"id="err-support-tools""#),
        "an optional item needs no answer"
    );
    assert_eq!(db.count("responses"), 0);

    // 303: save and continue later; opening the link again restores the answers.
    let response = post(
        &server,
        token,
        &[("clarity-goals", "3"), ("action", "save")],
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = response.headers()["location"]
        .to_str()
        .unwrap_or("")
        .to_owned();
    assert_eq!(location, format!("/r/{token}?saved=1&lang=id"));
    let (_, html) = get(&server.url(&location)).await;
    assert!(html.contains("Jawaban Anda tersimpan"));
    let (_, html) = get(&server.link(token)).await;
    assert!(
        html.contains(r#"id="i-clarity-goals-3" name="clarity-goals" value="3" checked>"#),
        "draft restored"
    );

    // 303 to the thank-you page, then the link is used up.
    let response = post(&server, token, &FULL_ANSWER).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        response.headers()["location"],
        format!("/r/{token}/thanks?lang=id").as_str()
    );
    let (status, html) = get(&server.url(&format!("/r/{token}/thanks?lang=id"))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Terima kasih"));
    assert_eq!(db.stored_answers(), 1);
    assert_eq!(db.count("drafts"), 0, "the draft goes with the submission");

    // 409: a refresh or second click shows "already submitted" and stores nothing.
    let response = post(&server, token, &FULL_ANSWER).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    assert!(response
        .text()
        .await
        .unwrap_or_default()
        .contains("Jawaban sudah dikirim"));
    let (status, _) = get(&server.link(token)).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(db.stored_answers(), 1);

    // One answer alone is never released while the campaign is open; closing releases it.
    assert_eq!(db.count("responses"), 0);
    db.ok(&["campaign", "close", &campaign.to_string()]);
    assert_eq!(db.count("responses"), 1);
    assert_eq!(db.count("pending_answers"), 0);
    let results = results_json(&db, campaign);
    // clarity (5 + 4 + (6-2)) / 3 = 4.333..., support 5 (tools unanswered): (4.333 + 2*5) / 3.
    let score = unit(&results, "A")["score"].as_f64().unwrap_or(0.0);
    assert!((score - (13.0 / 3.0 + 10.0) / 3.0).abs() < 1e-12, "{score}");
}

#[tokio::test]
async fn unknown_closed_and_unopened_links_get_their_own_pages() {
    let db = TestDb::new();
    let campaign = survey(&db);
    let tokens = invite(&db, campaign, "a@example.org,A\nb@example.org,B\n");
    let draft = common::last_line(&db.ok(&[
        "campaign",
        "create",
        "--template",
        "team-climate",
        "--period",
        "2027",
        "--title",
        "Later",
        "--draft",
    ]));
    let later = invite(&db, draft.parse().expect("id"), "c@example.org,A\n");
    let server = Server::start(&db, &[]);

    let (status, html) = get(&server.link("no-such-token")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("Tautan tidak dikenal"));
    let (status, html) = get(&format!("{}?lang=en", server.link(&"x".repeat(43)))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("Unknown link"));

    let (status, html) = get(&server.link(&later[0])).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(
        html.contains("Survei belum dibuka") && html.contains("Later"),
        "{html}"
    );

    db.ok(&["campaign", "close", &campaign.to_string()]);
    let (status, html) = get(&format!("{}?lang=en", server.link(&tokens[0]))).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(html.contains("The survey is closed"));
    let response = post(&server, &tokens[1], &FULL_ANSWER).await;
    assert_eq!(response.status(), StatusCode::GONE);
    assert_eq!(db.count("responses"), 0);

    // A reissued link revokes the old one.
    db.ok(&["campaign", "open", &campaign.to_string()]);
    let file = db.write("again.csv", "email,unit\na@example.org,A\n");
    let err = db.fails(&[
        "invite",
        "--campaign",
        &campaign.to_string(),
        "--public-url",
        PUBLIC_URL,
        &file.display().to_string(),
    ]);
    assert!(
        err.contains(
            "line 2, column 'email': a@example.org is already invited to unit A; use --reissue"
        ),
        "{err}"
    );
    let out = db.ok(&[
        "invite",
        "--campaign",
        &campaign.to_string(),
        "--reissue",
        "--public-url",
        PUBLIC_URL,
        &file.display().to_string(),
    ]);
    let new_token = out
        .lines()
        .next()
        .and_then(|l| l.rsplit_once("/r/"))
        .map(|(_, t)| t.to_owned())
        .expect("new link");
    let (status, _) = get(&server.link(&tokens[0])).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "the old link is revoked");
    let (status, _) = get(&server.link(&new_token)).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn oversized_bodies_cross_site_posts_and_guessers_are_refused() {
    let db = TestDb::new();
    let campaign = survey(&db);
    let tokens = invite(&db, campaign, "a@example.org,A\n");
    let server = Server::start(&db, &["--rate-limit-misses", "3"]);

    let big = "x".repeat(70 * 1024);
    let response = post(&server, &tokens[0], &[("clarity-goals", big.as_str())]).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(response
        .text()
        .await
        .unwrap_or_default()
        .contains("Isian terlalu besar"));

    let response = client()
        .post(server.link(&tokens[0]))
        .header("Sec-Fetch-Site", "cross-site")
        .form(&FULL_ANSWER)
        .send()
        .await
        .expect("POST");
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let response = client()
        .post(server.link(&tokens[0]))
        .header("Origin", "https://evil.example")
        .form(&FULL_ANSWER)
        .send()
        .await
        .expect("POST");
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(db.count("responses"), 0);

    // Three unknown links, then this address's further unknown links are refused (issue 11,
    // row 1: before, every valid link of everyone behind the address got 429 too).
    for guess in 0..3 {
        let (status, _) = get(&server.link(&format!("guess{guess}"))).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    let (status, _) = get(&server.link(&tokens[0])).await;
    assert_eq!(status, StatusCode::OK, "a real link still opens");
    let response = client()
        .get(server.link("guess3"))
        .send()
        .await
        .expect("GET");
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = response.headers()["retry-after"]
        .to_str()
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    assert!((1..=600).contains(&retry), "{retry}");
    assert!(response
        .text()
        .await
        .unwrap_or_default()
        .contains("Terlalu banyak permintaan"));
    let (status, _) = get(&server.url("/healthz")).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the limit applies to respondent pages only"
    );
}

#[tokio::test]
async fn an_office_behind_one_address_can_all_answer() {
    let db = TestDb::new();
    let campaign = survey(&db);
    let lines: String = (0..300)
        .map(|i| format!("staff{i}@example.go.id,A\n"))
        .collect();
    let tokens = invite(&db, campaign, &lines);
    let server = Server::start(&db, &[]);
    for token in &tokens {
        let (status, _) = get(&server.link(token)).await;
        assert_eq!(status, StatusCode::OK);
        let response = post(&server, token, &FULL_ANSWER).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
    }
    assert_eq!(db.stored_answers(), 300);
}

#[tokio::test]
async fn twenty_concurrent_posts_of_one_link_store_exactly_one_response() {
    let db = TestDb::new();
    let campaign = survey(&db);
    let tokens = invite(&db, campaign, "a@example.org,A\n");
    let server = Server::start(&db, &[]);
    let attempts = (0..20).map(|_| {
        let url = server.link(&tokens[0]);
        tokio::spawn(async move {
            client()
                .post(url)
                .form(&FULL_ANSWER)
                .send()
                .await
                .map(|r| r.status())
        })
    });
    let mut statuses = Vec::new();
    for attempt in attempts {
        statuses.push(attempt.await.expect("task").expect("response"));
    }
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::SEE_OTHER)
            .count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::CONFLICT)
            .count(),
        19,
        "{statuses:?}"
    );
    assert_eq!(db.stored_answers(), 1);
}

#[tokio::test]
async fn a_survey_response_cannot_be_joined_to_its_invitation() {
    let db = TestDb::new();
    let campaign = survey(&db);
    let tokens = invite(
        &db,
        campaign,
        "a@example.org,A\nb@example.org,A\nc@example.org,B\n",
    );
    let server = Server::start(&db, &[]);
    for token in &tokens {
        assert_eq!(
            post(&server, token, &FULL_ANSWER).await.status(),
            StatusCode::SEE_OTHER
        );
    }
    let columns = |table: &str| -> Vec<String> {
        use diesel::prelude::*;
        #[derive(QueryableByName)]
        struct Column {
            #[diesel(sql_type = diesel::sql_types::Text)]
            name: String,
        }
        let mut conn = db.conn();
        let sql = if db.is_postgres() {
            format!("SELECT column_name::text AS name FROM information_schema.columns WHERE table_name = '{table}' ORDER BY ordinal_position")
        } else {
            format!("SELECT name FROM pragma_table_info('{table}') ORDER BY cid")
        };
        diesel::sql_query(sql)
            .load::<Column>(&mut conn)
            .expect("columns")
            .into_iter()
            .map(|c| c.name)
            .collect()
    };
    // Nothing in a response names the invitation, its address, its token or a time of day.
    assert_eq!(
        columns("responses"),
        ["id", "campaign_id", "unit_id", "answers", "submitted_on"]
    );
    let invitation_columns = columns("invitations");
    assert!(
        !invitation_columns
            .iter()
            .any(|c| c.contains("response") || c.contains("submitted") || c == "used_at"),
        "{invitation_columns:?}"
    );
    // The only shared columns are the campaign and the unit, which many respondents share.
    assert_eq!(
        db.count("review_reviewers"),
        0,
        "survey responses record no reviewer"
    );
    let used: i64 = {
        use diesel::prelude::*;
        use kinerja::db::schema::invitations::dsl::*;
        let mut conn = db.conn();
        invitations
            .filter(state.eq("used"))
            .count()
            .get_result(&mut conn)
            .expect("count")
    };
    assert_eq!(used, 3);
    let dates: Vec<chrono::NaiveDate> = {
        use diesel::prelude::*;
        use kinerja::db::schema::responses::dsl::*;
        let mut conn = db.conn();
        responses
            .select(submitted_on)
            .load(&mut conn)
            .expect("dates")
    };
    // Released answers carry the day of their release, nothing finer.
    assert_eq!(db.stored_answers(), 3);
    assert!(!dates.is_empty());
    assert!(
        dates.iter().all(|d| *d == chrono::Utc::now().date_naive()),
        "the day only: {dates:?}"
    );
}

#[tokio::test]
async fn a_review_records_its_reviewer_and_comments() {
    let db = TestDb::new();
    let campaign = db.campaign(UNITS, RECORDS, &[]);
    let tokens = invite(&db, campaign, "reviewer@example.go.id,A\n");
    let server = Server::start(&db, &[]);
    let (_, html) = get(&format!("{}?lang=en", server.link(&tokens[0]))).await;
    assert!(
        html.contains("<strong>Evidence:</strong> Records index"),
        "evidence shown"
    );
    assert!(html.contains(r#"name="comment.storage-index""#));
    let response = post(
        &server,
        &tokens[0],
        &[
            ("storage-index", "ya"),
            ("storage-backup", "mingguan"),
            ("access-log", "na"),
            ("comment.storage-backup", "Backups <weekly> only"),
            ("lang", "en"),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    // The thank-you page: a review counts for the unit.
    let location = response.headers()["location"]
        .to_str()
        .unwrap_or("")
        .to_owned();
    let (status, html) = get(&server.url(&location)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("<p>Your answers to “Test” have been received.</p>"),
        "{html}"
    );
    assert!(html.contains("<p>Your review counts toward this unit&#39;s score. The final results come after the answering period closes.</p>"), "{html}");
    assert_eq!(db.count("review_reviewers"), 1);
    assert_eq!(db.count("review_comments"), 1);
    let results = results_json(&db, campaign);
    let a = unit(&results, "A");
    // storage 100 * (50 + 25) / 100 = 75; access not applicable.
    assert_eq!(a["score"], 75.0);
}

#[tokio::test]
async fn page_text_is_escaped() {
    let db = TestDb::new();
    let source = std::fs::read_to_string(CLIMATE)
        .expect("fixture")
        .replace("Team Climate Survey", "<script>alert(1)</script>");
    let template = db.write("evil.toml", &source);
    let campaign = db.campaign(UNITS, &template.display().to_string(), &[]);
    let tokens = invite(&db, campaign, "a@example.org,A\n");
    let server = Server::start(&db, &[]);
    let (_, html) = get(&format!("{}?lang=en", server.link(&tokens[0]))).await;
    assert!(!html.contains("<script>"), "{html}");
    assert!(
        html.contains("&#60;script&#62;alert(1)&#60;/script&#62;")
            || html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{html}"
    );
}

#[tokio::test]
async fn healthz_and_progress() {
    let db = TestDb::new();
    let campaign = survey(&db);
    let tokens = invite(
        &db,
        campaign,
        "a@example.org,A\nb@example.org,A\nc@example.org,B\n",
    );
    let server = Server::start(&db, &[]);
    let (status, body) = get(&server.url("/healthz")).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "ok\n"));
    post(&server, &tokens[0], &FULL_ANSWER).await;
    let out = db.ok(&[
        "campaign",
        "progress",
        &campaign.to_string(),
        "--format",
        "json",
    ]);
    let progress: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    let a = unit(&progress, "A");
    assert_eq!(
        (
            a["invited"].as_i64(),
            a["submitted"].as_i64(),
            a["response_rate"].as_f64()
        ),
        (Some(2), Some(1), Some(0.5))
    );
    let table = db.ok(&["campaign", "progress", &campaign.to_string()]);
    assert!(
        table.lines().any(
            |l| l.split_whitespace().collect::<Vec<_>>() == ["A", "2", "1", "50%", "Unit", "A"]
        ),
        "{table}"
    );
    assert!(
        table
            .lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>() == ["total", "3", "1"]),
        "{table}"
    );
}

// A SQLite file cannot be taken away from a running server; a PostgreSQL database can.
#[tokio::test]
#[ignore = "needs PostgreSQL (KINERJA_TEST_PG_URL)"]
async fn healthz_turns_503_when_the_database_goes_away() {
    let db = TestDb::postgres();
    db.ok(&["migrate"]);
    let server = Server::start(&db, &[]);
    let (status, _) = get(&server.url("/healthz")).await;
    assert_eq!(status, StatusCode::OK);
    db.drop_database();
    let (status, _) = get(&server.url("/healthz")).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
#[ignore = "needs PostgreSQL (KINERJA_TEST_PG_URL)"]
async fn two_instances_share_one_postgres_database() {
    let db = TestDb::postgres();
    let campaign = survey(&db);
    let lines: String = (0..40)
        .map(|i| format!("p{i}@example.org,{}\n", if i % 2 == 0 { "A" } else { "B" }))
        .collect();
    let tokens = invite(&db, campaign, &lines);
    let first = Server::start(&db, &[]);
    let second = Server::start(&db, &[]);
    let mut tasks = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        // Each link goes to one server; the first ten go to both at once.
        let mut urls = vec![if i % 2 == 0 {
            first.link(token)
        } else {
            second.link(token)
        }];
        if i < 10 {
            urls.push(if i % 2 == 0 {
                second.link(token)
            } else {
                first.link(token)
            });
        }
        for url in urls {
            tasks.push(tokio::spawn(async move {
                client()
                    .post(url)
                    .form(&FULL_ANSWER)
                    .send()
                    .await
                    .map(|r| r.status())
            }));
        }
    }
    let mut stored = 0;
    for task in tasks {
        if task.await.expect("task").expect("response") == StatusCode::SEE_OTHER {
            stored += 1;
        }
    }
    assert_eq!(stored, 40);
    assert_eq!(db.stored_answers(), 40);
    // Both instances released pending answers as they came; none was released twice.
    assert!(db.count("responses") >= 38, "{}", db.count("responses"));
    let out = db.ok(&[
        "campaign",
        "progress",
        &campaign.to_string(),
        "--format",
        "json",
    ]);
    let progress: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    let submitted: i64 = progress["units"]
        .as_array()
        .map(|u| u.iter().filter_map(|u| u["submitted"].as_i64()).sum())
        .unwrap_or(0);
    assert_eq!(submitted, 40);
    db.ok(&["campaign", "close", &campaign.to_string()]);
    assert_eq!(
        db.count("responses"),
        40,
        "every answer released exactly once"
    );
    assert_eq!(db.count("pending_answers"), 0);
}

#[test]
fn invite_files_are_checked_line_by_line_and_all_or_nothing() {
    let db = TestDb::new();
    let campaign = survey(&db).to_string();
    let file = db.write(
        "people.csv",
        "email,unit,name,lang\nani@example.go.id,A,Ani,id\nnot-an-address,A,,\nbudi@example.go.id,NOPE,,\ncitra@example.go.id,B,,fr\nANI@example.go.id,A,Ani again,\n",
    );
    let err = db.fails(&[
        "invite",
        "--campaign",
        &campaign,
        "--public-url",
        PUBLIC_URL,
        &file.display().to_string(),
    ]);
    for expected in [
        "people.csv: line 3, column 'email': 'not-an-address' is not an email address",
        "people.csv: line 4, column 'unit': unknown unit 'NOPE'",
        "people.csv: line 5, column 'lang': 'fr' is not a language: use id or en",
        "people.csv: line 6, column 'email': ani@example.go.id is invited to unit A twice (first on line 2)",
    ] {
        assert!(err.contains(expected), "missing «{expected}» in:\n{err}");
    }
    assert_eq!(db.count("invitations"), 0);

    let good = db.write(
        "good.csv",
        "email,unit,lang\nani@example.go.id,A,en\nbudi@example.go.id,B,\n",
    );
    let out = db.ok(&[
        "invite",
        "--campaign",
        &campaign,
        "--public-url",
        "https://survei.example.go.id/",
        &good.display().to_string(),
    ]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2);
    let cells: Vec<&str> = lines[0].split('\t').collect();
    assert_eq!(cells[..2], ["ani@example.go.id", "A"]);
    let token = cells[2]
        .strip_prefix("https://survei.example.go.id/r/")
        .expect("link under the public URL");
    assert_eq!(token.len(), 43, "256 random bits, URL-safe base64");
    assert!(token
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
    // Only the token's hash is stored.
    use diesel::prelude::*;
    use kinerja::db::schema::invitation_tokens;
    use kinerja::db::schema::invitations::dsl::*;
    let mut conn = db.conn();
    let hashes: Vec<String> = invitation_tokens::table
        .select(invitation_tokens::token_sha256)
        .order(invitation_tokens::invitation_id)
        .load(&mut conn)
        .expect("hashes");
    assert_eq!(hashes[0], kinerja::token::hash(token));
    assert!(!hashes.iter().any(|h| h.contains(token)));
    let langs: Vec<String> = invitations
        .select(lang)
        .order(id)
        .load(&mut conn)
        .expect("langs");
    assert_eq!(langs, ["en", "id"]);
}

#[tokio::test]
async fn request_logs_never_show_a_token() {
    let db = TestDb::new();
    let campaign = survey(&db);
    let tokens = invite(&db, campaign, "a@example.org,A\n");
    let log = db.dir.path().join("server.log");
    let server = Server::start_logging(&db, &[], &log);
    get(&server.link(&tokens[0])).await;
    assert_eq!(
        post(&server, &tokens[0], &FULL_ANSWER).await.status(),
        StatusCode::SEE_OTHER
    );
    // The thank-you page the answer is sent on to would tell its time a moment later.
    let (status, _) = get(&server.url(&format!("/r/{}/thanks", tokens[0]))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        post(&server, &tokens[0], &FULL_ANSWER).await.status(),
        StatusCode::CONFLICT
    );
    // Paths that match no route are whatever the client typed, a token under a wrong prefix
    // too: the log names no path then.
    for path in [
        format!("/x/{}", tokens[0]),
        format!("/r/{}/extra", tokens[0]),
        format!("/{}", tokens[0]),
    ] {
        let (status, _) = get(&server.url(&path)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    let (status, _) = get(&server.url("/healthz")).await;
    assert_eq!(status, StatusCode::OK);
    drop(server);
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(text.contains("path=\"(no route)\""), "{text}");
    assert!(
        text.contains("path=\"/healthz\"") || text.contains("path=/healthz"),
        "{text}"
    );
    assert!(
        text.contains("path=\"/r/{token}\"") || text.contains("path=/r/{token}"),
        "{text}"
    );
    assert!(
        text.contains("status=200"),
        "the form view is logged: {text}"
    );
    assert!(
        text.contains("status=409"),
        "a refused post is logged: {text}"
    );
    // A stored answer leaves no line, so no time of it can be matched with anything.
    assert!(!text.contains("status=303"), "{text}");
    assert!(!text.contains("thanks"), "{text}");
    assert!(!text.contains(&tokens[0]), "{text}");
}

#[tokio::test]
async fn links_stop_working_after_the_closing_day() {
    let db = TestDb::new();
    let past = db.campaign(UNITS, CLIMATE, &["--closes", "2020-12-31"]);
    let tomorrow = (chrono::Utc::now().date_naive() + chrono::Duration::days(1)).to_string();
    let future = common::last_line(&db.ok(&[
        "campaign",
        "create",
        "--template",
        "team-climate",
        "--period",
        "p",
        "--title",
        "Open",
        "--closes",
        &tomorrow,
    ]));
    let old = invite(&db, past, "a@example.org,A\n");
    let open = invite(&db, future.parse().expect("id"), "a@example.org,A\n");
    let server = Server::start(&db, &[]);
    let (status, html) = get(&format!("{}?lang=en", server.link(&old[0]))).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(html.contains("The survey is closed"));
    let (status, _) = get(&server.link(&open[0])).await;
    assert_eq!(status, StatusCode::OK);
    let out = db.kinerja(&[
        "campaign",
        "create",
        "--template",
        "team-climate",
        "--period",
        "p",
        "--title",
        "t",
        "--closes",
        "31-12-2026",
    ]);
    assert_eq!(out.status.code(), Some(2), "a usage error");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("invalid value '31-12-2026' for '--closes <DATE>'"),
        "{err}"
    );
}

#[tokio::test]
async fn blank_forms_of_one_unit_differ_only_by_their_token() {
    let db = TestDb::new();
    let campaign = survey(&db);
    let tokens = invite(&db, campaign, "a@example.org,A\nb@example.org,A\n");
    let server = Server::start(&db, &[]);
    let mut pages = Vec::new();
    for token in &tokens {
        for _ in 0..2 {
            let (status, html) = get(&server.link(token)).await;
            assert_eq!(status, StatusCode::OK);
            assert!(
                html.contains(&format!(r#"<form method="post" action="/r/{token}""#)),
                "{html}"
            );
            pages.push(html.replace(token.as_str(), "TOKEN"));
        }
    }
    assert!(pages.windows(2).all(|w| w[0] == w[1]));
    // A draft makes the page the respondent's own again.
    post(
        &server,
        &tokens[0],
        &[("clarity-goals", "3"), ("action", "save")],
    )
    .await;
    let (_, html) = get(&server.link(&tokens[0])).await;
    assert!(html.contains(r#"id="i-clarity-goals-3" name="clarity-goals" value="3" checked>"#));
    let (_, other) = get(&server.link(&tokens[1])).await;
    assert!(!other.contains(" checked>"));
}

/// Issue 11, row 12: other methods on a link are 405 with `Allow` (not "unknown link"), and
/// HEAD is answered like GET, without a body, everywhere a page is read.
#[tokio::test]
async fn other_methods_are_refused_with_allow_and_head_is_answered() {
    let db = TestDb::new();
    let campaign = survey(&db);
    let tokens = invite(&db, campaign, "ani@example.go.id,A\n");
    let server = Server::start(&db, &[]);
    let link = server.link(&tokens[0]);
    for method in ["PUT", "DELETE", "PATCH", "OPTIONS"] {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let response = client()
            .request(method.clone(), &link)
            .send()
            .await
            .expect("request");
        assert_eq!(
            response.status(),
            StatusCode::METHOD_NOT_ALLOWED,
            "{method}"
        );
        assert_eq!(response.headers()["allow"], "GET, HEAD, POST", "{method}");
        assert_eq!(response.headers()["x-frame-options"], "DENY");
    }
    let head = client().head(&link).send().await.expect("HEAD");
    assert_eq!(head.status(), StatusCode::OK);
    assert_eq!(head.headers()["content-type"], "text/html; charset=utf-8");
    assert_eq!(head.headers()["cache-control"], "no-store");
    assert_eq!(head.bytes().await.expect("body").len(), 0);
    let unknown = client()
        .head(server.link("a".repeat(43).as_str()))
        .send()
        .await
        .expect("HEAD");
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    for path in ["/healthz", "/thanks", "/static/kinerja.css"] {
        let url = format!("{}{path}", server.base);
        let head = client().head(&url).send().await.expect("HEAD");
        assert_eq!(head.status(), StatusCode::OK, "{path}");
        assert_eq!(head.bytes().await.expect("body").len(), 0, "{path}");
        let post = client().post(&url).send().await.expect("POST");
        assert_eq!(post.status(), StatusCode::METHOD_NOT_ALLOWED, "{path}");
        assert_eq!(post.headers()["allow"], "GET, HEAD", "{path}");
    }
    // The form itself still works.
    let (status, _) = get(&link).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn behind_one_trusted_proxy_the_right_most_forwarded_address_is_the_client() {
    let db = TestDb::new();
    let campaign = survey(&db);
    let tokens = invite(&db, campaign, "a@example.org,A\n");
    let server = Server::start(&db, &["--trusted-proxies", "1"]);
    let guess = |i: usize, forwarded_for: String| {
        client()
            .get(server.link(&format!("guess{i}")))
            .header("X-Forwarded-For", forwarded_for)
            .send()
    };

    // 40 guesses from 203.0.113.7 (what the proxy appended), each with a different left-most
    // entry the client wrote itself: the default miss limit (30) counts them all as one client.
    let mut statuses = Vec::new();
    for i in 0..40 {
        let response = guess(i, format!("10.{i}.0.1, 203.0.113.7"))
            .await
            .expect("GET");
        statuses.push(response.status());
    }
    assert!(
        statuses[..30].iter().all(|s| *s == StatusCode::NOT_FOUND),
        "{statuses:?}"
    );
    assert!(
        statuses[30..]
            .iter()
            .all(|s| *s == StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );

    // Another client behind the proxy, even one that writes the banned address on the left,
    // is not banned; nor is the proxy itself (the peer, for a request without the header).
    let response = guess(40, "203.0.113.7, 198.51.100.9".to_owned())
        .await
        .expect("GET");
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let (status, _) = get(&server.link("guess41")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // An entry that is not an address falls back to the peer, which is not banned.
    let response = guess(42, "not-an-address".to_owned()).await.expect("GET");
    assert_eq!(response.status(), StatusCode::NOT_FOUND);

    // The standard Forwarded header, without X-Forwarded-For: the same client by its `for=`.
    let forwarded = |i: usize, value: &'static str| {
        client()
            .get(server.link(&format!("guess{i}")))
            .header("Forwarded", value)
            .send()
    };
    let response = forwarded(43, r#"for=6.6.6.6, for="203.0.113.7:4711";proto=https"#)
        .await
        .expect("GET");
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let response = forwarded(44, r#"for=203.0.113.7, for="[2001:db8::9]:4711""#)
        .await
        .expect("GET");
    assert_eq!(response.status(), StatusCode::NOT_FOUND);

    // A real link from the banned address still opens (misses ban unknown links only).
    let response = client()
        .get(server.link(&tokens[0]))
        .header("X-Forwarded-For", "203.0.113.7")
        .send()
        .await
        .expect("GET");
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_body_dribbled_a_byte_a_second_is_cut_off_with_408() {
    use std::io::{Read as _, Write as _};
    use std::time::{Duration, Instant};

    let db = TestDb::new();
    let campaign = survey(&db);
    let tokens = invite(&db, campaign, "a@example.org,A\n");
    let server = Server::start(&db, &["--body-timeout-secs", "2"]);
    let address = server.base.trim_start_matches("http://").to_owned();
    let mut stream = std::net::TcpStream::connect(&address).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("read timeout");
    let body = "clarity-goals=5&clarity-role=4&clarity-confused=2&support-manager=5";
    let head = format!(
        "POST /r/{} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n",
        tokens[0],
        body.len()
    );
    stream.write_all(head.as_bytes()).expect("head");
    let started = Instant::now();
    let mut writer = stream.try_clone().expect("clone");
    // Ends when the server closes the connection (the write fails) or the body is sent.
    std::thread::spawn(move || {
        for byte in body.bytes() {
            if writer.write_all(&[byte]).is_err() {
                break;
            }
            std::thread::sleep(Duration::from_secs(1));
        }
    });
    let reading = tokio::task::spawn_blocking(move || {
        let mut answer = Vec::new();
        let mut buffer = [0u8; 4096];
        // Until the status line is in, or the server closes the connection, or 10 s pass.
        while !answer.windows(2).any(|w| w == b"\r\n") {
            match stream.read(&mut buffer) {
                Ok(0) | Err(_) => break,
                Ok(n) => answer.extend_from_slice(&buffer[..n]),
            }
        }
        (answer, started.elapsed())
    });

    // The server goes on answering others meanwhile.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (status, _) = get(&server.url("/healthz")).await;
    assert_eq!(status, StatusCode::OK);

    let (answer, elapsed) = reading.await.expect("reader");
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(
        elapsed >= Duration::from_millis(1900) && elapsed < Duration::from_secs(5),
        "{elapsed:?}"
    );
    assert_eq!(db.stored_answers(), 0);
}

/// The lines of the problem summary of a 422 page, as (link target, text).
fn problem_lines(html: &str) -> Vec<(String, String)> {
    let Some(start) = html.find(r#"<div class="problems""#) else {
        return Vec::new();
    };
    let summary = &html[start..];
    let summary = &summary[..summary.find("</div>").unwrap_or(summary.len())];
    summary
        .split("<li>")
        .skip(1)
        .filter_map(|li| {
            let li = li.split("</li>").next()?;
            let rest = li.strip_prefix(r##"<a href="#"##)?;
            let (target, rest) = rest.split_once(r#"">"#)?;
            Some((target.to_owned(), rest.strip_suffix("</a>")?.to_owned()))
        })
        .collect()
}

/// A survey campaign that closes on 31 December 2099, with a contact address.
fn closing_with_contact(db: &TestDb) -> i64 {
    let extra = [
        "--closes",
        "2099-12-31",
        "--contact",
        "survei@example.go.id",
    ];
    db.campaign(UNITS, CLIMATE, &extra)
}

/// Issue 12, the form: sections as numbered headings, the closing day and the time it takes,
/// the answered count's text, and the organizer's address.
#[tokio::test]
async fn the_form_states_its_parts_closing_day_time_and_contact() {
    let db = TestDb::new();
    let campaign = closing_with_contact(&db);
    let tokens = invite(&db, campaign, "a@example.org,A\n");
    let plain = db.campaign(UNITS, CLIMATE, &[]);
    let plain_tokens = invite(&db, plain, "b@example.org,B\n");
    let server = Server::start(&db, &[]);

    let (_, html) = get(&server.link(&tokens[0])).await;
    // team-climate: 5 scale items, 30 + 5 * 12 s, so 2 minutes.
    assert!(
        html.contains(r#"<p class="facts"><strong>Terbuka sampai 31 Desember 2099</strong> · sekitar 2 menit</p>"#),
        "{html}"
    );
    assert!(html.contains(r#"<h2 id="part-1">Bagian 1 dari 2 · Kejelasan</h2>"#));
    assert!(html.contains(r#"<h2 id="part-2">Bagian 2 dari 2 · Dukungan</h2>"#));
    assert!(html.contains(
        r#"<p class="progress"><span class="answered"></span> dari 5 pertanyaan dijawab</p>"#
    ));
    assert!(html.contains(r#"<p class="contact">Ada pertanyaan? Tulis kepada penyelenggara: <a href="mailto:survei@example.go.id">survei@example.go.id</a></p>"#));
    let (_, english) = get(&format!("{}?lang=en", server.link(&tokens[0]))).await;
    assert!(english.contains(
        r#"<p class="facts"><strong>Open until 31 December 2099</strong> · about 2 minutes</p>"#
    ));
    assert!(english.contains(r#"<h2 id="part-2">Part 2 of 2 · Support</h2>"#));
    assert!(english.contains("of 5 questions answered</p>"));

    // Without a closing day or a contact: the time only, no contact line.
    let (_, html) = get(&server.link(&plain_tokens[0])).await;
    assert!(
        html.contains(r#"<p class="facts">sekitar 2 menit</p>"#),
        "{html}"
    );
    assert!(!html.contains(r#"class="contact""#));

    // The saved notice names the closing day.
    let response = post(
        &server,
        &tokens[0],
        &[("clarity-goals", "3"), ("action", "save"), ("lang", "en")],
    )
    .await;
    let location = response.headers()["location"]
        .to_str()
        .unwrap_or("")
        .to_owned();
    let (_, html) = get(&server.url(&location)).await;
    assert!(html.contains(r#"<p class="notice" role="status">Your answers are saved. Open the same link to continue, by 31 December 2099 at the latest.</p>"#), "{html}");
}

/// Issue 12: a form sent back says in its title how many problems it has, puts the focus on
/// the summary, and gives one line per problem naming the question, linked to it.
#[tokio::test]
async fn a_form_with_problems_counts_them_in_its_title_and_names_each_question() {
    let db = TestDb::new();
    let campaign = survey(&db);
    let tokens = invite(&db, campaign, "a@example.org,A\n");
    let server = Server::start(&db, &[]);
    let response = post(
        &server,
        &tokens[0],
        &[
            ("clarity-goals", "5"),
            ("clarity-role", "9"),
            ("lang", "en"),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap_or_default();
    assert!(
        html.contains("<title>3 problems · Team Climate Survey</title>"),
        "{html}"
    );
    assert!(html.contains(
        r#"<div class="problems" id="problems" tabindex="-1" autofocus aria-labelledby="problems-heading">"#
    ));
    assert!(html.contains(r#"<h2 id="problems-heading">3 problems</h2>"#));
    assert_eq!(
        problem_lines(&html),
        [
            (
                "item-clarity-role".to_owned(),
                "2. My part in reaching those goals is clear. — Choose one of the options offered."
                    .to_owned()
            ),
            (
                "item-clarity-confused".to_owned(),
                "3. The team&#39;s priorities are often confusing. — Please answer this question."
                    .to_owned()
            ),
            (
                "item-support-manager".to_owned(),
                "4. My manager helps when I am blocked. — Please answer this question.".to_owned()
            ),
        ]
    );
    // In Indonesian, and a long question cut.
    let long = "Pimpinan unit saya menjelaskan mengapa strategi organisasi penting bagi pekerjaan kami sehari-hari.";
    let source = std::fs::read_to_string(CLIMATE)
        .expect("fixture")
        .replace("Atasan saya membantu ketika ada hambatan.", long)
        .replace("version = 1", "version = 2");
    let template = db.write("long.toml", &source);
    db.ok(&["template", "import", &template.display().to_string()]);
    let second = common::last_line(&db.ok(&[
        "campaign",
        "create",
        "--template",
        "team-climate",
        "--template-version",
        "2",
        "--period",
        "2027",
        "--title",
        "Long",
    ]));
    let long_tokens = invite(&db, second.parse().expect("id"), "b@example.org,A\n");
    let response = post(&server, &long_tokens[0], &[("clarity-goals", "5")]).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap_or_default();
    assert!(
        html.contains("<title>Ada 3 masalah · Survei Iklim Tim</title>"),
        "{html}"
    );
    assert_eq!(
        problem_lines(&html)[2].1,
        "4. Pimpinan unit saya menjelaskan mengapa strategi organisasi penting… — Mohon jawab pertanyaan ini."
    );
    assert_eq!(db.stored_answers(), 0);
    assert_eq!(db.count("drafts"), 0, "a 422 stores nothing");
}

/// Issue 12: the language switch is a button of the form that saves a draft first, so the
/// answers chosen so far are there in the other language; an unknown button is refused.
#[tokio::test]
async fn the_language_switch_saves_a_draft_and_keeps_the_answers() {
    let db = TestDb::new();
    let campaign = survey(&db);
    let tokens = invite(&db, campaign, "a@example.org,A\n");
    let token = &tokens[0];
    let server = Server::start(&db, &[]);
    let (_, html) = get(&server.link(token)).await;
    assert!(html.contains(r#"<button type="submit" form="answers" name="action" value="lang-en" class="link" lang="en" aria-describedby="switch-keeps">English</button>"#), "{html}");
    assert!(
        html.contains(r#"<form method="post" action="/r/"#) && html.contains(r#" id="answers">"#)
    );

    let response = post(
        &server,
        token,
        &[
            ("clarity-goals", "4"),
            ("support-manager", "2"),
            ("lang", "id"),
            ("action", "lang-en"),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        response.headers()["location"],
        format!("/r/{token}?lang=en").as_str()
    );
    assert_eq!(db.count("drafts"), 1, "the switch saved a draft");
    assert_eq!(db.stored_answers(), 0, "and submitted nothing");
    let (status, html) = get(&server.url(&format!("/r/{token}?lang=en"))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(r#"<html lang="en">"#));
    assert!(html.contains(r#"id="i-clarity-goals-4" name="clarity-goals" value="4" checked>"#));
    assert!(html.contains(r#"id="i-support-manager-2" name="support-manager" value="2" checked>"#));
    assert_eq!(html.matches(" checked>").count(), 2);
    assert!(
        !html.contains(r#"class="notice""#),
        "no saved notice: nobody asked to save"
    );
    assert!(html.contains(r#"value="lang-id" class="link" lang="id""#));

    // A button the form does not have: 400, nothing stored, the draft as it was.
    for action in ["lang-fr", "publish"] {
        let response = post(
            &server,
            token,
            &[("clarity-goals", "1"), ("action", action)],
        )
        .await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{action}");
    }
    let (_, html) = get(&server.link(token)).await;
    assert!(html.contains(r#"id="i-clarity-goals-4" name="clarity-goals" value="4" checked>"#));
    assert_eq!(db.stored_answers(), 0);
}

/// Issue 12: the thank-you page of a link names the survey and says what happens next; the
/// pages of used, closed, expired and unopened links give the organizer's address.
#[tokio::test]
async fn end_pages_name_the_survey_say_what_follows_and_give_the_contact() {
    let db = TestDb::new();
    let campaign = closing_with_contact(&db);
    let tokens = invite(&db, campaign, "a@example.org,A\nb@example.org,B\n");
    let server = Server::start(&db, &[]);

    // Before submitting, the link's thank-you address leads to the form.
    let response = client()
        .get(server.url(&format!("/r/{}/thanks?lang=en", tokens[0])))
        .send()
        .await
        .expect("GET");
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        response.headers()["location"],
        format!("/r/{}?lang=en", tokens[0]).as_str()
    );

    let response = post(&server, &tokens[0], &FULL_ANSWER).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (status, html) = get(&server.url(&format!("/r/{}/thanks?lang=en", tokens[0]))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<h1>Thank you</h1>"));
    assert!(
        html.contains("<p>Your answers to “Test” have been received.</p>"),
        "{html}"
    );
    assert!(html.contains("<p>Your unit&#39;s results are shown only once at least 5 colleagues have answered, and never as one person&#39;s answers. The final results come after the answering period closes on 31 December 2099.</p>"), "{html}");
    assert!(html.contains(r#"<a href="mailto:survei@example.go.id">survei@example.go.id</a>"#));
    let (_, html) = get(&server.url(&format!("/r/{}/thanks", tokens[0]))).await;
    assert!(
        html.contains("<p>Jawaban Anda untuk “Test” telah diterima.</p>"),
        "{html}"
    );
    assert!(html.contains("<p>Hasil unit Anda hanya ditampilkan bila sedikitnya 5 pegawai unit menjawab, dan tidak pernah jawaban perorangan. Hasil akhir tersedia setelah periode pengisian ditutup pada 31 Desember 2099.</p>"));

    // 409: the survey's title and the contact.
    let (status, html) = get(&format!("{}?lang=en", server.link(&tokens[0]))).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(html.contains(r#"<p class="meta">Test</p>"#), "{html}");
    assert!(html.contains(r#"<p class="contact">Questions? Write to the organizer: <a href="mailto:survei@example.go.id">survei@example.go.id</a></p>"#), "{html}");
    let response = post(&server, &tokens[0], &FULL_ANSWER).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    assert!(response
        .text()
        .await
        .unwrap_or_default()
        .contains(r#"<a href="mailto:survei@example.go.id">"#));

    // 410 after closing, on view and on submit; the thank-you page then says it is over.
    db.ok(&["campaign", "close", &campaign.to_string()]);
    let (status, html) = get(&server.link(&tokens[1])).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(html.contains("Survei sudah ditutup"));
    assert!(html.contains(r#"<p class="contact">Ada pertanyaan? Tulis kepada penyelenggara: <a href="mailto:survei@example.go.id">survei@example.go.id</a></p>"#), "{html}");
    let response = post(&server, &tokens[1], &FULL_ANSWER).await;
    assert_eq!(response.status(), StatusCode::GONE);
    assert!(response
        .text()
        .await
        .unwrap_or_default()
        .contains(r#"<a href="mailto:survei@example.go.id">"#));
    let (_, html) = get(&server.url(&format!("/r/{}/thanks?lang=en", tokens[0]))).await;
    assert!(
        html.contains("The answering period is over; the organizer prepares the final results."),
        "{html}"
    );

    // An expired link (past its closing day) and a campaign not open yet: 410 with the contact.
    let expired = common::last_line(&db.ok(&[
        "campaign",
        "create",
        "--template",
        "team-climate",
        "--period",
        "2020",
        "--title",
        "Expired",
        "--closes",
        "2020-12-31",
        "--contact",
        "lama@example.go.id",
    ]));
    let draft = common::last_line(&db.ok(&[
        "campaign",
        "create",
        "--template",
        "team-climate",
        "--period",
        "2100",
        "--title",
        "Later",
        "--draft",
        "--contact",
        "nanti@example.go.id",
    ]));
    let old = invite(&db, expired.parse().expect("id"), "c@example.org,C\n");
    let later = invite(&db, draft.parse().expect("id"), "c@example.org,C\n");
    let (status, html) = get(&server.link(&old[0])).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(
        html.contains(r#"<a href="mailto:lama@example.go.id">"#),
        "{html}"
    );
    let (status, html) = get(&server.link(&later[0])).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(
        html.contains("Survei belum dibuka")
            && html.contains(r#"<a href="mailto:nanti@example.go.id">"#),
        "{html}"
    );

    // A campaign without a contact: no contact line; an unknown link's thank-you page is 404.
    let plain = db.campaign(UNITS, CLIMATE, &[]);
    let plain_tokens = invite(&db, plain, "d@example.org,A\n");
    post(&server, &plain_tokens[0], &FULL_ANSWER).await;
    let (status, html) = get(&server.link(&plain_tokens[0])).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(!html.contains(r#"class="contact""#), "{html}");
    let (status, html) = get(&server.url(&format!("/r/{}/thanks", plain_tokens[0]))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Hasil akhir tersedia setelah periode pengisian ditutup.</p>"),
        "{html}"
    );
    let (status, _) = get(&server.url(&format!("/r/{}/thanks", "x".repeat(43)))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
