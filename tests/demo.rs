//! `kinerja demo` on a fresh database: the DJPb tree, three SFO years, a review, rankings.
//!
//! The SFO figures are recomputed here from the response files the demo imports
//! (`kinerja::demo::simulate`), with this file's own arithmetic, and compared with what
//! `kinerja results --format json` reports.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::{results_json as results, unit, TestDb};

const UNITS_CSV: &str = include_str!("../data/djpb-units.csv");
/// survey_templates/sfo.toml: five dimensions of five items `<dimension>-1` .. `-5` on a 1-6
/// scale; these two are reverse-worded (scored 7 - answer) and `continual-4` is optional.
const DIMENSIONS: [&str; 5] = ["leadership", "translate", "align", "everyone", "continual"];
const REVERSED: [&str; 2] = ["leadership-4", "everyone-4"];

/// One respondent's scored answers, by dimension then item; None for an empty cell.
type Respondent = Vec<Vec<Option<f64>>>;

/// The rows of a response file by unit code, reverse-worded items scored back.
fn respondents_by_unit(csv: &str) -> BTreeMap<String, Vec<Respondent>> {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    assert_eq!(header[0], "unit");
    let mut by_unit: BTreeMap<String, Vec<Respondent>> = BTreeMap::new();
    for line in lines {
        let cells: Vec<&str> = line.split(',').collect();
        let cell = |item: &str| {
            let at = header.iter().position(|h| *h == item).expect(item);
            let raw = cells[at];
            (!raw.is_empty()).then(|| {
                let x: f64 = raw.parse().expect("a number");
                assert!((1.0..=6.0).contains(&x) && x.fract() == 0.0, "{x}");
                if REVERSED.contains(&item) {
                    7.0 - x
                } else {
                    x
                }
            })
        };
        let respondent = DIMENSIONS
            .iter()
            .map(|d| (1..=5).map(|i| cell(&format!("{d}-{i}"))).collect())
            .collect();
        by_unit
            .entry(cells[0].to_owned())
            .or_default()
            .push(respondent);
    }
    by_unit
}

fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}

fn sample_variance(xs: &[f64]) -> f64 {
    let m = mean(xs);
    xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (xs.len() - 1) as f64
}

/// Cronbach's alpha of complete rows: k/(k-1) (1 - sum of item variances / variance of totals).
fn cronbach(rows: &[Vec<f64>]) -> f64 {
    let k = rows[0].len() as f64;
    let items: f64 = (0..rows[0].len())
        .map(|j| sample_variance(&rows.iter().map(|r| r[j]).collect::<Vec<_>>()))
        .sum();
    let totals: Vec<f64> = rows.iter().map(|r| r.iter().sum()).collect();
    k / (k - 1.0) * (1.0 - items / sample_variance(&totals))
}

fn pearson(xs: &[f64], ys: &[f64]) -> f64 {
    let (mx, my) = (mean(xs), mean(ys));
    let cov: f64 = xs.iter().zip(ys).map(|(x, y)| (x - mx) * (y - my)).sum();
    let sx: f64 = xs.iter().map(|x| (x - mx).powi(2)).sum::<f64>().sqrt();
    let sy: f64 = ys.iter().map(|y| (y - my).powi(2)).sum::<f64>().sqrt();
    cov / (sx * sy)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn demo_loads_realistic_scores_and_is_idempotent() {
    let db = TestDb::new();
    let out = db.ok(&["demo"]);
    assert!(
        out.contains("units: 153 created, 0 updated, 0 unchanged"),
        "{out}"
    );
    assert!(
        out.contains("Rank  Rank range  Unit"),
        "the ranking table is printed: {out}"
    );
    assert_eq!(db.count("units"), 153);
    assert_eq!(db.count("campaigns"), 4);
    let responses = db.count("responses");

    let simulation = kinerja::demo::simulate().expect("simulate");
    let again = kinerja::demo::simulate().expect("simulate");
    assert_eq!(simulation.sfo, again.sfo, "a fixed seed");
    assert_eq!(simulation.review, again.review, "a fixed seed");

    // The tree, from the unit file: who is whose parent.
    let parent: BTreeMap<&str, &str> = UNITS_CSV
        .lines()
        .skip(1)
        .filter_map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            Some((cells[0], *cells.get(2)?))
        })
        .collect();
    let level_2: BTreeSet<&str> = parent
        .iter()
        .filter(|(_, p)| **p == "DJPB")
        .map(|(c, _)| *c)
        .collect();
    assert_eq!(level_2.len(), 41, "8 head-office units and 33 Kanwil");
    let covered: BTreeSet<&str> = simulation.sfo_units.iter().map(String::as_str).collect();
    assert!(
        level_2.is_subset(&covered),
        "the directorates and every Kanwil"
    );
    let kppn: BTreeSet<&str> = covered.difference(&level_2).copied().collect();
    let kanwil_with_kppn: BTreeSet<&str> = kppn.iter().map(|c| parent[c]).collect();
    assert!(
        kanwil_with_kppn.iter().all(|k| k.starts_with("KW-")) && kanwil_with_kppn.len() >= 3,
        "the KPPN of at least three Kanwil: {kanwil_with_kppn:?}"
    );

    let mut scores_by_year: Vec<BTreeMap<String, f64>> = Vec::new();
    let mut alphas = Vec::new();
    for (index, (year, csv)) in simulation.sfo.iter().enumerate() {
        let campaign = index + 1;
        let sfo = results(&db, campaign);
        assert_eq!(sfo["campaign"]["template"]["id"], "sfo");
        assert_eq!(sfo["campaign"]["period"], *year);
        let rows = csv.lines().count() - 1;
        assert!((1500..=3000).contains(&rows), "{rows} responses in {year}");
        assert_eq!(sfo["campaign"]["responses"], rows);
        assert!(
            out.contains(&format!(
                "campaign {campaign} 'Survei SFO DJPb {year}': {rows} simulated responses"
            )),
            "{out}"
        );
        let by_unit = respondents_by_unit(csv);
        let answered: BTreeSet<&str> = by_unit.keys().map(String::as_str).collect();
        assert!(answered.is_subset(&covered));

        // Answers below a Kanwil: KPPN of three Kanwil or more, some of which answer too.
        let kanwil_answered_below: BTreeSet<&str> = answered
            .iter()
            .filter(|c| kppn.contains(*c) && by_unit[**c].len() >= 5)
            .map(|c| parent[c])
            .collect();
        assert!(
            kanwil_answered_below.len() >= 3,
            "{kanwil_answered_below:?}"
        );
        let with_own = kanwil_answered_below
            .iter()
            .filter(|k| by_unit.get(**k).is_some_and(|r| r.len() >= 5))
            .count();
        assert!(
            with_own >= 2 && with_own < kanwil_answered_below.len(),
            "some Kanwil answer besides their KPPN, some do not"
        );

        let small: BTreeSet<&str> = by_unit
            .iter()
            .filter(|(_, r)| r.len() < 5)
            .map(|(c, _)| c.as_str())
            .collect();
        assert!(
            (2..=3).contains(&small.len()) && small.iter().any(|c| kppn.contains(c)),
            "a few units under the threshold, a KPPN among them: {small:?}"
        );

        let mut scores = BTreeMap::new();
        for (code, respondents) in &by_unit {
            // A Kanwil with KPPN below it reports its own staff's answers as `own`.
            let row = unit(&sfo, code);
            let rolls_up = kanwil_with_kppn.contains(code.as_str());
            let json = if rolls_up { &row["own"] } else { row };
            assert_eq!(json["n"], respondents.len(), "{code}");
            if respondents.len() < 5 {
                assert_eq!(json["suppressed"], true, "{json}");
                assert_eq!(json["suppressed_by"], "threshold", "{json}");
                assert!(json["score"].is_null(), "{json}");
                continue;
            }
            if json["suppressed_by"] == "complement" {
                // Withheld so that a smaller group cannot be recovered (tests/organisation.rs).
                assert!(json["score"].is_null(), "{json}");
                continue;
            }
            // A respondent's score: the mean of the dimension means of the answered items.
            let dimension_means: Vec<Vec<f64>> = respondents
                .iter()
                .map(|r| {
                    r.iter()
                        .map(|d| mean(&d.iter().flatten().copied().collect::<Vec<_>>()))
                        .collect()
                })
                .collect();
            let score = mean(&dimension_means.iter().map(|d| mean(d)).collect::<Vec<_>>());
            let reported = json["score"].as_f64().expect("score");
            assert!(close(score, reported), "{code}: {score} vs {reported}");
            assert!(rolls_up || row["rank"].as_u64().is_some(), "{row}");
            for (g, dimension) in DIMENSIONS.iter().enumerate() {
                let reported = &json["dimensions"][g];
                assert_eq!(reported["id"], *dimension);
                let dmean = mean(&dimension_means.iter().map(|d| d[g]).collect::<Vec<_>>());
                assert!(close(dmean, reported["mean"].as_f64().expect("mean")));
                let complete: Vec<Vec<f64>> = respondents
                    .iter()
                    .filter_map(|r| r[g].iter().copied().collect::<Option<Vec<f64>>>())
                    .collect();
                let alpha = cronbach(&complete);
                let shown = reported["alpha"].as_f64().expect("alpha");
                assert!(
                    close(alpha, shown),
                    "{code} {dimension}: {alpha} vs {shown}"
                );
                if respondents.len() >= 20 {
                    alphas.push(alpha);
                }
            }
            scores.insert(code.clone(), score);
        }
        // A Kanwil's own figures roll up with its KPPN's: the mean over all their respondents.
        for kanwil in &kanwil_with_kppn {
            let below: Vec<f64> = by_unit
                .iter()
                .filter(|(c, _)| c.as_str() == *kanwil || parent.get(c.as_str()) == Some(kanwil))
                .flat_map(|(_, rs)| rs.iter())
                .map(|r| {
                    mean(
                        &r.iter()
                            .map(|d| mean(&d.iter().flatten().copied().collect::<Vec<_>>()))
                            .collect::<Vec<_>>(),
                    )
                })
                .collect();
            let row = unit(&sfo, kanwil);
            assert_eq!(row["n"], below.len(), "{kanwil}");
            assert_eq!(row["level"], 2);
            let reported = row["score"].as_f64().expect("a published roll-up");
            assert!(close(mean(&below), reported), "{kanwil}: {reported}");
        }
        // Plausible unit scores on the 1-6 scale, and the best unit clearly above the worst.
        let (low, high) = scores
            .values()
            .fold((f64::MAX, f64::MIN), |(lo, hi), &s| (lo.min(s), hi.max(s)));
        assert!(4.2 <= low && high <= 5.0, "{year}: scores {low}..{high}");
        let by_score = |s: f64| {
            let code = scores
                .iter()
                .find(|(_, &x)| x == s)
                .map(|(c, _)| c.as_str());
            unit(&sfo, code.unwrap_or_default())
        };
        let (best, worst) = (by_score(high), by_score(low));
        assert!(
            best["ci95"][0].as_f64() > worst["ci95"][1].as_f64(),
            "{best} against {worst}"
        );
        scores_by_year.push(scores);
    }
    // Respondents who share a view of their unit: reliable dimensions, as real SFO data give.
    alphas.sort_by(f64::total_cmp);
    let median = alphas[alphas.len() / 2];
    assert!((0.8..=0.9).contains(&median), "median alpha {median}");
    assert!(
        alphas[0] > 0.6 && alphas[alphas.len() - 1] < 0.97,
        "{alphas:?}"
    );
    // A unit stays itself from one year to the next.
    for pair in scores_by_year.windows(2) {
        let both: Vec<&String> = pair[0]
            .keys()
            .filter(|c| pair[1].contains_key(*c))
            .collect();
        let xs: Vec<f64> = both.iter().map(|c| pair[0][*c]).collect();
        let ys: Vec<f64> = both.iter().map(|c| pair[1][*c]).collect();
        assert!(pearson(&xs, &ys) > 0.25, "{}", pearson(&xs, &ys));
    }

    let review = results(&db, "4");
    assert_eq!(review["campaign"]["template"]["kind"], "checklist");
    let units: Vec<&serde_json::Value> = review["units"]
        .as_array()
        .expect("units")
        .iter()
        .filter(|u| u["level"] == 2)
        .collect();
    assert_eq!(units.len(), 33, "the Kanwil, under DJPB and Kemenkeu");
    assert!(units
        .iter()
        .all(|u| u["n"] == 1 && (0.0..=100.0).contains(&u["score"].as_f64().unwrap_or(-1.0))));
    // One review per unit cannot tell two units apart: every rank range spans all 33.
    assert!(units
        .iter()
        .all(|u| u["rank_interval"] == serde_json::json!([1, 33])));
    assert_eq!(unit(&review, "DJPB")["n"], 33);
    assert!(
        out.contains("Direktorat Jenderal Perbendaharaan: "),
        "the trend sentence: {out}"
    );

    let again = db.ok(&["demo"]);
    assert!(
        again.contains("units: 0 created, 0 updated, 153 unchanged"),
        "{again}"
    );
    assert!(again.contains("already loaded"), "{again}");
    assert_eq!(db.count("responses"), responses);
    assert_eq!(db.count("campaigns"), 4);
}
