//! Results that follow the unit tree and the calendar (issue 9), from the real binary on a
//! real database, against values computed independently: Python's `statistics` for means and
//! SDs, scipy 1.17.1 `stats.ttest_ind(x, y, equal_var=False)` for p-values and
//! `.confidence_interval(0.95)` for the change's CI, Hedges' g by its formula, and the
//! suppression rules by hand. The answers were drawn once by a seeded script
//! (random.seed(9), kept with the expected values in the comments) and are fixed here.

mod common;

use common::{last_line, results_json, unit, TestDb, CLIMATE};
use serde_json::{json, Value};

/// ORG > DG > {DIR1, KW1 > {KP1, KP2}, KW2}, and ORG > DG2: four levels.
const TREE: &str = "code,name,parent_code
ORG,Organisation,
DG,Directorate General,ORG
DIR1,Directorate One,DG
KW1,Regional Office One,DG
KP1,Office 1-1,KW1
KP2,Office 1-2,KW1
KW2,Regional Office Two,DG
DG2,Directorate General Two,ORG
";

/// 2025: DG 4 own, DIR1 4, KP1 5, KP2 3, KW2 5, DG2 4 (k = 3: everything is published).
const ANSWERS_2025: &str =
    "unit,clarity-goals,clarity-role,clarity-confused,support-manager,support-tools
DIR1,5,4,3,4,4
KW2,4,3,3,2,3
KP2,4,3,3,1,4
DIR1,5,5,2,4,5
KP1,4,4,2,3,1
DG2,3,4,3,5,4
DG,3,4,2,2,4
DG2,5,5,1,3,4
KW2,3,2,4,3,2
KP2,4,3,3,3,5
KW2,2,1,2,3,3
KW2,3,2,4,4,2
DG2,3,3,3,4,5
DG,4,4,3,3,3
DG,5,4,3,3,4
KP1,4,3,2,3,3
KP2,5,4,2,3,2
DIR1,3,3,3,5,5
DG2,3,4,2,3,3
KP1,3,2,2,3,3
DG,3,4,1,5,5
KW2,3,4,3,4,4
KP1,3,2,4,3,3
KP1,3,3,5,2,4
DIR1,4,5,2,5,5
";

/// 2026: DG 3 own, DIR1 4, KP1 5, KP2 2, KW2 6, DG2 2.
const ANSWERS_2026: &str =
    "unit,clarity-goals,clarity-role,clarity-confused,support-manager,support-tools
KW2,4,3,2,5,3
KW2,1,2,4,3,4
KP1,3,3,1,4,4
DIR1,4,5,1,4,4
DG,2,5,1,4,3
KW2,3,3,4,4,3
DG,3,5,2,4,4
KP1,4,3,4,4,4
KW2,3,4,2,3,3
KP2,4,3,3,2,4
KP2,4,4,3,5,3
KW2,3,2,1,5,3
DIR1,4,4,2,5,4
DG2,3,3,1,3,3
DIR1,3,5,2,5,4
KP1,4,4,2,4,5
KW2,3,2,2,4,4
KP1,3,3,3,4,4
DG2,4,4,2,5,5
DIR1,3,5,2,4,3
KP1,3,4,1,3,3
DG,4,4,3,3,3
";

fn close(actual: &Value, expected: f64) {
    let actual = actual
        .as_f64()
        .unwrap_or_else(|| panic!("{actual} is not a number"));
    assert!((actual - expected).abs() < 1e-9, "{actual} != {expected}");
}

/// Two campaigns of one template (2025, then 2026) over the tree, threshold 3. KW1 and ORG
/// are not covered: they are in the snapshot as ancestors only.
fn two_periods(db: &TestDb) -> (String, String) {
    let tree = db.write("tree.csv", TREE);
    db.ok(&["units", "import", &tree.display().to_string()]);
    db.ok(&["template", "import", CLIMATE]);
    let mut ids = Vec::new();
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
            "--units",
            "DG,DIR1,KP1,KP2,KW2,DG2",
            "--min-responses",
            "3",
        ]);
        let id = last_line(&out);
        let file = db.write(&format!("{period}.csv"), answers);
        db.ok(&[
            "responses",
            "import",
            "--campaign",
            &id,
            &file.display().to_string(),
        ]);
        ids.push(id);
    }
    (ids[0].clone(), ids[1].clone())
}

#[test]
fn subtree_and_own_figures_roll_up_the_tree() {
    let db = TestDb::new();
    let (earlier, _) = two_periods(&db);
    let results = results_json(&db, &earlier);
    let levels: Vec<(String, u64)> = ["ORG", "DG", "DIR1", "KW1", "KP1", "KP2", "KW2", "DG2"]
        .iter()
        .map(|c| {
            (
                c.to_string(),
                unit(&results, c)["level"].as_u64().unwrap_or(99),
            )
        })
        .collect();
    assert_eq!(
        levels,
        [
            ("ORG", 0),
            ("DG", 1),
            ("DIR1", 2),
            ("KW1", 2),
            ("KP1", 3),
            ("KP2", 3),
            ("KW2", 2),
            ("DG2", 1)
        ]
        .map(|(c, l)| (c.to_owned(), l))
    );
    // statistics.mean / stdev over the respondents of each subtree.
    for (code, n, mean, sd) in [
        ("ORG", 25, 3.457777777777778, 0.6985581859048323),
        ("DG", 21, 3.3862433862433865, 0.7257342366498482),
        ("KW1", 8, 3.013888888888889, 0.36339327693470114),
        ("KP1", 5, 2.888888888888889, 0.22222222222222204),
        ("KP2", 3, 3.2222222222222223, 0.5091750772173156),
        ("DG2", 4, 3.8333333333333335, 0.41076061134849723),
    ] {
        let u = unit(&results, code);
        assert_eq!(u["n"], n, "{code}");
        assert_eq!(u["suppressed_by"], Value::Null, "{code}");
        close(&u["score"], mean);
        close(&u["sd"], sd);
    }
    // DG has units below it and four respondents of its own; KW1 has none of its own.
    let own = &unit(&results, "DG")["own"];
    assert_eq!(own["n"], 4);
    assert_eq!(own["suppressed"], false);
    close(&own["score"], 3.694444444444444);
    close(&own["sd"], 0.6811694132499826);
    assert_eq!(own["dimensions"].as_array().map(Vec::len), Some(2));
    assert!(unit(&results, "KW1")["own"].is_null());
    assert!(unit(&results, "KP1")["own"].is_null(), "no units below KP1");
    // Ranks among the level (peers) and among siblings.
    let ranks = |code: &str| {
        let u = unit(&results, code);
        (u["rank"].clone(), u["rank_in_parent"].clone())
    };
    assert_eq!(ranks("ORG"), (json!(1), json!(1)));
    assert_eq!(ranks("DG2"), (json!(1), json!(1)));
    assert_eq!(ranks("DG"), (json!(2), json!(2)));
    assert_eq!(ranks("DIR1"), (json!(1), json!(1)));
    assert_eq!(ranks("KW1"), (json!(2), json!(2)));
    assert_eq!(ranks("KW2"), (json!(3), json!(3)));
    assert_eq!(ranks("KP2"), (json!(1), json!(1)));
    assert_eq!(ranks("KP1"), (json!(2), json!(2)));
}

#[test]
fn complementary_suppression_leaves_no_group_under_the_threshold_to_subtract() {
    let db = TestDb::new();
    let (_, later) = two_periods(&db);
    let results = results_json(&db, &later);
    // By hand, k = 3. Threshold: KP2 (2), DG2 (2). ORG (22) minus DG (20) would be DG2's two
    // answers: DG goes (smallest outermost set under ORG), then its own 3 (smaller than DIR1's
    // 4), leaving 5 uncovered. KW1 (7) minus KP1 (5) would be KP2's two: KP1 goes.
    let state = |code: &str| {
        let u = unit(&results, code);
        (u["n"].as_u64().unwrap_or(0), u["suppressed_by"].clone())
    };
    assert_eq!(state("ORG"), (22, Value::Null));
    assert_eq!(state("DG"), (20, json!("complement")));
    assert_eq!(state("DG2"), (2, json!("threshold")));
    assert_eq!(state("DIR1"), (4, Value::Null));
    assert_eq!(state("KW1"), (7, Value::Null));
    assert_eq!(state("KP1"), (5, json!("complement")));
    assert_eq!(state("KP2"), (2, json!("threshold")));
    assert_eq!(state("KW2"), (6, Value::Null));
    let dg_own = &unit(&results, "DG")["own"];
    assert_eq!(dg_own["n"], 3);
    assert_eq!(dg_own["suppressed_by"], "complement");
    assert!(dg_own["score"].is_null() && unit(&results, "DG")["score"].is_null());
    close(&unit(&results, "ORG")["score"], 3.7222222222222223);
    close(&unit(&results, "KW1")["score"], 3.698412698412698);

    // The attack: a published set minus the published sets inside it. With k = 3 it finds
    // nothing; asked for groups under 6 it finds ORG minus DIR1, KW1 and KW2: DG's own three
    // and DG2's two, whose mean (statistics.mean) it recovers exactly, so the attack works.
    assert_eq!(recovered_groups(&results, 3), []);
    let found = recovered_groups(&results, 6);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((found[0].0.as_str(), found[0].1), ("ORG", 5));
    assert!((found[0].2 - 3.7555555555555555).abs() < 1e-9, "{found:?}");
}

/// Every (published unit, size, mean) of a group under `k` that subtracting published sets
/// reveals: P's n and sum minus those of the outermost published sets below it.
fn recovered_groups(results: &Value, k: u64) -> Vec<(String, u64, f64)> {
    let units = results["units"].as_array().expect("units");
    let parent = |code: &str| -> Option<String> {
        units
            .iter()
            .find(|u| u["code"] == code)
            .and_then(|u| u["parent_code"].as_str().map(str::to_owned))
    };
    let sum = |figures: &Value| {
        figures["n"].as_u64().unwrap_or(0) as f64 * figures["score"].as_f64().unwrap_or(0.0)
    };
    let mut found = Vec::new();
    for p in units.iter().filter(|u| u["suppressed"] == false) {
        let code = p["code"].as_str().unwrap_or("");
        let (mut n, mut total) = (p["n"].as_u64().unwrap_or(0), sum(p));
        if p["own"]["suppressed"] == false {
            n -= p["own"]["n"].as_u64().unwrap_or(0);
            total -= sum(&p["own"]);
        }
        for d in units.iter().filter(|u| u["code"] != code) {
            // The outermost published sets strictly below P.
            let mut chain = parent(d["code"].as_str().unwrap_or(""));
            let mut hidden_by_published = false;
            let mut below = false;
            while let Some(c) = chain {
                if c == code {
                    below = true;
                    break;
                }
                if units
                    .iter()
                    .any(|u| u["code"] == c.as_str() && u["suppressed"] == false)
                {
                    hidden_by_published = true;
                }
                chain = parent(&c);
            }
            if !below || hidden_by_published {
                continue;
            }
            if d["suppressed"] == false {
                n -= d["n"].as_u64().unwrap_or(0);
                total -= sum(d);
            } else if d["own"]["suppressed"] == false {
                n -= d["own"]["n"].as_u64().unwrap_or(0);
                total -= sum(&d["own"]);
            }
        }
        // Only what subtraction reveals: a leaf's own figures are no secret.
        if n > 0 && n < k && n < p["n"].as_u64().unwrap_or(0) {
            found.push((code.to_owned(), n, total / n as f64));
        }
    }
    found
}

#[test]
fn rank_intervals_follow_bonferroni_corrected_welch_tests() {
    let db = TestDb::new();
    let (_, later) = two_periods(&db);
    let results = results_json(&db, &later);
    // Level 2 in 2026: DIR1 4.14, KW1 3.70, KW2 3.44 (m = 3, alpha 0.05 / 3 = 0.01667).
    // scipy Welch p: DIR1-KW1 0.0812, DIR1-KW2 0.01645 (differ), KW1-KW2 0.2727.
    let interval = |code: &str| unit(&results, code)["rank_interval"].clone();
    assert_eq!(interval("DIR1"), json!([1, 2]));
    assert_eq!(interval("KW1"), json!([1, 3]));
    assert_eq!(interval("KW2"), json!([2, 3]));
    assert_eq!(interval("ORG"), json!([1, 1]));
    for code in ["DG", "DG2", "KP1", "KP2"] {
        assert!(interval(code).is_null(), "{code} is not published");
        assert!(unit(&results, code)["rank"].is_null());
    }
}

#[test]
fn change_since_the_previous_period_matches_scipy() {
    let db = TestDb::new();
    let (earlier, later) = two_periods(&db);
    // The default compares with the latest earlier campaign of the template.
    let results = results_json(&db, &later);
    assert_eq!(
        results["campaign"]["compared_with"],
        earlier.parse::<i64>().unwrap_or(0)
    );
    for (code, difference, lo, hi, p, g) in [
        (
            "ORG",
            0.2644444444444445,
            -0.08272660046455949,
            0.6116154893534511,
            0.1317715634367573,
            0.43107036119614633,
        ),
        (
            "DIR1",
            -0.27777777777777857,
            -0.8412176752324775,
            0.2856621196769221,
            0.2729983423909679,
            -0.7420175530285773,
        ),
        (
            "KW1",
            0.6845238095238093,
            0.25397524941684796,
            1.1150723696307707,
            0.0046012632812731016,
            1.6940208908564744,
        ),
        (
            "KW2",
            0.5333333333333328,
            -0.11254771831631671,
            1.1792143849829824,
            0.09263104540115501,
            1.0941078780033453,
        ),
    ] {
        let change = &unit(&results, code)["change"];
        assert_eq!(
            change["campaign"],
            earlier.parse::<i64>().unwrap_or(0),
            "{code}"
        );
        close(&change["difference"], difference);
        close(&change["ci95"][0], lo);
        close(&change["ci95"][1], hi);
        close(&change["p_value"], p);
        close(&change["hedges_g"], g);
        assert_eq!(change["significant"], p < 0.05, "{code}");
    }
    close(
        &unit(&results, "KW1")["change"]["previous_score"],
        3.013888888888889,
    );
    // Unpublished now (DG, KP1) or then-and-now suppressed: no change.
    for code in ["DG", "DG2", "KP1", "KP2"] {
        assert!(unit(&results, code)["change"].is_null(), "{code}");
    }
    // The first period has nothing before it; --compare none and explicit ids.
    assert!(unit(&results_json(&db, &earlier), "ORG")["change"].is_null());
    let none = db.ok(&[
        "results",
        "--campaign",
        &later,
        "--compare",
        "none",
        "--format",
        "json",
    ]);
    let none: Value = serde_json::from_str(&none).expect("json");
    assert!(none["campaign"]["compared_with"].is_null());
    assert!(unit(&none, "ORG")["change"].is_null());
    let err = db.fails(&["results", "--campaign", &later, "--compare", &later]);
    assert!(
        err.contains("a campaign cannot be compared with itself"),
        "{err}"
    );
    let err = db.fails(&["results", "--campaign", &later, "--compare", "99"]);
    assert!(err.contains("campaign 99 does not exist"), "{err}");
}

#[test]
fn level_and_under_choose_rows_and_leave_figures_alone() {
    let db = TestDb::new();
    let (_, later) = two_periods(&db);
    let all = results_json(&db, &later);
    let rows = |args: &[&str]| -> Vec<String> {
        let mut full = vec!["results", "--campaign", later.as_str(), "--format", "json"];
        full.extend_from_slice(args);
        let json: Value = serde_json::from_str(&db.ok(&full)).expect("json");
        json["units"]
            .as_array()
            .expect("units")
            .iter()
            .map(|u| {
                assert_eq!(
                    u,
                    unit(&all, u["code"].as_str().unwrap_or("")),
                    "figures changed"
                );
                u["code"].as_str().unwrap_or("").to_owned()
            })
            .collect()
    };
    assert_eq!(rows(&["--level", "2"]), ["DIR1", "KW1", "KW2"]);
    assert_eq!(rows(&["--under", "KW1"]), ["KW1", "KP1", "KP2"]);
    assert_eq!(rows(&["--under", "DG", "--level", "3"]), ["KP1", "KP2"]);
    let err = db.fails(&["results", "--campaign", &later, "--under", "NOPE"]);
    assert!(
        err.contains("--under NOPE: unit 'NOPE' is not in campaign"),
        "{err}"
    );
    // The table reads as the tree.
    let table = db.ok(&["results", "--campaign", &later, "--under", "DG"]);
    let names: Vec<&str> = table
        .lines()
        .skip(3)
        .filter_map(|l| l.find("  ").map(|_| l))
        .collect();
    assert!(
        names
            .iter()
            .any(|l| l.contains("  Directorate General (DG)")),
        "{table}"
    );
    assert!(table.contains("    Directorate One (DIR1)"), "{table}");
    assert!(table.contains("      Office 1-1 (KP1)"), "{table}");
    // CSV: flat, with level and parent_code.
    let csv = db.ok(&[
        "results",
        "--campaign",
        &later,
        "--format",
        "csv",
        "--level",
        "3",
    ]);
    assert!(
        csv.contains(",KP1,Office 1-1,KW1,3,5,true,complement,"),
        "{csv}"
    );
}

#[test]
fn trend_gives_score_and_rank_per_period() {
    let db = TestDb::new();
    let (earlier, later) = two_periods(&db);
    let out = db.ok(&[
        "results",
        "trend",
        "--template",
        "team-climate",
        "--unit",
        "KW1",
        "--format",
        "json",
    ]);
    let trend: Value = serde_json::from_str(&out).expect("json");
    let rows = trend["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["campaign"], earlier.parse::<i64>().unwrap_or(0));
    assert_eq!(rows[0]["period"], "2025");
    assert_eq!(rows[0]["rank"], 2);
    close(&rows[0]["score"], 3.013888888888889);
    assert_eq!(rows[1]["campaign"], later.parse::<i64>().unwrap_or(0));
    assert_eq!(rows[1]["n"], 7);
    assert_eq!(rows[1]["rank"], 2);
    close(&rows[1]["score"], 3.698412698412698);
    let table = db.ok(&[
        "results",
        "trend",
        "--template",
        "team-climate",
        "--unit",
        "KW1",
    ]);
    assert!(
        table.contains("Regional Office One: 3.01 (2) 2025, 3.70 (2) 2026"),
        "{table}"
    );
    let level = db.ok(&[
        "results",
        "trend",
        "--template",
        "team-climate",
        "--level",
        "1",
        "--format",
        "csv",
    ]);
    assert!(
        level.contains(",2025,DG2,Directorate General Two,1,4,false,3.8333333333333335,1,"),
        "{level}"
    );
    assert!(
        level.contains(",2026,DG,Directorate General,1,20,true,,,,"),
        "{level}"
    );
    let err = db.fails(&[
        "results",
        "trend",
        "--template",
        "team-climate",
        "--unit",
        "NOPE",
    ]);
    assert!(
        err.contains("unit 'NOPE' is in no campaign of template 'team-climate'"),
        "{err}"
    );
    let err = db.fails(&["results", "trend", "--template", "nope"]);
    assert!(err.contains("template 'nope' has no campaigns"), "{err}");
}

#[test]
fn ancestors_in_the_snapshot_take_no_responses_and_count_as_no_unit() {
    let db = TestDb::new();
    let (_, later) = two_periods(&db);
    let list = db.ok(&["campaign", "list"]);
    assert!(
        list.lines()
            .nth(2)
            .is_some_and(|l| l.split_whitespace().nth(5) == Some("6")),
        "{list}"
    );
    let file = db.write("kw1.csv", "unit,clarity-goals,clarity-role,clarity-confused,support-manager,support-tools\nKW1,3,3,3,3,3\n");
    let err = db.fails(&[
        "responses",
        "import",
        "--campaign",
        &later,
        &file.display().to_string(),
    ]);
    assert!(err.contains("unit 'KW1' is not in campaign"), "{err}");
    assert_eq!(db.count("responses"), 47);
}

#[test]
fn cached_results_stay_until_the_campaign_changes() {
    let db = TestDb::new();
    let (earlier, later) = two_periods(&db);
    let later_id = kinerja::db::CampaignId(later.parse().expect("id"));
    let cache = kinerja::results::ResultsCache::new();
    let mut conn = db.conn();
    let compare = kinerja::results::Compare::Previous;
    let first = cache.get(&mut conn, later_id, compare).expect("results");
    let again = cache.get(&mut conn, later_id, compare).expect("results");
    assert!(
        std::sync::Arc::ptr_eq(&first, &again),
        "served from the cache"
    );
    assert_eq!(
        first.campaign.compared_with.map(|c| c.0.to_string()),
        Some(earlier.clone())
    );
    let fresh = kinerja::results::compute(&mut conn, later_id, compare).expect("results");
    assert_eq!(
        serde_json::to_value(&*first).expect("json"),
        serde_json::to_value(&fresh).expect("json"),
        "the cache holds what compute gives"
    );

    // New responses in the compared campaign change `change`: the entry is stale.
    let more = db.write("more.csv", "unit,clarity-goals,clarity-role,clarity-confused,support-manager,support-tools\nDIR1,1,1,5,1,1\n");
    db.ok(&[
        "responses",
        "import",
        "--campaign",
        &earlier,
        &more.display().to_string(),
    ]);
    let after = cache.get(&mut conn, later_id, compare).expect("results");
    assert!(!std::sync::Arc::ptr_eq(&first, &after));
    let dir1 = |r: &kinerja::results::CampaignResults| {
        r.units
            .iter()
            .find(|u| u.code == "DIR1")
            .and_then(|u| u.change.clone())
            .map(|c| c.previous_score)
    };
    assert_ne!(dir1(&first), dir1(&after));
    // And so does closing the campaign itself (its status is in the results).
    db.ok(&["campaign", "close", &later]);
    let closed = cache.get(&mut conn, later_id, compare).expect("results");
    assert_eq!(closed.campaign.status, "closed");
    let unchanged = cache.get(&mut conn, later_id, compare).expect("results");
    assert!(std::sync::Arc::ptr_eq(&closed, &unchanged));
}
