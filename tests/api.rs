//! The JSON API (issue 10) through a running `kinerja serve`: tokens, roles and scopes, every
//! route, the problem bodies, and that the API answers what the command line answers.

mod common;

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, WWW_AUTHENTICATE};
use reqwest::{Response, StatusCode};
use serde_json::{json, Value};

use common::server::{client, Server};
use common::{last_line, results_json, TestDb, CLIMATE};

/// ROOT > A > A1, ROOT > B.
const UNITS: &str =
    "code,name,parent_code\nROOT,Organisation,\nA,Unit A,ROOT\nA1,Unit A1,A\nB,Unit B,ROOT\n";
const PASSWORD: &str = "kuda-lumping 2026";

struct Setup {
    db: TestDb,
    server: Server,
    admin: String,
    viewer: String,
    /// An admin scoped to A.
    scoped: String,
    /// The campaign of every unit, with responses.
    campaign: i64,
    /// A campaign of B only.
    b_only: i64,
}

fn token(db: &TestDb, email: &str, role: &str, scope: Option<&str>) -> String {
    let mut args = vec![
        "organizer",
        "add",
        email,
        "--role",
        role,
        "--password-stdin",
    ];
    if let Some(scope) = scope {
        args.extend(["--scope", scope]);
    }
    let out = db.kinerja_input(&args, &format!("{PASSWORD}\n"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let name = email.split('@').next().unwrap_or("t");
    last_line(&db.ok(&["token", "create", "--organizer", email, "--name", name]))
}

/// Responses of the team-climate survey: A has 5, A1 5, B 5 (min_responses 5).
fn responses_csv() -> String {
    let mut csv = String::from(
        "unit,clarity-goals,clarity-role,clarity-confused,support-manager,support-tools\n",
    );
    for (unit, base) in [("A", 4), ("A1", 3), ("B", 2)] {
        for i in 0..5 {
            let v = |k: i32| ((base + i + k - 1) % 5) + 1;
            csv.push_str(&format!(
                "{unit},{},{},{},{},{}\n",
                v(0),
                v(1),
                v(2),
                v(3),
                v(4)
            ));
        }
    }
    csv
}

fn setup() -> Setup {
    let db = TestDb::new();
    let campaign = db.campaign(UNITS, CLIMATE, &[]);
    let file = db.write("responses.csv", &responses_csv());
    db.ok(&[
        "responses",
        "import",
        "--campaign",
        &campaign.to_string(),
        &file.display().to_string(),
    ]);
    let b_only = last_line(&db.ok(&[
        "campaign",
        "create",
        "--template",
        "team-climate",
        "--period",
        "2026-B",
        "--title",
        "B only",
        "--units",
        "B",
    ]))
    .parse()
    .expect("campaign id");
    let admin = token(&db, "admin@example.go.id", "admin", None);
    let viewer = token(&db, "viewer@example.go.id", "viewer", None);
    let scoped = token(&db, "scoped@example.go.id", "admin", Some("A"));
    let server = Server::start(&db, &["--public-url", "http://127.0.0.1:9"]);
    Setup {
        db,
        server,
        admin,
        viewer,
        scoped,
        campaign,
        b_only,
    }
}

impl Setup {
    async fn get(&self, token: &str, path: &str) -> Response {
        client()
            .get(self.server.url(path))
            .header(AUTHORIZATION, format!("Bearer {token}"))
            .send()
            .await
            .expect("GET")
    }

    async fn post(
        &self,
        token: &str,
        path: &str,
        content_type: &str,
        body: impl Into<reqwest::Body>,
    ) -> Response {
        client()
            .post(self.server.url(path))
            .header(AUTHORIZATION, format!("Bearer {token}"))
            .header(CONTENT_TYPE, content_type)
            .body(body)
            .send()
            .await
            .expect("POST")
    }
}

/// Checks a problem response: status, content type, and the whole body.
async fn problem(response: Response, status: u16, detail: &str, errors: Option<Value>) {
    assert_eq!(response.status().as_u16(), status);
    assert_eq!(
        response.headers()[CONTENT_TYPE].to_str().ok(),
        Some("application/problem+json")
    );
    let body: Value = response.json().await.expect("problem JSON");
    let mut expected = json!({
        "type": "about:blank",
        "title": StatusCode::from_u16(status).ok().and_then(|s| s.canonical_reason()).unwrap_or(""),
        "status": status,
        "detail": detail,
    });
    if let Some(errors) = errors {
        expected["errors"] = errors;
    }
    assert_eq!(body, expected);
}

async fn json_of(response: Response) -> Value {
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{:?}",
        response.url().path()
    );
    response.json().await.expect("JSON")
}

fn codes(units: &Value) -> Vec<String> {
    units
        .as_array()
        .expect("array")
        .iter()
        .map(|u| u["code"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn tokens_roles_and_scopes_decide_what_is_answered() {
    let s = setup();
    let c = s.campaign;
    // No token, a bad one, another scheme: 401 with the challenge.
    let none = client()
        .get(s.server.url("/api/v1/campaigns"))
        .send()
        .await
        .expect("GET");
    assert_eq!(none.headers()[WWW_AUTHENTICATE], "Bearer realm=\"kinerja\"");
    problem(
        none,
        401,
        "an Authorization: Bearer <token> header is required (kinerja token create)",
        None,
    )
    .await;
    let bad = "the token is missing, malformed, unknown or revoked";
    problem(
        s.get("kinerja_not-a-real-token", "/api/v1/units").await,
        401,
        bad,
        None,
    )
    .await;
    let basic = client()
        .get(s.server.url("/api/v1/units"))
        .header(AUTHORIZATION, format!("Basic {}", s.admin))
        .send()
        .await
        .expect("GET");
    problem(basic, 401, bad, None).await;

    // Campaigns: the scoped admin does not see the campaign of B only.
    let all = json_of(s.get(&s.admin, "/api/v1/campaigns").await).await;
    let ids: Vec<i64> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [c, s.b_only]);
    assert_eq!(all[0]["template"], "team-climate");
    assert_eq!(all[0]["status"], "open");
    assert_eq!(all[0]["units"], json!(["A", "A1", "B", "ROOT"]));
    let scoped = json_of(s.get(&s.scoped, "/api/v1/campaigns").await).await;
    assert_eq!(scoped.as_array().unwrap().len(), 1);
    assert_eq!(scoped[0]["units"], json!(["A", "A1"]));
    let one = json_of(s.get(&s.viewer, &format!("/api/v1/campaigns/{c}")).await).await;
    assert_eq!(one, all[0]);
    let hidden = format!("/api/v1/campaigns/{}", s.b_only);
    problem(
        s.get(&s.scoped, &hidden).await,
        404,
        &format!("no campaign {}", s.b_only),
        None,
    )
    .await;
    for path in [
        "/api/v1/campaigns/999",
        "/api/v1/campaigns/abc",
        "/api/v1/campaigns/99999999999999999999999/results",
    ] {
        assert_eq!(
            s.get(&s.admin, path).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    problem(
        s.get(&s.admin, "/api/v1/campaigns/abc").await,
        404,
        "no campaign abc",
        None,
    )
    .await;

    // Results: the same JSON and CSV as the command line; the scoped admin's rows only.
    let path = format!("/api/v1/campaigns/{c}/results");
    let api = json_of(s.get(&s.viewer, &path).await).await;
    assert_eq!(api, results_json(&s.db, c));
    let csv = s.get(&s.viewer, &format!("{path}.csv?level=1")).await;
    assert_eq!(csv.status(), StatusCode::OK);
    assert_eq!(csv.headers()[CONTENT_TYPE], "text/csv; charset=utf-8");
    assert!(csv.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    let cli_csv = s.db.ok(&[
        "results",
        "--campaign",
        &c.to_string(),
        "--format",
        "csv",
        "--level",
        "1",
    ]);
    assert_eq!(csv.text().await.unwrap(), cli_csv);
    let under = json_of(
        s.get(&s.admin, &format!("{path}?under=A&compare=none"))
            .await,
    )
    .await;
    assert_eq!(codes(&under["units"]), ["A", "A1"]);
    let mine = json_of(s.get(&s.scoped, &path).await).await;
    assert_eq!(codes(&mine["units"]), ["A", "A1"]);
    // The rows kept are the same figures as in the whole campaign's results.
    assert_eq!(
        mine["units"][0],
        api["units"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["code"] == "A")
            .cloned()
            .unwrap()
    );
    problem(
        s.get(&s.scoped, &format!("{path}?under=B")).await,
        422,
        &format!("under=B: no unit 'B' in campaign {c}"),
        None,
    )
    .await;
    problem(
        s.get(&s.admin, &format!("{path}?compare=soon")).await,
        422,
        "compare=soon: give an earlier campaign's id, none or previous",
        None,
    )
    .await;
    problem(
        s.get(&s.admin, &format!("{path}?compare={c}")).await,
        422,
        &format!("compare={c}: a campaign cannot be compared with itself"),
        None,
    )
    .await;
    let bad_level = s.get(&s.admin, &format!("{path}?level=-1")).await;
    assert_eq!(bad_level.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let huge = s
        .get(&s.admin, &format!("{path}?level=99999999999999999999"))
        .await;
    assert_eq!(huge.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // The workbook: a zip that reads back with the campaign's rows.
    let xlsx = s.get(&s.scoped, &format!("{path}.xlsx?lang=en")).await;
    assert_eq!(xlsx.status(), StatusCode::OK);
    assert_eq!(
        xlsx.headers()[CONTENT_TYPE],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert_eq!(
        xlsx.headers()["content-disposition"],
        format!("attachment; filename=\"campaign-{c}-results.xlsx\"")
    );
    let bytes = xlsx.bytes().await.unwrap();
    assert!(bytes.starts_with(b"PK"));
    use calamine::Reader as _;
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("workbook");
    let first = book.sheet_names()[0].clone();
    let sheet = book.worksheet_range(&first).expect("sheet");
    let cells: Vec<String> = sheet
        .rows()
        .flat_map(|r| r.iter().map(|c| c.to_string()))
        .collect();
    assert!(cells.iter().any(|c| c == "A1"), "{cells:?}");
    assert!(!cells.iter().any(|c| c == "B"), "{cells:?}");

    // Progress: per covered unit of the scope.
    let file = s.db.write(
        "inv.csv",
        "email,unit\nx@example.go.id,A\ny@example.go.id,B\n",
    );
    s.db.ok(&[
        "invite",
        "--campaign",
        &c.to_string(),
        "--public-url",
        common::PUBLIC_URL,
        "--no-email",
        &file.display().to_string(),
    ]);
    let progress = json_of(
        s.get(&s.scoped, &format!("/api/v1/campaigns/{c}/progress"))
            .await,
    )
    .await;
    assert_eq!(
        progress,
        json!({"campaign": c, "units": [
            {"code": "A", "name": "Unit A", "invited": 1, "submitted": 0, "response_rate": 0.0},
            {"code": "A1", "name": "Unit A1", "invited": 0, "submitted": 0, "response_rate": null},
        ]})
    );
    let full = json_of(
        s.get(&s.admin, &format!("/api/v1/campaigns/{c}/progress"))
            .await,
    )
    .await;
    assert_eq!(codes(&full["units"]), ["A", "A1", "B", "ROOT"]);

    // Units: the scope's subtree, its root without a parent.
    let units = json_of(s.get(&s.scoped, "/api/v1/units").await).await;
    assert_eq!(
        units,
        json!([
            {"code": "A", "name": "Unit A", "parent_code": null, "head_email": null},
            {"code": "A1", "name": "Unit A1", "parent_code": "A", "head_email": null},
        ])
    );
    assert_eq!(
        codes(&json_of(s.get(&s.viewer, "/api/v1/units").await).await),
        ["A", "A1", "B", "ROOT"]
    );

    // Unknown routes and methods are problems too.
    problem(
        s.get(&s.admin, "/api/v1/nothing").await,
        404,
        "no such API route",
        None,
    )
    .await;
    let delete = client()
        .delete(s.server.url("/api/v1/units"))
        .header(AUTHORIZATION, format!("Bearer {}", s.admin))
        .send()
        .await
        .unwrap();
    problem(delete, 405, "this route takes GET, POST only", None).await;
}

#[tokio::test]
async fn writes_need_an_admin_within_scope_and_valid_files() {
    let s = setup();
    let c = s.campaign;
    let units_before = s.db.count("units");

    // A viewer changes nothing; a scoped admin cannot change the tree or templates.
    let viewer_only = "this organizer is a viewer: only admins may change anything";
    problem(
        s.post(&s.viewer, "/api/v1/units", "text/csv", UNITS).await,
        403,
        viewer_only,
        None,
    )
    .await;
    problem(
        s.post(
            &s.viewer,
            &format!("/api/v1/campaigns/{c}/close"),
            "application/json",
            "",
        )
        .await,
        403,
        viewer_only,
        None,
    )
    .await;
    problem(
        s.post(&s.scoped, "/api/v1/units", "text/csv", UNITS).await,
        403,
        "this organizer's scope is A: only an organizer without a scope may change the unit tree",
        None,
    )
    .await;
    problem(
        s.post(
            &s.scoped,
            "/api/v1/templates",
            "application/toml",
            "id = 'x'",
        )
        .await,
        403,
        "this organizer's scope is A: only an organizer without a scope may change templates",
        None,
    )
    .await;
    // Outside the scope: 404; partly outside: 403.
    problem(
        s.post(
            &s.scoped,
            &format!("/api/v1/campaigns/{}/close", s.b_only),
            "text/plain",
            "",
        )
        .await,
        404,
        &format!("no campaign {}", s.b_only),
        None,
    )
    .await;
    problem(
        s.post(
            &s.scoped,
            &format!("/api/v1/campaigns/{c}/close"),
            "text/plain",
            "",
        )
        .await,
        403,
        &format!("campaign {c} covers units outside this organizer's scope"),
        None,
    )
    .await;

    // Types and sizes.
    problem(
        s.post(&s.admin, "/api/v1/units", "application/json", "{}")
            .await,
        415,
        "the body must be text/csv (Content-Type: application/json)",
        None,
    )
    .await;
    let big = vec![b'x'; 10 * 1024 * 1024 + 1];
    problem(
        s.post(&s.admin, "/api/v1/units", "text/csv", big).await,
        413,
        "the body is larger than 10 MB",
        None,
    )
    .await;
    let big_json = vec![b' '; 1024 * 1024 + 1];
    problem(
        s.post(&s.admin, "/api/v1/campaigns", "application/json", big_json)
            .await,
        413,
        "the body is larger than 1 MB",
        None,
    )
    .await;

    // A unit file with problems: each by line and column, nothing stored.
    let broken = "code,name,parent_code\nX,Unit X,NOWHERE\n,No code,ROOT\n";
    let response = s.post(&s.admin, "/api/v1/units", "text/csv", broken).await;
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], 422);
    assert_eq!(body["errors"].as_array().map(Vec::len), Some(2), "{body}");
    assert_eq!(body["errors"][0]["line"], 2);
    assert_eq!(body["errors"][1]["line"], 3);
    assert_eq!(
        body["detail"],
        "2 problems found in the file; nothing was stored"
    );
    assert_eq!(s.db.count("units"), units_before);
    let imported = s
        .post(
            &s.admin,
            "/api/v1/units",
            "text/csv; charset=utf-8",
            format!("{UNITS}C,Unit C,ROOT\n"),
        )
        .await;
    assert_eq!(
        json_of(imported).await,
        json!({"created": 1, "updated": 0, "unchanged": 4})
    );

    // Templates: the checker's problems with line and column.
    let response = s
        .post(
            &s.admin,
            "/api/v1/templates",
            "application/toml",
            "id = \"t\"\nversion = \"one\"\n",
        )
        .await;
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], 422, "{body}");
    assert!(
        body["errors"].as_array().is_some_and(|e| !e.is_empty()
            && e.iter()
                .all(|e| e["line"].as_u64().is_some() && e["column"].as_u64().is_some())),
        "{body}"
    );
    let records = std::fs::read_to_string(common::RECORDS).unwrap();
    let created = s
        .post(
            &s.admin,
            "/api/v1/templates",
            "application/toml",
            records.clone(),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let again = json_of(
        s.post(&s.admin, "/api/v1/templates", "text/plain", records)
            .await,
    )
    .await;
    assert_eq!(again["outcome"], "unchanged");

    // Campaigns: bad JSON never fails the server; a scoped admin's default is their subtree.
    for body in ["{", "[]", "{\"template\": 5}", "{\"template\":\"team-climate\",\"period\":\"x\",\"title\":\"y\",\"min_responses\":99999999999999999999}", "{\"template\":\"team-climate\",\"period\":\"x\",\"title\":\"y\",\"extra\":1}"] {
        let response = s.post(&s.admin, "/api/v1/campaigns", "application/json", body).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    }
    problem(
        s.post(
            &s.admin,
            "/api/v1/campaigns",
            "application/json",
            r#"{"template":"nope","period":"2027","title":"T"}"#,
        )
        .await,
        422,
        "template 'nope' is not imported; POST it to /api/v1/templates first",
        None,
    )
    .await;
    problem(
        s.post(
            &s.scoped,
            "/api/v1/campaigns",
            "application/json",
            r#"{"template":"team-climate","period":"2027","title":"T","units":["A1","B"]}"#,
        )
        .await,
        422,
        "unknown unit B",
        None,
    )
    .await;
    let campaigns_before = s.db.count("campaigns");
    for (body, detail) in [
        (
            r#"{"template":"team-climate","period":"2027","title":"T","reminders":[3,0]}"#,
            "reminders: day 0 is out of range: reminders go out 1 to 90 days after the invitation",
        ),
        (
            r#"{"template":"team-climate","period":"2027","title":"T","contact":"not-an-address"}"#,
            "contact 'not-an-address' is not an email address",
        ),
    ] {
        let response = s
            .post(&s.admin, "/api/v1/campaigns", "application/json", body)
            .await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}"
        );
        let text = response.text().await.unwrap_or_default();
        assert!(text.contains(detail), "{text}");
    }
    assert_eq!(s.db.count("campaigns"), campaigns_before);
    let created = s.post(&s.scoped, "/api/v1/campaigns", "application/json", r#"{"template":"team-climate","period":"2027","title":"Scoped","draft":true,"closes_on":"2027-12-31","contact":"SFO@Example.go.id","reminders":[7,3]}"#).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let location = created.headers()["location"].to_str().unwrap().to_owned();
    let new: Value = created.json().await.unwrap();
    let id = new["id"].as_i64().unwrap();
    assert_eq!(location, format!("/api/v1/campaigns/{id}"));
    assert_eq!(new["status"], "draft");
    assert_eq!(new["units"], json!(["A", "A1"]));
    assert_eq!(new["closes_on"], "2027-12-31");
    assert_eq!(new["contact"], "sfo@example.go.id");
    assert_eq!(new["reminders"], json!([3, 7]));
    assert_eq!(new["min_responses"], 5);

    // Responses into a draft: 409; open it; a file with a bad line stores nothing.
    let header = "unit,clarity-goals,clarity-role,clarity-confused,support-manager,support-tools\n";
    let responses = format!("{header}A,5,4,1,5,4\n");
    let path = format!("/api/v1/campaigns/{id}/responses");
    problem(
        s.post(&s.scoped, &path, "text/csv", responses.clone())
            .await,
        409,
        &format!("campaign {id} is not open yet; POST /api/v1/campaigns/{id}/open opens it"),
        None,
    )
    .await;
    let opened = json_of(
        s.post(
            &s.scoped,
            &format!("/api/v1/campaigns/{id}/open"),
            "text/plain",
            "",
        )
        .await,
    )
    .await;
    assert_eq!(opened["status"], "open");
    let stored_before = s.db.count("responses");
    problem(
        s.post(
            &s.scoped,
            &path,
            "text/csv",
            format!("{header}A,5,4,1,5,4\nB,5,4,1,5,4\n"),
        )
        .await,
        422,
        "1 problem found in the file; nothing was stored",
        Some(json!([{"line": 3, "column": "unit", "message": "unknown unit 'B'"}])),
    )
    .await;
    let bad_value = s
        .post(
            &s.scoped,
            &path,
            "text/csv",
            format!("{header}A,9,4,1,5,4\n"),
        )
        .await;
    let body: Value = bad_value.json().await.unwrap();
    assert_eq!(body["errors"][0]["line"], 2, "{body}");
    assert_eq!(body["errors"][0]["column"], "clarity-goals", "{body}");
    assert_eq!(s.db.count("responses"), stored_before);
    assert_eq!(
        json_of(
            s.post(&s.scoped, &path, "text/csv", responses.clone())
                .await
        )
        .await,
        json!({"stored": 1})
    );
    assert_eq!(
        s.post(&s.scoped, &path, "text/csv", responses.clone())
            .await
            .status(),
        StatusCode::CONFLICT
    );
    let twice = s
        .post(
            &s.scoped,
            &format!("{path}?allow_duplicate=true"),
            "text/csv",
            responses,
        )
        .await;
    assert_eq!(json_of(twice).await, json!({"stored": 1}));
    assert_eq!(s.db.count("responses"), stored_before + 2);

    // Invitations without email: links that open the form.
    let invitations = format!("/api/v1/campaigns/{id}/invitations?email=false");
    problem(
        s.post(&s.scoped, &invitations, "text/csv", "email,unit\nb@example.go.id,B\n").await,
        422,
        "1 problem found in the file; nothing was stored",
        Some(json!([{"line": 2, "column": "unit", "message": format!("unit 'B' is not in campaign {id}")}])),
    )
    .await;
    let invited = json_of(
        s.post(
            &s.scoped,
            &invitations,
            "text/csv",
            "email,unit\nA1.Person@example.go.id,A1\n",
        )
        .await,
    )
    .await;
    assert_eq!(invited["issued"], 1);
    assert_eq!(invited["emails_queued"], false);
    assert_eq!(invited["links"][0]["email"], "a1.person@example.go.id");
    let url = invited["links"][0]["url"].as_str().unwrap();
    let token = url
        .strip_prefix("http://127.0.0.1:9/r/")
        .expect("a link on the public URL");
    let form = client().get(s.server.link(token)).send().await.unwrap();
    assert_eq!(form.status(), StatusCode::OK);
    let outbox = s.db.count("outbox");
    let mailed = json_of(
        s.post(
            &s.admin,
            &format!("/api/v1/campaigns/{id}/invitations"),
            "text/csv",
            "email,unit\nm@example.go.id,A\n",
        )
        .await,
    )
    .await;
    assert_eq!(
        mailed,
        json!({"issued": 1, "emails_queued": true, "links": []})
    );
    assert_eq!(s.db.count("outbox"), outbox + 1);

    // Close: links stop working.
    let closed = json_of(
        s.post(
            &s.admin,
            &format!("/api/v1/campaigns/{id}/close"),
            "text/plain",
            "",
        )
        .await,
    )
    .await;
    assert_eq!(closed["status"], "closed");
    assert_eq!(
        client()
            .get(s.server.link(token))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::GONE
    );

    // Every change is in the audit log, by its organizer.
    let audit: Value = serde_json::from_str(&s.db.ok(&["audit", "--format", "json"])).unwrap();
    let lines: Vec<(String, String, String)> = audit
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] != "organizer.add" && e["action"] != "token.create")
        .map(|e| {
            (
                e["actor"].as_str().unwrap().to_owned(),
                e["action"].as_str().unwrap().to_owned(),
                format!(
                    "{} {}",
                    e["object"].as_str().unwrap(),
                    e["detail"].as_str().unwrap_or("")
                ),
            )
        })
        .collect();
    let admin = "admin@example.go.id".to_owned();
    let scoped = "scoped@example.go.id".to_owned();
    assert_eq!(
        lines,
        [
            (
                admin.clone(),
                "units.import".into(),
                "units created=1 updated=0 unchanged=4".into()
            ),
            (
                admin.clone(),
                "template.import".into(),
                "template records-review v1 outcome=created".into()
            ),
            (
                admin.clone(),
                "template.import".into(),
                "template records-review v1 outcome=unchanged".into()
            ),
            (
                scoped.clone(),
                "campaign.create".into(),
                format!("campaign {id} template=team-climate")
            ),
            (
                scoped.clone(),
                "campaign.open".into(),
                format!("campaign {id} ")
            ),
            (
                scoped.clone(),
                "responses.import".into(),
                format!("campaign {id} stored=1")
            ),
            (
                scoped.clone(),
                "responses.import".into(),
                format!("campaign {id} stored=1")
            ),
            (
                scoped.clone(),
                "campaign.invite".into(),
                format!("campaign {id} links=1 email=false")
            ),
            (
                admin.clone(),
                "campaign.invite".into(),
                format!("campaign {id} links=1 email=true")
            ),
            (
                admin,
                "campaign.close".into(),
                format!("campaign {id} released=0")
            ),
        ]
    );
}

#[tokio::test]
async fn the_description_and_its_viewer_are_served() {
    let db = TestDb::new();
    let log = db.dir.path().join("serve.log");
    let server = Server::start_logging(&db, &[], &log);
    let spec: Value = client()
        .get(server.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(spec["openapi"], "3.1.0");
    assert_eq!(
        spec["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    let paths = spec["paths"].as_object().unwrap();
    let mut operations: Vec<String> = paths
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .map(move |m| format!("{} {path}", m.to_uppercase()))
        })
        .collect();
    operations.sort();
    assert_eq!(
        operations,
        [
            "GET /api/v1/campaigns",
            "GET /api/v1/campaigns/{id}",
            "GET /api/v1/campaigns/{id}/progress",
            "GET /api/v1/campaigns/{id}/results",
            "GET /api/v1/campaigns/{id}/results.csv",
            "GET /api/v1/campaigns/{id}/results.xlsx",
            "GET /api/v1/units",
            "POST /api/v1/campaigns",
            "POST /api/v1/campaigns/{id}/close",
            "POST /api/v1/campaigns/{id}/invitations",
            "POST /api/v1/campaigns/{id}/open",
            "POST /api/v1/campaigns/{id}/responses",
            "POST /api/v1/templates",
            "POST /api/v1/units",
        ]
    );
    // Every operation names the bearer scheme and answers 401 with a problem.
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            assert_eq!(op["security"], json!([{"bearer": []}]), "{method} {path}");
            assert_eq!(
                op["responses"]["401"]["content"]["application/problem+json"]["schema"]["$ref"],
                "#/components/schemas/Problem",
                "{method} {path}"
            );
        }
    }
    assert!(spec["components"]["schemas"]["Problem"]["properties"]["errors"].is_object());

    let page = client().get(server.url("/api/docs")).send().await.unwrap();
    let policy = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        policy.contains("script-src 'self';") && !policy.contains("script-src 'self' 'unsafe"),
        "{policy}"
    );
    let html = page.text().await.unwrap();
    assert!(
        html.contains("<script src=\"/api/docs/init.js\"></script>") && !html.contains("<script>")
    );
    for (asset, kind) in [
        ("swagger-ui-bundle.js", "text/javascript"),
        ("swagger-ui.css", "text/css"),
        ("init.js", "text/javascript"),
    ] {
        let response = client()
            .get(server.url(&format!("/api/docs/{asset}")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert!(response.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with(kind));
    }
    // Elsewhere the strict policy stays.
    let health = client().get(server.url("/healthz")).send().await.unwrap();
    assert!(!health.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("unsafe-inline"));

    // The request log names route patterns, never a token or a path.
    let secret = "kinerja_SECRET-token-value";
    let _ = client()
        .get(server.url("/api/v1/campaigns/SECRET-id-text/results?under=SECRET-unit"))
        .header(AUTHORIZATION, format!("Bearer {secret}"))
        .send()
        .await
        .unwrap();
    drop(server);
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(
        logged.contains("/api/v1/campaigns/{id}/results"),
        "{logged}"
    );
    assert!(!logged.contains("SECRET"), "{logged}");
}
