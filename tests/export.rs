//! Results downloads (issue 10) and formula injection (issue 11, row 5), from the real binary
//! on a real database: units whose names a spreadsheet would run as formulas, a survey over
//! two periods (so changes and their CI bounds are negative), then the CSV read back with the
//! `csv` crate and the XLSX read back with `calamine`, each compared with
//! `kinerja results --format json`.

mod common;

use std::collections::HashMap;
use std::io::Cursor;

use calamine::{Data, Range, Reader, Xlsx};
use common::{last_line, results_json, unit, TestDb, CLIMATE};
use serde_json::Value;

/// ROOT > {@HQ > {A, B}, C, D}: every name is one a spreadsheet would run, and so is @HQ's
/// code (the parent code of A and B). C's name gets a leading tab below (the import trims it).
const TREE: &str = r#"code,name,parent_code
ROOT,"=HYPERLINK(""http://x"",""y"")",
@HQ,"+cmd|' /C calc'!A0",ROOT
A,@SUM(A1),@HQ
B,-1+1,@HQ
C,Unit C,ROOT
D,Plain unit,ROOT
"#;

const TAB_NAME: &str = "\tTabbed";

/// 2025: A 3, B 3, C 2, D 2; all published at threshold 2.
const ANSWERS_2025: &str =
    "unit,clarity-goals,clarity-role,clarity-confused,support-manager,support-tools
A,5,5,1,5,5
A,5,4,1,5,4
A,4,5,2,4,5
B,4,4,2,4,4
B,3,4,2,3,3
B,4,3,3,4,4
C,3,3,3,3,3
C,4,4,2,4,4
D,2,3,3,3,3
D,3,3,3,2,2
";

/// 2026: A drops (its change and both bounds of the change's CI are negative); D has one
/// response (threshold), so C, the smaller remaining part of ROOT, is withheld (complement).
const ANSWERS_2026: &str =
    "unit,clarity-goals,clarity-role,clarity-confused,support-manager,support-tools
A,3,3,3,3,3
A,2,3,4,2,2
A,3,2,3,3,3
B,4,4,2,4,5
B,4,5,1,4,4
C,3,4,2,3,3
C,4,3,3,4,4
C,5,4,1,4,4
D,2,2,4,2,2
";

/// Two campaigns over the tree; the later one's id.
fn two_periods(db: &TestDb) -> String {
    let tree = db.write("tree.csv", TREE);
    db.ok(&["units", "import", &tree.display().to_string()]);
    db.ok(&["template", "import", CLIMATE]);
    let mut last = String::new();
    for (period, answers) in [("2025", ANSWERS_2025), ("2026", ANSWERS_2026)] {
        let out = db.ok(&[
            "campaign",
            "create",
            "--template",
            "team-climate",
            "--period",
            period,
            "--title",
            &format!("Climate {period}"),
            "--min-responses",
            "2",
        ]);
        last = last_line(&out);
        let file = db.write(&format!("{period}.csv"), answers);
        db.ok(&[
            "responses",
            "import",
            "--campaign",
            &last,
            &file.display().to_string(),
        ]);
    }
    // A name stored with a leading tab (an older import, an edit in the database): the
    // import trims cells, so the snapshot is changed directly.
    use diesel::RunQueryDsl;
    diesel::sql_query(format!(
        "UPDATE campaign_units SET name = '{TAB_NAME}' WHERE code = 'C'"
    ))
    .execute(&mut db.conn())
    .expect("rename C");
    last
}

/// A CSV read into a header and rows of cells by header.
fn read_csv(text: &str) -> (Vec<String>, Vec<HashMap<String, String>>) {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .expect("CSV header")
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = reader
        .records()
        .map(|r| {
            let record = r.expect("CSV record");
            header
                .iter()
                .cloned()
                .zip(record.iter().map(str::to_owned))
                .collect()
        })
        .collect();
    (header, rows)
}

/// The JSON's value of a flat (CSV/XLSX) column of a unit.
fn json_of<'a>(unit: &'a Value, header: &str) -> &'a Value {
    let at = |v: &'a Value, i: usize| &v[i];
    match header {
        "rank_interval_low" => at(&unit["rank_interval"], 0),
        "rank_interval_high" => at(&unit["rank_interval"], 1),
        "ci95_low" => at(&unit["ci95"], 0),
        "ci95_high" => at(&unit["ci95"], 1),
        "own_n" => &unit["own"]["n"],
        "own_score" => &unit["own"]["score"],
        "change_difference" => &unit["change"]["difference"],
        "change_p_value" => &unit["change"]["p_value"],
        "change_previous_score" => &unit["change"]["previous_score"],
        "change_ci95_low" => at(&unit["change"]["ci95"], 0),
        "change_ci95_high" => at(&unit["change"]["ci95"], 1),
        "change_hedges_g" => &unit["change"]["hedges_g"],
        other => &unit[other],
    }
}

fn hostile(text: &str) -> bool {
    text.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

#[test]
fn csv_quotes_text_a_spreadsheet_would_run_and_never_a_number() {
    let db = TestDb::new();
    let campaign = two_periods(&db);
    let json = results_json(&db, &campaign);
    let text = db.ok(&["results", "--campaign", &campaign, "--format", "csv"]);
    let (header, rows) = read_csv(&text);
    assert_eq!(rows.len(), 6);
    let mut negatives = 0;
    for row in &rows {
        let code = row["code"].trim_start_matches('\'');
        let u = unit(&json, code);
        for name in ["code", "name", "parent_code", "suppressed_by"] {
            let expected = u[name].as_str().unwrap_or("");
            let cell = &row[name];
            if hostile(expected) {
                assert_eq!(*cell, format!("'{expected}"), "{name} of {code}");
            } else {
                assert_eq!(cell, expected, "{name} of {code}");
            }
        }
        // Every other unit column is a number (or a flag), unprefixed, equal to the JSON.
        for h in header.iter().take(23) {
            if ["code", "name", "parent_code", "suppressed_by", "suppressed"].contains(&h.as_str())
            {
                continue;
            }
            let cell = &row[h];
            match json_of(u, h).as_f64() {
                None => assert_eq!(cell, "", "{h} of {code}"),
                Some(expected) => {
                    let actual: f64 = cell
                        .parse()
                        .unwrap_or_else(|e| panic!("{h} of {code}: {cell:?}: {e}"));
                    assert!((actual - expected).abs() <= 1e-12, "{h} of {code}");
                    if expected < 0.0 {
                        assert!(cell.starts_with('-'), "{h} of {code}: {cell}");
                        negatives += 1;
                    }
                }
            }
        }
    }
    // A's change and both bounds of its CI, at least.
    assert!(negatives >= 3, "{negatives} negative figures\n{text}");
    assert!(json_of(unit(&json, "A"), "change_ci95_high").as_f64() < Some(0.0));
    // The literal lines, as a spreadsheet sees them.
    assert!(
        text.contains(r#","'=HYPERLINK(""http://x"",""y"")","#),
        "{text}"
    );
    assert!(text.contains(",'+cmd|' /C calc'!A0,"), "{text}");
    assert!(text.contains(",'@SUM(A1),'@HQ,"), "{text}");
    assert!(text.contains(",'-1+1,'@HQ,"), "{text}");
    assert!(text.contains(",'\tTabbed,ROOT,"), "{text}");

    // The series of `results trend` is a CSV too.
    let trend = db.ok(&[
        "results",
        "trend",
        "--template",
        "team-climate",
        "--format",
        "csv",
    ]);
    let (_, series) = read_csv(&trend);
    let hq: Vec<_> = series.iter().filter(|r| r["code"] == "'@HQ").collect();
    assert_eq!(hq.len(), 2, "{trend}");
    assert_eq!(hq[0]["name"], "'+cmd|' /C calc'!A0");
    let b = series
        .iter()
        .find(|r| r["code"] == "B")
        .expect("B in the series");
    assert_eq!(b["name"], "'-1+1");
    assert_eq!(b["period"], "2025");
}

fn cell(range: &Range<Data>, row: usize, col: usize) -> &Data {
    range.get((row, col)).unwrap_or(&Data::Empty)
}

fn header_of(range: &Range<Data>) -> Vec<String> {
    (0..range.width())
        .map(|c| match cell(range, 0, c) {
            Data::String(s) => s.clone(),
            other => panic!("header cell {c}: {other:?}"),
        })
        .collect()
}

/// A cell against the JSON's value: null is an empty cell, a number a float equal to 1e-12,
/// text a string with exactly the JSON's characters.
fn assert_cell(actual: &Data, expected: &Value, what: &str) {
    match expected {
        Value::Null => assert_eq!(*actual, Data::Empty, "{what}"),
        Value::Number(n) => {
            let expected = n.as_f64().expect("a number");
            match actual {
                Data::Float(x) => assert!((x - expected).abs() <= 1e-12, "{what}: {x}"),
                Data::Int(x) => assert_eq!(*x as f64, expected, "{what}"),
                other => panic!("{what}: {other:?} is not the number {expected}"),
            }
        }
        Value::String(s) if s.is_empty() => assert_eq!(*actual, Data::Empty, "{what}"),
        Value::String(s) => assert_eq!(*actual, Data::String(s.clone()), "{what}"),
        Value::Bool(b) => assert_eq!(*actual, Data::Bool(*b), "{what}"),
        other => panic!("{what}: unexpected JSON {other}"),
    }
}

#[test]
fn xlsx_numbers_equal_the_json_and_text_stays_text() {
    let db = TestDb::new();
    let campaign = two_periods(&db);
    let json = results_json(&db, &campaign);
    let csv_text = db.ok(&["results", "--campaign", &campaign, "--format", "csv"]);
    let (csv_header, _) = read_csv(&csv_text);
    let file = db.path("results.xlsx");
    let out = db.ok(&[
        "results",
        "--campaign",
        &campaign,
        "--format",
        "xlsx",
        "--output",
        &file,
        "--lang",
        "en",
    ]);
    assert_eq!(out, "", "nothing on standard output");
    let bytes = std::fs::read(&file).expect("the workbook");
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).expect("a valid XLSX");
    assert_eq!(
        book.sheet_names(),
        ["Ranking", "clarity", "support", "About"]
    );
    for sheet in book.sheet_names() {
        let formulas = book.worksheet_formula(&sheet).expect("formula range");
        assert!(
            formulas.used_cells().all(|(_, _, f)| f.is_empty()),
            "formulas in {sheet}: {formulas:?}"
        );
    }

    let ranking = book.worksheet_range("Ranking").expect("ranking sheet");
    let header = header_of(&ranking);
    // The ranking's columns are the CSV's unit columns, in the CSV's order.
    assert_eq!(header, csv_header[..23]);
    assert_eq!(ranking.height(), 1 + 6);
    let units = json["units"].as_array().expect("units");
    let column = |name: &str| header.iter().position(|h| h == name).expect("column");
    let mut seen = Vec::new();
    for row in 1..ranking.height() {
        let code = match cell(&ranking, row, column("code")) {
            Data::String(code) => code.clone(),
            other => panic!("code cell of row {row}: {other:?}"),
        };
        let u = unit(&json, &code);
        // Tree order: a unit's parent comes before it.
        if let Some(parent) = u["parent_code"].as_str() {
            assert!(seen.contains(&parent.to_owned()), "{code} before {parent}");
        }
        seen.push(code.clone());
        for (col, h) in header.iter().enumerate() {
            assert_cell(
                cell(&ranking, row, col),
                json_of(u, h),
                &format!("{h} of {code}"),
            );
        }
        if u["suppressed"] == true {
            let n = u["n"].as_f64().expect("n of a suppressed unit");
            assert!(n > 0.0);
            assert_eq!(*cell(&ranking, row, column("n")), Data::Float(n));
            for figure in [
                "score",
                "sd",
                "ci95_low",
                "ci95_high",
                "rank",
                "change_difference",
            ] {
                assert_eq!(
                    *cell(&ranking, row, column(figure)),
                    Data::Empty,
                    "{figure} of {code}"
                );
            }
        }
    }
    assert_eq!(seen[0], "ROOT");
    assert_eq!(seen.len(), units.len());
    // Both kinds of suppression are in the data, and the hostile names came back verbatim.
    assert_eq!(unit(&json, "D")["suppressed_by"], "threshold");
    assert_eq!(unit(&json, "C")["suppressed_by"], "complement");
    let names: Vec<&Data> = (1..ranking.height())
        .map(|r| cell(&ranking, r, column("name")))
        .collect();
    for name in [
        "=HYPERLINK(\"http://x\",\"y\")",
        "+cmd|' /C calc'!A0",
        "@SUM(A1)",
        "-1+1",
        TAB_NAME,
    ] {
        assert!(
            names.contains(&&Data::String(name.to_owned())),
            "{name:?} not a string cell in {names:?}"
        );
    }

    // One sheet per dimension, with the JSON's figures of that dimension.
    for (g, id) in ["clarity", "support"].into_iter().enumerate() {
        let sheet = book.worksheet_range(id).expect("dimension sheet");
        let header = header_of(&sheet);
        assert_eq!(
            header,
            [
                "code",
                "name",
                "parent_code",
                "level",
                "suppressed_by",
                "n",
                "mean",
                "sd",
                "ci95_low",
                "ci95_high",
                "alpha",
                "alpha_n"
            ]
        );
        assert_eq!(sheet.height(), 1 + 6);
        for row in 1..sheet.height() {
            let Data::String(code) = cell(&sheet, row, 0) else {
                panic!("code of row {row} in {id}");
            };
            let u = unit(&json, code);
            let d = &u["dimensions"][g];
            if u["suppressed"] == true {
                assert!(d.is_null(), "{code} has dimensions in the JSON");
            } else {
                assert_eq!(d["id"], id);
            }
            for (col, h) in header.iter().enumerate() {
                let expected = match h.as_str() {
                    "code" | "name" | "parent_code" | "level" | "suppressed_by" => &u[h.as_str()],
                    "ci95_low" => &d["ci95"][0],
                    "ci95_high" => &d["ci95"][1],
                    other => &d[other],
                };
                assert_cell(
                    cell(&sheet, row, col),
                    expected,
                    &format!("{id} {h} of {code}"),
                );
            }
        }
    }

    let about = book.worksheet_range("About").expect("about sheet");
    let value_of = |label: &str| {
        (0..about.height())
            .find(|r| *cell(&about, *r, 0) == Data::String(label.to_owned()))
            .map(|r| cell(&about, r, 1).clone())
            .unwrap_or_else(|| panic!("{label} missing from About"))
    };
    assert_cell(&value_of("Campaign"), &json["campaign"]["id"], "campaign");
    assert_cell(
        &value_of("min_responses"),
        &json["campaign"]["min_responses"],
        "min",
    );
    assert_cell(
        &value_of("compared_with"),
        &json["campaign"]["compared_with"],
        "compared",
    );
    assert_eq!(value_of("Period"), Data::String("2026".to_owned()));
    assert_eq!(value_of("Title"), Data::String("Climate 2026".to_owned()));
}

#[test]
fn xlsx_needs_an_output_file_and_every_output_file_is_the_owners_only() {
    use std::os::unix::fs::PermissionsExt;
    let db = TestDb::new();
    let campaign = two_periods(&db);
    let err = db.fails(&["results", "--campaign", &campaign, "--format", "xlsx"]);
    assert!(
        err.contains("--format xlsx writes a workbook: give the file with --output FILE"),
        "{err}"
    );
    let mode = |path: &str| {
        std::fs::metadata(path)
            .expect("output file")
            .permissions()
            .mode()
            & 0o777
    };
    let xlsx = db.path("ranking.xlsx");
    db.ok(&[
        "results",
        "--campaign",
        &campaign,
        "--format",
        "xlsx",
        "--output",
        &xlsx,
    ]);
    assert_eq!(mode(&xlsx), 0o600);
    // Indonesian by default.
    let book: Xlsx<_> = calamine::open_workbook(&xlsx).expect("a valid XLSX");
    assert_eq!(
        book.sheet_names(),
        ["Peringkat", "clarity", "support", "Tentang"]
    );

    // --output for a text format: the same bytes as standard output, and an existing file
    // readable by everyone is made the owner's only.
    let csv = db.path("ranking.csv");
    std::fs::write(&csv, "old").expect("existing file");
    std::fs::set_permissions(&csv, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    db.ok(&[
        "results",
        "--campaign",
        &campaign,
        "--format",
        "csv",
        "--output",
        &csv,
    ]);
    assert_eq!(mode(&csv), 0o600);
    let stdout = db.ok(&["results", "--campaign", &campaign, "--format", "csv"]);
    assert_eq!(std::fs::read_to_string(&csv).expect("csv"), stdout);
}
