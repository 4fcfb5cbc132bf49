//! `kinerja demo`: a realistic data set loaded through the same paths an organizer uses (unit
//! CSV, template files, campaigns, response CSV), then the rankings it produces.
//!
//! Responses are simulated with a fixed seed, so every run prints the same figures. Loading is
//! idempotent: a campaign that already exists is left as it is.

use crate::db::CampaignId;
use std::fmt::Write as _;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::campaign::{self, CampaignRequest};
use crate::db::{self, DbConn};
use crate::template::{parse_template, ItemAnswer, OptionValue, Template};

const UNITS_CSV: &str = include_str!("../data/djpb-units.csv");
const SFO_TOML: &str = include_str!("../survey_templates/sfo.toml");
const REVIEW_TOML: &str = include_str!("../survey_templates/reviu-pengelolaan-kinerja.toml");

/// Survey years; each year the whole directorate general moves a little.
const SFO_YEARS: [(&str, f64); 3] = [("2016", -0.04), ("2017", 0.0), ("2018", 0.03)];
/// Units whose few respondents stay under the anonymity threshold every year.
const SMALL_UNITS: [&str; 2] = ["DJPB-SMI", "KW-PABAR"];
const SEED: u64 = 2018;

/// Head office and the regional offices: the peers the directorate general ranks.
fn is_ranked_peer(code: &str, parent: Option<&str>) -> bool {
    parent == Some("DJPB") && (code.starts_with("DJPB-") || code.starts_with("KW-"))
}

/// Loads the demo data and returns a report to print.
pub fn load(conn: &mut DbConn) -> anyhow::Result<String> {
    let mut report = String::new();
    let counts =
        crate::import::units::import_units(conn, "data/djpb-units.csv", UNITS_CSV.as_bytes())?;
    let _ = writeln!(
        report,
        "units: {} created, {} updated, {} unchanged",
        counts.created, counts.updated, counts.unchanged
    );
    let sfo = import_template(conn, SFO_TOML)?;
    let review = import_template(conn, REVIEW_TOML)?;

    let peers = peer_codes(UNITS_CSV);
    let mut rng = StdRng::seed_from_u64(SEED);
    let unit_means: Vec<f64> = peers.iter().map(|_| rng.random_range(4.47..4.80)).collect();
    let mut latest_sfo = CampaignId(0);
    for (year, drift) in SFO_YEARS {
        let title = format!("Survei SFO DJPb {year}");
        let (id, created) = ensure_campaign(conn, &sfo, year, &title, &peers)?;
        if created {
            let csv = simulate_survey(&sfo, &peers, &unit_means, drift, &mut rng);
            let stored = crate::import::responses::import_responses(
                conn,
                id,
                "demo-sfo.csv",
                csv.as_bytes(),
            )?;
            let _ = writeln!(
                report,
                "campaign {id} '{title}': {stored} simulated responses"
            );
        } else {
            let _ = writeln!(report, "campaign {id} '{title}': already loaded");
        }
        latest_sfo = id;
    }
    let kanwil: Vec<String> = peers
        .iter()
        .filter(|c| c.starts_with("KW-"))
        .cloned()
        .collect();
    let title = "Reviu Pengelolaan Kinerja Kanwil DJPb 2018";
    let (review_id, created) = ensure_campaign(conn, &review, "2018", title, &kanwil)?;
    if created {
        let csv = simulate_reviews(&review, &kanwil, &mut rng);
        let stored = crate::import::responses::import_responses(
            conn,
            review_id,
            "demo-reviu.csv",
            csv.as_bytes(),
        )?;
        let _ = writeln!(
            report,
            "campaign {review_id} '{title}': {stored} simulated reviews"
        );
    }
    for id in [latest_sfo, review_id] {
        let results = crate::results::compute(conn, id)?;
        let _ = write!(
            report,
            "\n{}",
            crate::results::render(&results, crate::results::Format::Table)
        );
    }
    Ok(report)
}

fn import_template(conn: &mut DbConn, source: &str) -> anyhow::Result<Template> {
    let template = parse_template(source).map_err(|issues| {
        anyhow::anyhow!(
            "built-in template does not parse: {}",
            issues
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        )
    })?;
    db::templates::import(conn, &template, source)?;
    Ok(template)
}

fn peer_codes(units_csv: &str) -> Vec<String> {
    units_csv
        .lines()
        .skip(1)
        .filter_map(|line| {
            let mut cells = line.split(',');
            let code = cells.next()?;
            let parent = cells.nth(1);
            is_ranked_peer(code, parent).then(|| code.to_owned())
        })
        .collect()
}

/// The campaign with this identity, created (open) if missing; true when newly created.
fn ensure_campaign(
    conn: &mut DbConn,
    template: &Template,
    period: &str,
    title: &str,
    units: &[String],
) -> anyhow::Result<(CampaignId, bool)> {
    let stored =
        db::templates::find(conn, &template.key, Some(template.version))?.ok_or_else(|| {
            anyhow::anyhow!(
                "template '{}' was just imported but is missing",
                template.key
            )
        })?;
    if let Some(existing) = db::campaigns::find_by_identity(conn, stored.id, period, title)? {
        return Ok((existing.id, false));
    }
    let request = CampaignRequest {
        template_key: &template.key,
        template_version: Some(template.version),
        period,
        title,
        units: Some(units.to_vec()),
        min_responses: None,
        draft: false,
        closes_on: None,
    };
    Ok((campaign::create(conn, &request)?, true))
}

/// A standard normal draw (Box-Muller), enough for simulated answers.
fn normal(rng: &mut StdRng) -> f64 {
    let u1: f64 = rng.random_range(f64::EPSILON..1.0);
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// The header line of a response file for `template`: `unit`, then every item id.
fn responses_header(template: &Template) -> String {
    format!("unit,{}\n", template.item_ids().join(","))
}

fn simulate_survey(
    template: &Template,
    units: &[String],
    means: &[f64],
    drift: f64,
    rng: &mut StdRng,
) -> String {
    let items = template.items();
    let mut csv = responses_header(template);
    for (unit, mean) in units.iter().zip(means) {
        let respondents = if SMALL_UNITS.contains(&unit.as_str()) {
            3
        } else {
            rng.random_range(12..45)
        };
        for _ in 0..respondents {
            let attitude = mean + drift + 0.25 * normal(rng);
            csv.push_str(unit);
            for item in &items {
                csv.push(',');
                // Only items on a scale get an agreement; any other cell stays empty.
                let ItemAnswer::Scale {
                    scale,
                    reverse,
                    required,
                } = item.answer
                else {
                    continue;
                };
                if !required && rng.random_bool(0.1) {
                    continue;
                }
                let (min, max) = (f64::from(scale.min), f64::from(scale.max));
                let agreement = (attitude + 0.55 * normal(rng)).round().clamp(min, max);
                let answer = if reverse {
                    min + max - agreement
                } else {
                    agreement
                };
                let _ = write!(csv, "{answer}");
            }
            csv.push('\n');
        }
    }
    csv
}

fn simulate_reviews(template: &Template, units: &[String], rng: &mut StdRng) -> String {
    let items = template.items();
    let mut csv = responses_header(template);
    for unit in units {
        csv.push_str(unit);
        for item in &items {
            csv.push(',');
            // Only items with options get a choice; any other cell stays empty.
            let ItemAnswer::Options { options, .. } = item.answer else {
                continue;
            };
            let best = options
                .iter()
                .filter(|o| matches!(o.value, OptionValue::Score(_)))
                .max_by(|a, b| score_of(a.value).total_cmp(&score_of(b.value)));
            let na = options
                .iter()
                .find(|o| o.value == OptionValue::NotApplicable);
            let roll: f64 = rng.random();
            let chosen = match (na, best) {
                (Some(na), _) if roll < 0.05 => na,
                (_, Some(best)) if roll < 0.85 => best,
                _ => &options[rng.random_range(0..options.len())],
            };
            csv.push_str(&chosen.id);
        }
        csv.push('\n');
    }
    csv
}

fn score_of(value: OptionValue) -> f64 {
    match value {
        OptionValue::Score(s) => s,
        OptionValue::NotApplicable => -1.0,
    }
}

/// Issues a fresh link for one demo respondent of the Aceh regional office and returns its
/// token, so `serve --demo` can print a link that works.
pub fn respondent_link(conn: &mut DbConn) -> anyhow::Result<String> {
    let campaign = db::campaigns::list(conn)?
        .into_iter()
        .filter(|c| {
            c.template_key == "sfo" && c.campaign.status == db::campaigns::CampaignStatus::Open
        })
        .max_by_key(|c| c.campaign.id)
        .ok_or_else(|| anyhow::anyhow!("the demo has no open SFO campaign"))?;
    // A new address each time: an earlier demo link may already have been answered.
    let csv = format!(
        "email,unit,name,lang\ndemo.{:08x}@example.org,KW-ACEH,Demo Respondent,id\n",
        rand::random::<u32>()
    );
    let links = crate::import::invitations::invite(
        conn,
        campaign.campaign.id,
        "demo-invitation.csv",
        csv.as_bytes(),
        false,
    )?;
    links
        .into_iter()
        .next()
        .map(|l| l.token)
        .ok_or_else(|| anyhow::anyhow!("no demo link was issued"))
}
