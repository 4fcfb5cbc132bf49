//! Scores, confidence intervals, alpha and ranks from the real binary on a real database,
//! against values computed independently (Python's statistics module and scipy 1.17:
//! `stats.t.ppf(0.975, df)`, Cronbach's alpha by its textbook formula with numpy).

mod common;

use common::{results_json, unit, TestDb, CLIMATE, RECORDS, UNITS};
use serde_json::Value;

// team-climate: clarity (goals, role, confused [reverse]) weight 1; support (manager, tools
// [optional]) weight 2; scale 1..5.
const CLIMATE_ANSWERS: &str =
    "unit,clarity-goals,clarity-role,clarity-confused,support-manager,support-tools
A,5,4,2,5,4
A,4,4,3,4,
A,3,2,4,3,2
A,5,5,1,5,5
B,4,4,2,4,4
B,3,4,2,4,3
B,5,4,1,5,
C,4,4,4,4,4
C,2,2,2,2,2
";

fn close(actual: &Value, expected: f64) {
    let actual = actual
        .as_f64()
        .unwrap_or_else(|| panic!("{actual} is not a number"));
    assert!((actual - expected).abs() < 1e-9, "{actual} != {expected}");
}

fn survey_results(db: &TestDb, min_responses: &str) -> (i64, Value) {
    let campaign = db.campaign(
        UNITS,
        CLIMATE,
        &["--units", "A,B,C", "--min-responses", min_responses],
    );
    let answers = db.write("answers.csv", CLIMATE_ANSWERS);
    let out = db.ok(&[
        "responses",
        "import",
        "--campaign",
        &campaign.to_string(),
        &answers.display().to_string(),
    ]);
    assert!(out.contains("9 responses stored"), "{out}");
    (campaign, results_json(db, campaign))
}

#[test]
fn survey_unit_scores_match_an_independent_computation() {
    let db = TestDb::new();
    // A threshold of 2 publishes every unit (C has 2), so ROOT hides no group.
    let (campaign, results) = survey_results(&db, "2");
    assert_eq!(results["campaign"]["id"], campaign);
    assert_eq!(results["campaign"]["min_responses"], 2);

    let a = unit(&results, "A");
    assert_eq!(a["n"], 4);
    assert_eq!(a["suppressed"], false);
    close(&a["score"], 3.944444444444444);
    close(&a["sd"], 1.098071635583229);
    close(&a["ci95"][0], 2.197167434644797);
    close(&a["ci95"][1], 5.6917214542440915);
    assert_eq!(a["rank"], 2);
    let clarity = &a["dimensions"][0];
    assert_eq!(clarity["id"], "clarity");
    assert_eq!(clarity["n"], 4);
    close(&clarity["mean"], 3.833333333333333);
    close(&clarity["sd"], 1.138550085106622);
    close(&clarity["ci95"][0], 2.021646077469007);
    close(&clarity["alpha"], 0.9642857142857142);
    let support = &a["dimensions"][1];
    close(&support["mean"], 4.0);
    close(&support["sd"], 1.0801234497346435);
    // Only the three respondents who answered both support items enter alpha.
    close(&support["alpha"], 0.9523809523809523);

    let b = unit(&results, "B");
    assert_eq!(b["n"], 3);
    close(&b["score"], 4.148148148148148);
    close(&b["sd"], 0.678900102956421);
    close(&b["ci95"][0], 2.461666799819496);
    close(&b["ci95"][1], 5.8346294964768);
    assert_eq!(b["rank"], 1);
    // B's support alpha rests on 2 complete cases (one left tools blank): at the threshold.
    close(&b["dimensions"][0]["alpha"], 0.6428571428571429);
    assert_eq!(b["dimensions"][0]["alpha_n"], 3);
    close(&b["dimensions"][1]["alpha"], 0.0);
    assert_eq!(b["dimensions"][1]["alpha_n"], 2);

    // ROOT rolls up all nine respondents, whatever unit they answered for.
    let root = unit(&results, "ROOT");
    assert_eq!(root["level"], 0);
    assert_eq!(a["level"], 1);
    assert_eq!(root["n"], 9);
    // statistics.mean / stdev of the nine overall scores (clarity + 2 support) / 3:
    // [4.444, 3.889, 2.444, 5.0, 4.0, 3.556, 4.889, 3.778, 2.222] (rounded here).
    close(&root["score"], 3.802469135802469);
    close(&root["sd"], 0.9666950471213472);
    assert!(root["own"].is_null(), "ROOT has no responses of its own");
    assert_eq!(root["rank"], 1);
    assert_eq!(root["rank_interval"], serde_json::json!([1, 1]));
}

#[test]
fn a_unit_under_the_threshold_shows_no_figure_in_any_format() {
    let db = TestDb::new();
    let (campaign, results) = survey_results(&db, "3");
    let c = unit(&results, "C");
    assert_eq!(c["n"], 2);
    assert_eq!(c["suppressed"], true);
    assert_eq!(c["suppressed_by"], "threshold");
    // ROOT (9) minus A (4) minus B (3) would be C's two answers: B, the smaller published
    // part, is withheld as well, and ROOT minus A then covers five people.
    let b = unit(&results, "B");
    assert_eq!(b["n"], 3);
    assert_eq!(b["suppressed"], true);
    assert_eq!(b["suppressed_by"], "complement");
    assert!(b["score"].is_null() && b["rank"].is_null(), "{b}");
    assert_eq!(unit(&results, "A")["suppressed"], false);
    assert_eq!(unit(&results, "ROOT")["suppressed"], false);
    for field in ["score", "sd", "ci95", "rank"] {
        assert!(
            c[field].is_null(),
            "{field} shown for a suppressed unit: {c}"
        );
    }
    assert_eq!(c["dimensions"], serde_json::json!([]));

    // Unit C's mean would be 3.00; neither the table nor the CSV may show it.
    let table = db.ok(&["results", "--campaign", &campaign.to_string()]);
    let row = table
        .lines()
        .find(|l| l.contains("Unit C (C)"))
        .expect("row of C");
    assert!(row.contains("suppressed"), "{row}");
    assert!(
        !row.contains("3.00") && !row.contains('.'),
        "figures in suppressed row: {row}"
    );
    let csv = db.ok(&[
        "results",
        "--campaign",
        &campaign.to_string(),
        "--format",
        "csv",
    ]);
    let row = csv
        .lines()
        .find(|l| l.contains(",C,"))
        .expect("CSV row of C");
    assert!(
        row.starts_with(",,,,C,Unit C,ROOT,1,2,true,threshold,,,,"),
        "{row}"
    );
    assert!(!row.contains('.'), "figures in suppressed CSV row: {row}");
}

#[test]
fn the_table_shows_rank_unit_n_score_ci_and_dimensions_to_two_decimals() {
    let db = TestDb::new();
    let (campaign, _) = survey_results(&db, "2");
    let table = db.ok(&[
        "results",
        "--campaign",
        &campaign.to_string(),
        "--format",
        "table",
    ]);
    let lines: Vec<&str> = table.lines().collect();
    let header: Vec<&str> = lines[1].split_whitespace().collect();
    assert_eq!(
        header,
        [
            "Rank", "Rank", "range", "Unit", "n", "Score", "95%", "CI", "Change", "p", "clarity",
            "support"
        ]
    );
    // The tree in order: ROOT, then its units by rank. There is no earlier campaign to compare
    // with, so no change. Rank ranges: with 3, 4 and 2 respondents no two units differ at the
    // Bonferroni level (smallest Welch p here is 0.35, scipy), so each spans 1-3.
    let row = |i: usize| -> Vec<&str> { lines[i].split_whitespace().collect() };
    assert_eq!(
        row(2),
        [
            "1",
            "1",
            "Organisation",
            "(ROOT)",
            "9",
            "3.80",
            "3.06–4.55",
            "-",
            "-",
            "3.74",
            "3.83"
        ]
    );
    assert_eq!(
        row(3),
        [
            "1",
            "1–3",
            "Unit",
            "B",
            "(B)",
            "3",
            "4.15",
            // The exact interval is 2.46-5.83 (JSON): people see it clipped to the 1-5 scale.
            "2.46–5.00*",
            "-",
            "-",
            "4.11",
            "4.17"
        ]
    );
    assert_eq!(
        row(4),
        [
            "2",
            "1–3",
            "Unit",
            "A",
            "(A)",
            "4",
            "3.94",
            "2.20–5.00*",
            "-",
            "-",
            "3.83",
            "4.00"
        ]
    );
    assert!(
        lines[3].contains("  Unit B (B)"),
        "units below ROOT are indented"
    );
    assert!(
        lines.contains(
            &"* 95% CI bound clipped to the scale; JSON and CSV hold the exact interval."
        ),
        "the mark is explained: {lines:?}"
    );
}

#[test]
fn checklist_scores_sections_and_ties_share_a_rank() {
    let db = TestDb::new();
    let units = "code,name,parent_code\nROOT,Org,\nU1,One,ROOT\nU2,Two,ROOT\nU3,Three,ROOT\nU4,Four,ROOT\nU5,Five,ROOT\n";
    let campaign = db.campaign(units, RECORDS, &[]).to_string();
    // storage (weight 40): index 50 points (ya 1 / tidak 0), backup 50 (harian 1, mingguan 0.5,
    // tidak 0); access (weight 60): log 100 points (ya 1, tidak 0, na).
    let reviews = db.write(
        "reviews.csv",
        "unit,storage-index,storage-backup,access-log
U1,ya,mingguan,ya
U2,tidak,harian,na
U3,ya,harian,tidak
U4,ya,mingguan,ya
U5,ya,harian,ya
U5,tidak,tidak,na
",
    );
    db.ok(&[
        "responses",
        "import",
        "--campaign",
        &campaign,
        &reviews.display().to_string(),
    ]);
    let results = results_json(&db, &campaign);
    assert_eq!(
        results["campaign"]["min_responses"], 1,
        "checklists default to 1"
    );
    // U1: storage 100*(50+25)/100 = 75, access 100 -> (40*75 + 60*100)/100 = 90.
    close(&unit(&results, "U1")["score"], 90.0);
    close(&unit(&results, "U1")["dimensions"][0]["mean"], 75.0);
    // U2: access not applicable -> the total is the storage score alone.
    close(&unit(&results, "U2")["score"], 50.0);
    assert_eq!(unit(&results, "U2")["dimensions"][1]["n"], 0);
    assert!(unit(&results, "U2")["dimensions"][1]["mean"].is_null());
    close(&unit(&results, "U3")["score"], 40.0);
    // U5: reviews of 100 and 0.
    let u5 = unit(&results, "U5");
    close(&u5["score"], 50.0);
    close(&u5["sd"], 70.71067811865476);
    close(&u5["ci95"][0], -585.3102368087347);
    close(&u5["ci95"][1], 685.3102368087347);
    let ranks: Vec<(String, u64)> = results["units"]
        .as_array()
        .expect("units")
        .iter()
        .filter(|u| u["code"] != "ROOT")
        .map(|u| {
            (
                u["code"].as_str().unwrap_or("").to_owned(),
                u["rank"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    let expected = [("U1", 1), ("U4", 1), ("U2", 3), ("U5", 3), ("U3", 5)];
    assert_eq!(ranks, expected.map(|(c, r)| (c.to_owned(), r)));
    // One review per unit (two for U5) tells no two units apart: every rank range is 1-5,
    // and the table says why.
    for code in ["U1", "U2", "U3", "U4", "U5"] {
        assert_eq!(
            unit(&results, code)["rank_interval"],
            serde_json::json!([1, 5])
        );
        assert_eq!(unit(&results, code)["level"], 1);
        assert!(unit(&results, code)["dimensions"][0]["alpha"].is_null());
    }
    let table = db.ok(&["results", "--campaign", &campaign]);
    assert!(
        table.contains("with one review per unit no two units can be told apart"),
        "{table}"
    );
    // ROOT has no review of its own: its figures are its units' six reviews.
    // (90 + 50 + 40 + 90 + 100 + 0) / 6 = 61.666...
    let root = unit(&results, "ROOT");
    assert_eq!(root["n"], 6);
    assert_eq!(root["suppressed"], false);
    close(&root["score"], 370.0 / 6.0);
    assert!(root["own"].is_null());
}

#[test]
fn results_of_an_unknown_campaign_fail_clearly() {
    let db = TestDb::new();
    let err = db.fails(&["results", "--campaign", "42"]);
    assert!(err.contains("campaign 42 does not exist"), "{err}");
}
