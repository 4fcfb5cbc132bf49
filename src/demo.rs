//! `kinerja demo`: a realistic data set loaded through the same paths an organizer uses (unit
//! CSV, template files, campaigns, response CSV), then the rankings it produces.
//!
//! Responses are simulated with a fixed seed, so every run prints the same figures. Loading is
//! idempotent: a campaign that already exists is left as it is.

use crate::db::CampaignId;
use std::fmt::Write as _;
use std::ops::RangeInclusive;

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
/// Regional offices whose KPPN (service offices, level 3) the SFO surveys cover as well, so
/// that the tree has answers below a Kanwil.
const KANWIL_WITH_KPPN: [&str; 4] = ["KW-ACEH", "KW-BALI", "KW-JATIM", "KW-PAPUA"];
/// Of those, the ones whose own office staff are not surveyed: all their answers come from
/// the KPPN below them. The others have answers of their own and below.
const KANWIL_ONLY_KPPN: [&str; 1] = ["KW-PAPUA"];
/// Units whose few respondents stay under the anonymity threshold every year: a directorate,
/// a regional office and a KPPN.
const SMALL_UNITS: [&str; 3] = ["DJPB-SMI", "KW-PABAR", "X196"];
const SMALL_UNIT_RESPONDENTS: RangeInclusive<usize> = 3..=3;
/// Respondents per year of a head-office directorate or a regional office, and of a KPPN
/// (smaller offices).
const OFFICE_RESPONDENTS: RangeInclusive<usize> = 30..=69;
const KPPN_RESPONDENTS: RangeInclusive<usize> = 20..=39;
/// Each unit's own level on the 1-6 SFO scale, kept over the years; the spread makes units
/// distinguishable once a few dozen people answered.
const UNIT_EFFECT: std::ops::Range<f64> = 4.47..4.80;
/// How far one respondent's view of the unit sits from the unit's level (sd, scale points).
/// Shared by all of that person's answers, it is what makes a dimension's items agree, which
/// with the item noise below gives Cronbach's alphas of about 0.8-0.9 per dimension.
const RESPONDENT_SD: f64 = 0.55;
/// What is left to each single answer (sd, scale points).
const ITEM_SD: f64 = 0.35;
/// Share of respondents who leave an optional item empty.
const SKIP_OPTIONAL: f64 = 0.1;
const SEED: u64 = 2018;

/// The simulated response files, as `load` imports them. Everything is drawn from the one seed
/// up front, so each file is the same whichever campaigns already exist.
#[derive(Debug, Clone)]
pub struct Simulation {
    /// The units every SFO campaign covers, as in data/djpb-units.csv.
    pub sfo_units: Vec<String>,
    /// One response CSV per survey year: (period, file).
    pub sfo: Vec<(&'static str, String)>,
    /// The Kanwil the review campaign covers.
    pub review_units: Vec<String>,
    /// The review response CSV: one checklist per Kanwil.
    pub review: String,
}

/// The demo's units as (code, parent code), in the order of data/djpb-units.csv.
fn unit_tree(units_csv: &str) -> anyhow::Result<Vec<(String, Option<String>)>> {
    let mut reader = csv::Reader::from_reader(units_csv.as_bytes());
    let mut units = Vec::new();
    for record in reader.records() {
        let record = record?;
        let code = record.get(0).unwrap_or_default().to_owned();
        let parent = record
            .get(2)
            .filter(|p| !p.is_empty())
            .map(ToOwned::to_owned);
        units.push((code, parent));
    }
    Ok(units)
}

/// Head office and the regional offices: the peers the directorate general ranks.
fn is_ranked_peer(code: &str, parent: Option<&str>) -> bool {
    parent == Some("DJPB") && (code.starts_with("DJPB-") || code.starts_with("KW-"))
}

/// Draws the demo's responses: the SFO files of every year, then the reviews.
pub fn simulate() -> anyhow::Result<Simulation> {
    let sfo_template = parse_builtin(SFO_TOML)?;
    let review_template = parse_builtin(REVIEW_TOML)?;
    let tree = unit_tree(UNITS_CSV)?;
    let peers: Vec<&(String, Option<String>)> = tree
        .iter()
        .filter(|(code, parent)| is_ranked_peer(code, parent.as_deref()))
        .collect();
    let kppn = tree.iter().filter(|(_, parent)| {
        parent
            .as_deref()
            .is_some_and(|p| KANWIL_WITH_KPPN.contains(&p))
    });
    let sfo_units: Vec<&(String, Option<String>)> = peers.iter().copied().chain(kppn).collect();

    let mut rng = StdRng::seed_from_u64(SEED);
    let plans: Vec<UnitPlan> = sfo_units
        .iter()
        .map(|(code, parent)| {
            let is_kppn = parent.as_deref().is_some_and(|p| p.starts_with("KW-"));
            UnitPlan {
                code,
                effect: rng.random_range(UNIT_EFFECT),
                respondents: if SMALL_UNITS.contains(&code.as_str()) {
                    SMALL_UNIT_RESPONDENTS
                } else if KANWIL_ONLY_KPPN.contains(&code.as_str()) {
                    0..=0
                } else if is_kppn {
                    KPPN_RESPONDENTS
                } else {
                    OFFICE_RESPONDENTS
                },
            }
        })
        .collect();
    let sfo = SFO_YEARS
        .iter()
        .map(|&(year, drift)| {
            (
                year,
                simulate_survey(&sfo_template, &plans, drift, &mut rng),
            )
        })
        .collect();
    let review_units: Vec<String> = peers
        .iter()
        .filter(|(code, _)| code.starts_with("KW-"))
        .map(|(code, _)| code.clone())
        .collect();
    let review = simulate_reviews(&review_template, &review_units, &mut rng);
    Ok(Simulation {
        sfo_units: sfo_units.iter().map(|(code, _)| code.clone()).collect(),
        sfo,
        review_units,
        review,
    })
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
    let simulation = simulate()?;

    let mut latest_sfo = CampaignId(0);
    for (year, csv) in &simulation.sfo {
        let title = format!("Survei SFO DJPb {year}");
        let (id, created) = ensure_campaign(conn, &sfo, year, &title, &simulation.sfo_units)?;
        if created {
            let stored = crate::import::responses::import_responses(
                conn,
                id,
                "demo-sfo.csv",
                csv.as_bytes(),
                false,
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
    let title = "Reviu Pengelolaan Kinerja Kanwil DJPb 2018";
    let (review_id, created) =
        ensure_campaign(conn, &review, "2018", title, &simulation.review_units)?;
    if created {
        let stored = crate::import::responses::import_responses(
            conn,
            review_id,
            "demo-reviu.csv",
            simulation.review.as_bytes(),
            false,
        )?;
        let _ = writeln!(
            report,
            "campaign {review_id} '{title}': {stored} simulated reviews"
        );
    }
    for id in [latest_sfo, review_id] {
        let results = crate::results::compute(conn, id, crate::results::Compare::Previous)?;
        let _ = write!(
            report,
            "\n{}",
            crate::results::render(&results, crate::results::TextFormat::Table)
        );
    }
    // The sentence a ministry publishes, from `kinerja results trend --template sfo --unit DJPB`.
    let trend = crate::results::trend::trend(conn, &sfo.key, Some("DJPB"), None)?;
    let _ = write!(
        report,
        "\n{}",
        crate::results::render_trend(&trend, crate::results::TextFormat::Table)
    );
    Ok(report)
}

fn parse_builtin(source: &str) -> anyhow::Result<Template> {
    parse_template(source).map_err(|issues| {
        anyhow::anyhow!(
            "built-in template does not parse: {}",
            issues
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        )
    })
}

fn import_template(conn: &mut DbConn, source: &str) -> anyhow::Result<Template> {
    let template = parse_builtin(source)?;
    db::templates::import(conn, &template, source)?;
    Ok(template)
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
        contact: None,
        reminders: Default::default(),
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

/// One unit of the SFO campaigns: its persistent level and how many people answer a year.
struct UnitPlan<'a> {
    code: &'a str,
    effect: f64,
    respondents: RangeInclusive<usize>,
}

/// One year's SFO answers. Each answer is the unit's level (plus the year's drift), plus the
/// respondent's own leaning (one draw per person, shared by all items), plus the item's noise,
/// rounded onto the scale; a reverse-worded item stores the mirrored answer, as a respondent
/// who disagrees with a negative statement would give it.
fn simulate_survey(
    template: &Template,
    units: &[UnitPlan<'_>],
    drift: f64,
    rng: &mut StdRng,
) -> String {
    let items = template.items();
    let mut csv = responses_header(template);
    for unit in units {
        let respondents = rng.random_range(unit.respondents.clone());
        for _ in 0..respondents {
            let attitude = unit.effect + drift + RESPONDENT_SD * normal(rng);
            csv.push_str(unit.code);
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
                if !required && rng.random_bool(SKIP_OPTIONAL) {
                    continue;
                }
                let (min, max) = (f64::from(scale.min), f64::from(scale.max));
                let agreement = (attitude + ITEM_SD * normal(rng)).round().clamp(min, max);
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
