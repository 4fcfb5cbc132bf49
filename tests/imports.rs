//! Units, campaigns and responses through the real binary: what is stored, and what a bad file
//! is told (line, column, reason) while the stored data stays exactly as it was.

mod common;

use common::{last_line, results_json, TestDb, CLIMATE, RECORDS, UNITS};

const HEADER: &str =
    "unit,clarity-goals,clarity-role,clarity-confused,support-manager,support-tools";

#[test]
fn units_import_builds_and_updates_the_tree() {
    let db = TestDb::new();
    let first = db.write("units.csv", "code,name,parent_code\nKEMENKEU,Kementerian Keuangan,\nDJPB,Ditjen Perbendaharaan,KEMENKEU\n");
    let out = db.ok(&["units", "import", &first.display().to_string()]);
    assert!(
        out.contains("2 units created, 0 updated, 0 unchanged"),
        "{out}"
    );
    // Children may come before their parents; a rename is an update.
    let second = db.write(
        "units2.csv",
        "code,name,parent_code\n001,KPPN Banda Aceh,KW-ACEH\nKW-ACEH,Kanwil DJPb Provinsi Aceh,DJPB\nDJPB,Direktorat Jenderal Perbendaharaan,KEMENKEU\n",
    );
    let out = db.ok(&["units", "import", &second.display().to_string()]);
    assert!(
        out.contains("2 units created, 1 updated, 0 unchanged"),
        "{out}"
    );
    assert_eq!(db.count("units"), 4);
    let tree = db.ok(&["units", "list"]);
    assert_eq!(
        tree,
        "KEMENKEU  Kementerian Keuangan\n  DJPB  Direktorat Jenderal Perbendaharaan\n    KW-ACEH  Kanwil DJPb Provinsi Aceh\n      001  KPPN Banda Aceh\n"
    );
}

#[test]
fn a_bad_unit_file_names_each_line_and_imports_nothing() {
    let db = TestDb::new();
    let good = db.write("units.csv", "code,name,parent_code\nROOT,Root,\nA,A,ROOT\n");
    db.ok(&["units", "import", &good.display().to_string()]);
    let bad = db.write(
        "bad.csv",
        "code,name,parent_code\nB,Unit B,NOPE\nC,Unit C,ROOT\nC,Unit C again,ROOT\nROOT,Root moved,A\nD,,ROOT\n",
    );
    let err = db.fails(&["units", "import", &bad.display().to_string()]);
    assert!(
        err.contains("bad.csv: line 2, column 'parent_code': unknown parent unit 'NOPE'"),
        "{err}"
    );
    assert!(
        err.contains("bad.csv: line 4, column 'code': duplicate code 'C' (first on line 3)"),
        "{err}"
    );
    assert!(
        err.contains("bad.csv: line 5, column 'parent_code': creates a cycle: ROOT -> A -> ROOT"),
        "{err}"
    );
    assert!(
        err.contains("bad.csv: line 6, column 'name': is empty"),
        "{err}"
    );
    assert_eq!(db.count("units"), 2);
    assert_eq!(db.ok(&["units", "list"]), "ROOT  Root\n  A  A\n");

    let header = db.write("header.csv", "code,title,parent\nX,Y,\n");
    let err = db.fails(&["units", "import", &header.display().to_string()]);
    assert!(
        err.contains("line 1, column 'title': unknown column; expected code,name,parent_code"),
        "{err}"
    );
}

#[test]
fn campaign_create_prints_its_id_last_and_keeps_a_snapshot_of_its_units() {
    let db = TestDb::new();
    let id = db.campaign(UNITS, CLIMATE, &["--units", "A,B"]);
    assert!(id > 0);
    let list = db.ok(&["campaign", "list"]);
    let row = list.lines().nth(1).expect("one campaign");
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(
        cells,
        [
            id.to_string().as_str(),
            "team-climate",
            "v1",
            "2026",
            "open",
            "2",
            "0",
            "Test"
        ]
    );
    // A later rename does not change the campaign's results.
    let renamed = db.write("renamed.csv", "code,name,parent_code\nA,Renamed A,ROOT\n");
    db.ok(&["units", "import", &renamed.display().to_string()]);
    let csv = db.ok(&["results", "--campaign", &id.to_string(), "--format", "csv"]);
    assert!(csv.contains(",A,Unit A,ROOT,1,0,true,threshold,"), "{csv}");

    // Without --units the campaign covers every unit; the survey default threshold is 5.
    let all = last_line(&db.ok(&[
        "campaign",
        "create",
        "--template",
        "team-climate",
        "--period",
        "2027",
        "--title",
        "All",
    ]));
    let json = results_json(&db, &all);
    assert_eq!(json["units"].as_array().map(Vec::len), Some(4));
    assert_eq!(json["campaign"]["min_responses"], 5);
}

#[test]
fn campaign_create_refuses_unknown_templates_units_and_thresholds() {
    let db = TestDb::new();
    db.campaign(UNITS, CLIMATE, &[]);
    let err = db.fails(&[
        "campaign",
        "create",
        "--template",
        "nope",
        "--period",
        "1",
        "--title",
        "t",
    ]);
    assert!(err.contains("template 'nope' is not imported"), "{err}");
    let err = db.fails(&[
        "campaign",
        "create",
        "--template",
        "team-climate",
        "--template-version",
        "9",
        "--period",
        "1",
        "--title",
        "t",
    ]);
    assert!(
        err.contains("template 'team-climate' version 9 is not imported"),
        "{err}"
    );
    let err = db.fails(&[
        "campaign",
        "create",
        "--template",
        "team-climate",
        "--period",
        "1",
        "--title",
        "t",
        "--units",
        "A,ZZ,YY",
    ]);
    assert!(err.contains("unknown units ZZ, YY"), "{err}");
    let err = db.fails(&[
        "campaign",
        "create",
        "--template",
        "team-climate",
        "--period",
        "1",
        "--title",
        "t",
        "--min-responses",
        "0",
    ]);
    assert!(
        err.contains("--min-responses must be at least 1 (got 0)"),
        "{err}"
    );
    assert_eq!(db.count("campaigns"), 1);
}

#[test]
fn responses_are_stored_compactly_with_the_day_only() {
    let db = TestDb::new();
    let campaign = db.campaign(UNITS, CLIMATE, &[]).to_string();
    let file = db.write("a.csv", &format!("{HEADER}\nA,5,4,2,5,\n B ,1, 3 ,5,2,4\n"));
    let out = db.ok(&[
        "responses",
        "import",
        "--campaign",
        &campaign,
        &file.display().to_string(),
    ]);
    assert!(out.contains("2 responses stored in campaign"), "{out}");
    use diesel::prelude::*;
    use kinerja::db::schema::responses::dsl::*;
    let mut conn = db.conn();
    let rows: Vec<(Vec<u8>, chrono::NaiveDate)> = responses
        .select((answers, submitted_on))
        .load(&mut conn)
        .expect("rows");
    let mut stored: Vec<Vec<u8>> = rows.iter().map(|r| r.0.clone()).collect();
    stored.sort();
    // One byte per item: value - min + 1 (scale 1..5, so the value itself), 0 = not answered.
    assert_eq!(stored, vec![vec![1, 3, 5, 2, 4], vec![5, 4, 2, 5, 0]]);
    assert_eq!(rows[0].1, chrono::Utc::now().date_naive());
}

/// Issue 11, row 10: the same file imported twice (say after a kill right after the commit)
/// would double its answers silently.
#[test]
fn the_same_response_file_twice_is_refused_unless_allowed() {
    let db = TestDb::new();
    let campaign = db.campaign(UNITS, CLIMATE, &[]).to_string();
    let file = db.write("a.csv", &format!("{HEADER}\nA,5,4,2,5,\nB,1,3,5,2,4\n"));
    let path = file.display().to_string();
    db.ok(&["responses", "import", "--campaign", &campaign, &path]);
    // The same bytes under another name are the same file.
    let copy = db.write("copy.csv", &format!("{HEADER}\nA,5,4,2,5,\nB,1,3,5,2,4\n"));
    let err = db.fails(&[
        "responses",
        "import",
        "--campaign",
        &campaign,
        &copy.display().to_string(),
    ]);
    let today = chrono::Utc::now().date_naive().to_string();
    assert!(
        err.contains("copy.csv: this file (SHA-256 ")
            && err.contains(&format!(
                "was already imported into campaign {campaign} on {today} "
            ))
            && err.contains("--allow-duplicate"),
        "{err}"
    );
    assert_eq!(db.count("responses"), 2, "nothing stored");
    // A different file goes in; so does the same one when asked for.
    let other = db.write("b.csv", &format!("{HEADER}\nC,3,3,3,3,3\n"));
    db.ok(&[
        "responses",
        "import",
        "--campaign",
        &campaign,
        &other.display().to_string(),
    ]);
    let out = db.ok(&[
        "responses",
        "import",
        "--campaign",
        &campaign,
        "--allow-duplicate",
        &path,
    ]);
    assert!(out.contains("2 responses stored"), "{out}");
    assert_eq!(db.count("responses"), 5);
    assert_eq!(db.count("response_imports"), 3);
}

#[test]
fn a_bad_response_file_names_line_column_and_reason_and_stores_nothing() {
    let db = TestDb::new();
    let id = db.campaign(UNITS, CLIMATE, &["--units", "A,B"]).to_string();
    let good = db.write("good.csv", &format!("{HEADER}\nA,5,4,2,5,4\n"));
    db.ok(&[
        "responses",
        "import",
        "--campaign",
        &id,
        &good.display().to_string(),
    ]);

    let bad = db.write(
        "bad.csv",
        &format!(
            "{HEADER}\nA,5,4,2,5,4\nA,7,4,2,5,4\nB,4,x,2,5,\nNOPE,4,4,2,5,4\nC,4,4,2,5,4\nA,4,,2,5,4\nA,,,,,\nB,4,4,2,5,4,9\n"
        ),
    );
    let err = db.fails(&[
        "responses",
        "import",
        "--campaign",
        &id,
        &bad.display().to_string(),
    ]);
    for expected in [
        "bad.csv: line 3, column 'clarity-goals': 7 is outside the scale 1..5",
        "bad.csv: line 4, column 'clarity-role': 'x' is not a whole number",
        "bad.csv: line 5, column 'unit': unknown unit 'NOPE'",
        &format!("bad.csv: line 6, column 'unit': unit 'C' is not in campaign {id}"),
        "bad.csv: line 7, column 'clarity-role': an answer is required",
        "bad.csv: line 8, column 'clarity-goals': an answer is required",
        "bad.csv: line 9: has 7 fields where the header has 6",
        "bad.csv: 10 problems found; nothing was stored",
    ] {
        assert!(err.contains(expected), "missing «{expected}» in:\n{err}");
    }
    assert_eq!(
        db.count("responses"),
        1,
        "the valid first line must not be stored either"
    );

    let header = db.write(
        "header.csv",
        "unit,clarity-goals,clarity-goals,colour\nA,1,1,red\n",
    );
    let err = db.fails(&[
        "responses",
        "import",
        "--campaign",
        &id,
        &header.display().to_string(),
    ]);
    assert!(
        err.contains("header.csv: line 1, column 'clarity-goals': column appears twice"),
        "{err}"
    );
    assert!(
        err.contains(
            "header.csv: line 1, column 'colour': unknown column: not an item of this template"
        ),
        "{err}"
    );
    assert!(
        err.contains("header.csv: line 1: missing column for required item 'clarity-role'"),
        "{err}"
    );
    assert!(
        !err.contains("'support-tools'"),
        "an optional item's column may be left out: {err}"
    );
    assert_eq!(db.count("responses"), 1);
}

#[test]
fn checklist_cells_must_be_option_ids() {
    let db = TestDb::new();
    let id = db.campaign(UNITS, RECORDS, &[]).to_string();
    let bad = db.write(
        "r.csv",
        "unit,storage-index,storage-backup,access-log\nA,ya,sometimes,na\nA,,harian,ya\n",
    );
    let err = db.fails(&[
        "responses",
        "import",
        "--campaign",
        &id,
        &bad.display().to_string(),
    ]);
    assert!(
        err.contains("line 2, column 'storage-backup': 'sometimes' is not an option of this item (options: harian, mingguan, tidak)"),
        "{err}"
    );
    assert!(
        err.contains("line 3, column 'storage-index': an answer is required"),
        "{err}"
    );
    assert_eq!(db.count("responses"), 0);
}

#[test]
fn a_closed_campaign_accepts_no_responses_until_reopened() {
    let db = TestDb::new();
    let id = db.campaign(UNITS, CLIMATE, &[]).to_string();
    let file = db.write("a.csv", &format!("{HEADER}\nA,5,4,2,5,4\n"));
    assert_eq!(
        db.ok(&["campaign", "close", &id]).trim(),
        format!("campaign {id} is closed")
    );
    let err = db.fails(&[
        "responses",
        "import",
        "--campaign",
        &id,
        &file.display().to_string(),
    ]);
    assert!(
        err.contains(&format!("campaign {id} is closed and accepts no responses")),
        "{err}"
    );
    assert_eq!(db.count("responses"), 0);
    db.ok(&["campaign", "open", &id]);
    db.ok(&[
        "responses",
        "import",
        "--campaign",
        &id,
        &file.display().to_string(),
    ]);
    assert_eq!(db.count("responses"), 1);

    let draft = last_line(&db.ok(&[
        "campaign",
        "create",
        "--template",
        "team-climate",
        "--period",
        "p",
        "--title",
        "d",
        "--draft",
    ]));
    let err = db.fails(&[
        "responses",
        "import",
        "--campaign",
        &draft,
        &file.display().to_string(),
    ]);
    assert!(
        err.contains(&format!("campaign {draft} is not open yet")),
        "{err}"
    );
    let err = db.fails(&["campaign", "close", "999"]);
    assert!(err.contains("campaign 999 does not exist"), "{err}");
}

#[test]
fn an_unreachable_postgres_fails_at_once_with_its_real_error() {
    let db = TestDb::new();
    let started = std::time::Instant::now();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kinerja"))
        .args([
            "--database-url",
            "postgres://postgres@127.0.0.1:1/kinerja",
            "campaign",
            "list",
        ])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cannot connect to PostgreSQL at postgres://postgres@127.0.0.1:1/kinerja"),
        "{err}"
    );
    assert!(err.contains("Connection refused"), "{err}");
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kinerja"))
        .args(["campaign", "list"])
        .env("DATABASE_URL", "mysql://h/db")
        .current_dir(db.dir.path())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("unsupported database URL 'mysql://h/db'"),
        "{err}"
    );
}

#[test]
fn spreadsheet_files_with_semicolons_and_a_bom_are_read() {
    let db = TestDb::new();
    let id = db.campaign(UNITS, CLIMATE, &[]).to_string();
    let file = db.write(
        "excel.csv",
        &format!(
            "\u{feff}{}\r\nA;5;4;2;5;\r\nB;1;3;5;2;4\r\n",
            HEADER.replace(',', ";")
        ),
    );
    let out = db.ok(&[
        "responses",
        "import",
        "--campaign",
        &id,
        &file.display().to_string(),
    ]);
    assert!(out.contains("2 responses stored"), "{out}");
    let bad = db.write(
        "bad.csv",
        &format!("{}\nA;5;4;2;5;x\n", HEADER.replace(',', ";")),
    );
    let err = db.fails(&[
        "responses",
        "import",
        "--campaign",
        &id,
        &bad.display().to_string(),
    ]);
    assert!(
        err.contains("bad.csv: line 2, column 'support-tools': 'x' is not a whole number"),
        "{err}"
    );
    assert_eq!(db.count("responses"), 2);
}

#[test]
fn instances_starting_together_migrate_one_database_once() {
    let db = TestDb::new();
    // Four processes race to create the schema of the same fresh database.
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let url = db.url.clone();
            std::thread::spawn(move || {
                std::process::Command::new(env!("CARGO_BIN_EXE_kinerja"))
                    .args(["--database-url", &url, "migrate"])
                    .output()
            })
        })
        .collect();
    for thread in threads {
        let out = thread.join().expect("thread").expect("run");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains("is up to date"));
    }
    assert_eq!(db.count("campaigns"), 0);
}

/// Issue 11, row 11: organizer files are bounded, NUL is refused with its line and column,
/// and a value quoted back in an error is cut to 80 characters.
#[test]
fn oversized_and_nul_values_are_refused_with_line_column_and_a_short_quote() {
    let db = TestDb::new();
    let long_name = "N".repeat(201);
    let huge = "x".repeat(20 * 1024);
    let units = db.write(
        "units.csv",
        &format!("code,name,parent_code\nROOT,Root,\nA,{long_name},ROOT\nB,Bad\0Name,ROOT\nC,{huge},ROOT\n"),
    );
    let err = db.fails(&["units", "import", &units.display().to_string()]);
    assert!(
        err.contains("units.csv: line 3, column 'name': is 201 characters long; at most 200"),
        "{err}"
    );
    assert!(
        err.contains("units.csv: line 4, column 'name': contains a NUL character"),
        "{err}"
    );
    assert!(
        err.contains("units.csv: line 5, column 'name': is 20 KB long; a cell holds at most 10 KB"),
        "{err}"
    );
    assert!(
        err.len() < 1000,
        "the 20 KB cell is not echoed: {} bytes",
        err.len()
    );
    assert_eq!(db.count("units"), 0, "nothing stored");

    let campaign = db.campaign(UNITS, CLIMATE, &[]).to_string();
    let code = "Z".repeat(5000);
    let answers = db.write("answers.csv", &format!("{HEADER}\n{code},5,4,2,5,\n"));
    let err = db.fails(&[
        "responses",
        "import",
        "--campaign",
        &campaign,
        &answers.display().to_string(),
    ]);
    let quoted = format!("unknown unit '{}…'", "Z".repeat(80));
    assert!(err.contains(&quoted), "{err}");
    assert!(err.len() < 1000, "{} bytes", err.len());
    let answers = db.write("nul.csv", &format!("{HEADER}\nA,5,4\u{0},2,5,\n"));
    let err = db.fails(&[
        "responses",
        "import",
        "--campaign",
        &campaign,
        &answers.display().to_string(),
    ]);
    assert!(
        err.contains("nul.csv: line 2, column 'clarity-role': contains a NUL character"),
        "{err}"
    );
    assert_eq!(db.count("responses"), 0);
}

#[test]
fn templates_are_bounded_in_size_and_items_and_refuse_nul() {
    let db = TestDb::new();
    let mut items = String::new();
    for i in 0..501 {
        items.push_str(&format!(
            "[[dimensions.items]]\nid = \"q{i}\"\ntext = \"Q{i}\"\n"
        ));
    }
    let big = db.write(
        "big.toml",
        &format!("id = \"big\"\nversion = 1\nkind = \"survey\"\ntitle = \"Big\"\n[scale]\nmin = 1\nmax = 5\n[[dimensions]]\nid = \"d\"\ntitle = \"D\"\n{items}"),
    );
    let err = db.fails(&["template", "import", &big.display().to_string()]);
    assert!(
        err.contains("big.toml:1:1: the template has 501 items; at most 500"),
        "{err}"
    );
    let nul = db.write("nul.toml", "id = \"n\"\nversion = 1\ntitle = \"A\0B\"\n");
    let err = db.fails(&["template", "validate", &nul.display().to_string()]);
    assert!(err.contains("nul.toml:3:"), "{err}");
    assert!(err.contains("contains a NUL character"), "{err}");
    let huge = db.write("huge.toml", &format!("# {}\n", "x".repeat(1024 * 1024)));
    let err = db.fails(&["template", "validate", &huge.display().to_string()]);
    assert!(
        err.contains("huge.toml:1:1: the file is 1025 KB; a template is at most 1024 KB"),
        "{err}"
    );
    assert_eq!(db.count("templates"), 0);
}

/// Issue 12: headers are read whatever their case (`Email;Unit`, `EMAIL`), in every CSV an
/// organizer gives: units, invitations and responses (item ids too, when only one matches).
#[test]
fn csv_headers_are_read_in_any_case() {
    let db = TestDb::new();
    let units = db.write(
        "units.csv",
        "Code;NAME;Parent_Code;HEAD_EMAIL\nROOT;Organisation;;\nA;Unit A;ROOT;Kepala.A@Example.org\nB;Unit B;ROOT;\n",
    );
    assert_eq!(
        db.ok(&["units", "import", &units.display().to_string()]),
        format!(
            "{}: 3 units created, 0 updated, 0 unchanged\n",
            units.display()
        )
    );
    assert_eq!(
        db.ok(&["units", "list"]),
        "ROOT  Organisation\n  A  Unit A  (head: kepala.a@example.org)\n  B  Unit B\n"
    );
    db.ok(&["template", "import", CLIMATE]);
    let id = last_line(&db.ok(&[
        "campaign",
        "create",
        "--template",
        "team-climate",
        "--period",
        "2026",
        "--title",
        "Iklim 2026",
        "--min-responses",
        "1",
    ]));
    let people = db.write(
        "people.csv",
        "EMAIL,Unit,Name,LANG\nani@example.go.id,A,Ani,en\n",
    );
    let out = db.ok(&[
        "invite",
        "--campaign",
        &id,
        "--no-email",
        "--public-url",
        common::PUBLIC_URL,
        &people.display().to_string(),
    ]);
    assert!(
        out.starts_with("ani@example.go.id\tA\thttps://survei.example.go.id/r/"),
        "{out}"
    );
    let mut conn = db.conn();
    {
        use diesel::prelude::*;
        use kinerja::db::schema::invitations;
        let stored: (String, Option<String>, String) = invitations::table
            .select((invitations::email, invitations::name, invitations::lang))
            .first(&mut conn)
            .expect("the invitation");
        assert_eq!(
            stored,
            ("ani@example.go.id".into(), Some("Ani".into()), "en".into())
        );
    }
    let out = db.responses(
        &id,
        "UNIT,Clarity-Goals,CLARITY-ROLE,clarity-confused,Support-Manager\nA,5,4,2,5\nB,2,3,4,1\n",
    );
    assert_eq!(
        out,
        format!(
            "{}: 2 responses stored in campaign {id}\n",
            db.path("answers.csv")
        )
    );
    let json = results_json(&db, &id);
    // clarity: goals 5, role 4, confused 2 reversed to 4.
    let clarity = common::unit(&json, "A")["dimensions"][0]["mean"]
        .as_f64()
        .expect("A's clarity");
    assert!((clarity - 13.0 / 3.0).abs() < 1e-12, "{clarity}");

    // One column in two cases is one column twice.
    let twice = db.write(
        "twice.csv",
        "email,unit,EMAIL\nx@example.org,A,y@example.org\n",
    );
    let err = db.fails(&[
        "invite",
        "--campaign",
        &id,
        "--no-email",
        "--public-url",
        common::PUBLIC_URL,
        &twice.display().to_string(),
    ]);
    assert_eq!(
        err,
        format!(
            "error: {0}: line 1, column 'email': column appears twice\n{0}: 1 problem found; nothing was stored\n",
            twice.display()
        )
    );
    assert_eq!(db.count("invitations"), 1);
}
