//! `kinerja demo` on a fresh database: the DJPb tree, three SFO years, a review, rankings.

mod common;

use common::{results_json as results, TestDb};

#[test]
fn demo_loads_realistic_scores_and_is_idempotent() {
    let db = TestDb::new();
    let out = db.ok(&["demo"]);
    assert!(
        out.contains("units: 153 created, 0 updated, 0 unchanged"),
        "{out}"
    );
    assert!(
        out.contains("Rank  Unit"),
        "the ranking table is printed: {out}"
    );
    assert_eq!(db.count("units"), 153);
    assert_eq!(db.count("campaigns"), 4);
    let responses = db.count("responses");

    for campaign in ["1", "2", "3"] {
        let sfo = results(&db, campaign);
        assert_eq!(sfo["campaign"]["template"]["id"], "sfo");
        let units = sfo["units"].as_array().expect("units");
        assert_eq!(units.len(), 41, "head office (8) and 33 Kanwil");
        for unit in units {
            let code = unit["code"].as_str().unwrap_or("");
            if code == "DJPB-SMI" || code == "KW-PABAR" {
                assert_eq!(unit["suppressed"], true, "{unit}");
                assert_eq!(unit["n"], 3);
                continue;
            }
            let score = unit["score"].as_f64().expect("score");
            assert!((4.4..=4.9).contains(&score), "{code} scored {score}");
            assert!(unit["rank"].as_u64().is_some());
            assert_eq!(unit["dimensions"].as_array().map(Vec::len), Some(5));
        }
    }
    let review = results(&db, "4");
    assert_eq!(review["campaign"]["template"]["kind"], "checklist");
    let units = review["units"].as_array().expect("units");
    assert_eq!(units.len(), 33);
    assert!(units
        .iter()
        .all(|u| u["n"] == 1 && (0.0..=100.0).contains(&u["score"].as_f64().unwrap_or(-1.0))));

    let again = db.ok(&["demo"]);
    assert!(
        again.contains("units: 0 created, 0 updated, 153 unchanged"),
        "{again}"
    );
    assert!(again.contains("already loaded"), "{again}");
    assert_eq!(db.count("responses"), responses);
    assert_eq!(db.count("campaigns"), 4);
}
