//! The content of every email. Each kind has one folder under `templates/email/<kind>/`:
//! `subject.txt`, `body.txt` and `body.html` (askama; `.html` is autoescaped, `.txt` is not).
//! Every template holds both languages as an exhaustive `match` on [`Lang`], so a language
//! added to `Lang` does not compile until each message is translated. This module only
//! gathers the facts a message states; the words are in the templates.
//!
//! Kinds: `invitation` and `reminder` (a personal link), `ranking` (the organizers' summary)
//! and `unit` (a unit head's summary). Bars in summaries are HTML tables with widths: they
//! show in every mail client, with no script, SVG or external image.

use askama::Template;

use super::{MailError, MessageKind, OutgoingMessage};
use crate::db::CampaignStatus;
use crate::db::{CampaignId, InvitationId};
use crate::domain::Lang;
use crate::results::columns::{clip_to_scale, people_table, two_decimals, GroupNames, Value};
use crate::results::{CampaignResults, UnitResult};
use crate::stats::{median, round_half_away};

/// A rendered message, before it is addressed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Content {
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl Content {
    pub fn addressed(
        self,
        kind: MessageKind,
        to: &str,
        campaign_id: CampaignId,
        invitation_id: Option<InvitationId>,
    ) -> OutgoingMessage {
        OutgoingMessage {
            kind,
            campaign_id: Some(campaign_id),
            invitation_id,
            to: to.to_owned(),
            subject: self.subject,
            text: self.text,
            html: self.html,
        }
    }
}

/// A subject is one line; its template file ends in a newline, as files do.
fn one_line(subject: String) -> String {
    subject.trim().to_owned()
}

/// What an invitation or a reminder says.
pub struct LinkMail<'a> {
    pub lang: Lang,
    pub name: Option<&'a str>,
    pub campaign_title: &'a str,
    pub period: &'a str,
    pub instrument_title: &'a str,
    pub unit_name: &'a str,
    /// The last day the link can be answered on.
    pub closes_on: Option<chrono::NaiveDate>,
    /// About how long answering takes, in minutes (`Template::estimated_minutes`).
    pub minutes: u32,
    /// Who to write to about the campaign (its `--contact`), named in the sign-off.
    pub contact: Option<&'a str>,
    /// A checklist's reviewer is named with the review; a survey's respondent is anonymous.
    pub checklist: bool,
    pub link: &'a str,
}

impl LinkMail<'_> {
    /// The closing day as people write it ("31 Desember 2026").
    fn deadline(&self) -> Option<String> {
        self.closes_on.map(|day| self.lang.long_date(day))
    }

    /// "sekitar 6 menit", "about 6 minutes".
    fn duration(&self) -> String {
        self.lang.about_minutes(self.minutes)
    }
}

#[derive(Template)]
#[template(path = "email/invitation/subject.txt")]
struct InvitationSubject<'a> {
    mail: &'a LinkMail<'a>,
}

#[derive(Template)]
#[template(path = "email/invitation/body.txt")]
struct InvitationText<'a> {
    mail: &'a LinkMail<'a>,
}

#[derive(Template)]
#[template(path = "email/invitation/body.html")]
struct InvitationHtml<'a> {
    mail: &'a LinkMail<'a>,
    subject: &'a str,
}

#[derive(Template)]
#[template(path = "email/reminder/subject.txt")]
struct ReminderSubject<'a> {
    mail: &'a LinkMail<'a>,
}

#[derive(Template)]
#[template(path = "email/reminder/body.txt")]
struct ReminderText<'a> {
    mail: &'a LinkMail<'a>,
}

#[derive(Template)]
#[template(path = "email/reminder/body.html")]
struct ReminderHtml<'a> {
    mail: &'a LinkMail<'a>,
    subject: &'a str,
}

/// The first email of an invitee, with their link.
pub fn invitation(mail: &LinkMail) -> Result<Content, MailError> {
    let subject = one_line(InvitationSubject { mail }.render()?);
    Ok(Content {
        text: InvitationText { mail }.render()?,
        html: InvitationHtml {
            mail,
            subject: &subject,
        }
        .render()?,
        subject,
    })
}

/// A new link for an invitee who has not answered yet.
pub fn reminder(mail: &LinkMail) -> Result<Content, MailError> {
    let subject = one_line(ReminderSubject { mail }.render()?);
    Ok(Content {
        text: ReminderText { mail }.render()?,
        html: ReminderHtml {
            mail,
            subject: &subject,
        }
        .render()?,
        subject,
    })
}

/// What the organizers' summary says of the campaign beside its figures.
#[derive(Clone, Copy, Debug)]
pub struct CampaignFacts {
    pub status: CampaignStatus,
    /// The last day links can be answered on, if the organizer set one.
    pub closes_on: Option<chrono::NaiveDate>,
    /// Invitations that count (unused or used), and those used: the response rate.
    pub invited: u64,
    pub submitted: u64,
}

/// "14 of 20 (70%)".
struct Rate {
    submitted: u64,
    invited: u64,
    /// Rounded half up to a whole percent.
    percent: u64,
}

/// A figure and what it is, as one line of a unit's block reads it: "Score 4.13".
struct Fact {
    label: String,
    value: String,
}

/// Why a unit's figures are withheld (`withheld.txt` words it).
struct Withheld {
    /// Complementary suppression rather than the threshold.
    complement: bool,
}

/// One unit of the ranking, stacked rather than a row of a wide table, so that it reads on a
/// phone without scrolling sideways: its name, its figures as "label value" pairs that wrap,
/// and each dimension's mean under its title.
struct UnitBlock {
    /// Below the table's top level, in levels (the name is indented by it).
    depth: usize,
    name: String,
    facts: Vec<Fact>,
    withheld: Option<Withheld>,
    dimensions: Vec<Fact>,
}

impl UnitBlock {
    /// The plain-text indent of the unit's lines.
    fn pad(&self) -> String {
        "  ".repeat(self.depth)
    }

    /// The HTML indent, in pixels; deep trees stop indenting at four levels so that a phone
    /// keeps room for the figures.
    fn indent_px(&self) -> usize {
        self.depth.min(4) * 12
    }
}

/// What the organizers' ranking states.
struct RankingMail<'a> {
    lang: Lang,
    /// The campaign's title, with its period unless the title holds it.
    name: String,
    responses: u64,
    units: usize,
    template_key: &'a str,
    template_version: i32,
    min_responses: i32,
    status: CampaignStatus,
    /// The closing day as people write it.
    deadline: Option<String>,
    /// None when nobody was invited through kinerja (responses came from files).
    rate: Option<Rate>,
    blocks: Vec<UnitBlock>,
    /// The campaign's page in the console, when the public address is known.
    console: Option<&'a str>,
    /// An interval is shown clipped to the scale: the footnote says what the mark means.
    clipped: bool,
}

#[derive(Template)]
#[template(path = "email/ranking/subject.txt")]
struct RankingSubject<'a> {
    mail: &'a RankingMail<'a>,
}

#[derive(Template)]
#[template(path = "email/ranking/body.txt")]
struct RankingText<'a> {
    mail: &'a RankingMail<'a>,
}

#[derive(Template)]
#[template(path = "email/ranking/body.html")]
struct RankingHtml<'a> {
    mail: &'a RankingMail<'a>,
    subject: &'a str,
}

/// The whole ranking, for organizers, in `lang`: whether the campaign is still open, its
/// response rate, then every unit in tree order with the columns of `kinerja results` (see
/// `results::columns`), its dimensions named by their titles. `console`: the campaign's page
/// in the console, linked when the public address is known.
pub fn ranking(
    results: &CampaignResults,
    facts: &CampaignFacts,
    lang: Lang,
    console: Option<&str>,
) -> Result<Content, MailError> {
    let c = &results.campaign;
    let units = crate::results::tree_order(&results.units);
    let table = people_table(
        &units,
        &c.dimensions,
        c.score_bounds(),
        lang,
        GroupNames::Titles,
    );
    let top = units.iter().map(|u| u.level).min().unwrap_or(0);
    let blocks = table
        .rows
        .into_iter()
        .zip(&table.withheld)
        .zip(&units)
        .map(|((row, withheld), unit)| {
            let mut block = UnitBlock {
                depth: unit.level.saturating_sub(top) as usize,
                name: String::new(),
                facts: Vec::new(),
                withheld: None,
                dimensions: Vec::new(),
            };
            for (column, cell) in row.into_iter().enumerate() {
                let label = table.headers.get(column).cloned().unwrap_or_default();
                match cell {
                    None => {
                        block.withheld = Some(Withheld {
                            complement: *withheld == Some(crate::results::Suppression::Complement),
                        })
                    }
                    Some(text) if column == table.name_column => {
                        block.name = text.trim_start().to_owned();
                    }
                    Some(value) if column >= table.group_start => {
                        // A withheld unit has blank dimension cells: nothing to list.
                        if !value.is_empty() {
                            block.dimensions.push(Fact { label, value });
                        }
                    }
                    // A figure that does not exist ("-": no rank, no earlier period) or is
                    // blank is left out rather than listed as a dash.
                    Some(value) if value.is_empty() || value == "-" => {}
                    Some(value) => block.facts.push(Fact { label, value }),
                }
            }
            block
        })
        .collect();
    let mail = &RankingMail {
        lang,
        name: crate::campaign::title_with_period(&c.title, &c.period),
        responses: c.responses,
        units: results.units.len(),
        template_key: &c.template.id,
        template_version: c.template.version,
        min_responses: c.min_responses,
        status: facts.status,
        deadline: facts.closes_on.map(|day| lang.long_date(day)),
        rate: (facts.invited > 0).then(|| Rate {
            submitted: facts.submitted,
            invited: facts.invited,
            percent: (facts.submitted * 100 + facts.invited / 2) / facts.invited,
        }),
        blocks,
        console,
        clipped: table.clipped,
    };
    let subject = one_line(RankingSubject { mail }.render()?);
    Ok(Content {
        text: RankingText { mail }.render()?,
        html: RankingHtml {
            mail,
            subject: &subject,
        }
        .render()?,
        subject,
    })
}

struct Bar {
    label: String,
    value: String,
    /// 0..=100, the share of the scale the mean reaches.
    percent: u32,
}

struct Change {
    /// Signed, as rounded figures differ: "+0.05".
    delta: String,
    before: String,
    /// The 95% CI of the difference and its p-value (Welch), as `kinerja results` writes them.
    ci: String,
    p: String,
    significant: bool,
}

struct UnitFigures {
    score: String,
    ci: String,
    rank: String,
    /// How many units of the same level have a rank.
    ranked: usize,
    /// The simultaneous 95% confidence range of the rank, e.g. "1–4".
    rank_range: String,
    peer_range: String,
    peer_median: String,
    change: Option<Change>,
    bars: Vec<Bar>,
}

/// What a unit head's page states; no figures for a suppressed unit.
struct UnitMail<'a> {
    lang: Lang,
    unit_name: &'a str,
    /// The campaign's title, with its period unless the title holds it.
    name: String,
    min_responses: i32,
    n: u64,
    /// Withheld although n reaches the threshold (complementary suppression).
    complement: bool,
    /// The unit's figures roll up units below it.
    rolls_up: bool,
    figures: Option<UnitFigures>,
    /// The unit's page in the console, when the public address is known.
    console: Option<&'a str>,
    /// The CI is shown clipped to the scale: the footnote says what the mark means.
    clipped: bool,
}

#[derive(Template)]
#[template(path = "email/unit/subject.txt")]
struct UnitSubject<'a> {
    mail: &'a UnitMail<'a>,
}

#[derive(Template)]
#[template(path = "email/unit/body.txt")]
struct UnitText<'a> {
    mail: &'a UnitMail<'a>,
}

#[derive(Template)]
#[template(path = "email/unit/body.html")]
struct UnitHtml<'a> {
    mail: &'a UnitMail<'a>,
    subject: &'a str,
}

/// One unit's page, for its head: its figures over its whole subtree against its peers' (the
/// published units of its level), its rank with the rank range, its dimensions as bars, and
/// the change since the template's previous campaign (`unit.change`). Figures are written as
/// the columns of `kinerja results` write them (`results::columns`). `console`: the unit's page
/// in the console, linked when the public address is known.
pub fn unit_page(
    results: &CampaignResults,
    unit: &UnitResult,
    lang: Lang,
    console: Option<&str>,
) -> Result<Content, MailError> {
    let c = &results.campaign;
    let (low, high) = c
        .scale
        .map(|[lo, hi]| (f64::from(lo), f64::from(hi)))
        .unwrap_or((0.0, 100.0));
    let peers: Vec<f64> = results
        .units
        .iter()
        .filter(|u| u.level == unit.level && u.rank.is_some())
        .filter_map(|u| u.figures.score)
        .collect();
    let own = &unit.figures;
    let shown_ci = own
        .ci95
        .filter(|_| !own.suppressed)
        .map(|ci| clip_to_scale(ci, [low, high]));
    let figures = (!own.suppressed).then(|| UnitFigures {
        score: Value::Number(own.score).for_people(lang),
        ci: shown_ci.map_or_else(|| "-".to_owned(), |ci| ci.for_people(lang)),
        rank: Value::Rank(unit.rank).for_people(lang),
        ranked: peers.len(),
        rank_range: Value::Ranks(unit.rank_interval).for_people(lang),
        peer_range: Value::Interval(
            peers
                .iter()
                .copied()
                .reduce(f64::min)
                .zip(peers.iter().copied().reduce(f64::max))
                .map(|(lo, hi)| [lo, hi]),
        )
        .for_people(lang),
        peer_median: Value::Number(median(&peers)).for_people(lang),
        change: unit.change.as_ref().zip(own.score).map(|(change, now)| {
            // The change people can check against the two published (rounded) scores.
            let delta = round_half_away(now, 2) - round_half_away(change.previous_score, 2);
            let sign = if delta < 0.0 { "-" } else { "+" };
            Change {
                delta: format!("{sign}{}", two_decimals(delta.abs(), lang)),
                before: two_decimals(change.previous_score, lang),
                ci: Value::Interval(Some(change.ci95)).for_people(lang),
                p: Value::PValue(Some(change.p_value)).for_people(lang),
                significant: change.significant,
            }
        }),
        bars: c
            .dimensions
            .iter()
            .zip(&own.dimensions)
            .map(|(info, d)| Bar {
                label: info.title.get(lang).to_owned(),
                value: Value::Number(d.mean).for_people(lang),
                percent: d
                    .mean
                    .map(|m| (((m - low) / (high - low)).clamp(0.0, 1.0) * 100.0).round() as u32)
                    .unwrap_or(0),
            })
            .collect(),
    });
    let mail = &UnitMail {
        lang,
        unit_name: &unit.name,
        name: crate::campaign::title_with_period(&c.title, &c.period),
        min_responses: c.min_responses,
        n: own.n,
        complement: own.suppressed_by == Some(crate::results::Suppression::Complement),
        rolls_up: results
            .units
            .iter()
            .any(|u| u.parent_code.as_deref() == Some(unit.code.as_str())),
        figures,
        console,
        clipped: shown_ci.is_some_and(|ci| ci.any_clipped()),
    };
    let subject = one_line(UnitSubject { mail }.render()?);
    Ok(Content {
        text: UnitText { mail }.render()?,
        html: UnitHtml {
            mail,
            subject: &subject,
        }
        .render()?,
        subject,
    })
}

/// What a new organizer's password link says.
pub struct PasswordSetupMail<'a> {
    pub lang: Lang,
    pub name: Option<&'a str>,
    pub email: &'a str,
    pub role: crate::db::Role,
    /// The unit code of the organizer's scope, if any.
    pub scope: Option<&'a str>,
    pub link: &'a str,
    /// UTC; the link stops working then.
    pub expires_at: chrono::NaiveDateTime,
}

impl PasswordSetupMail<'_> {
    fn admin(&self) -> bool {
        self.role.can_write()
    }

    fn expires(&self) -> String {
        format!("{} UTC", self.expires_at.format("%Y-%m-%d %H:%M"))
    }
}

#[derive(Template)]
#[template(path = "email/password_setup/subject.txt")]
struct PasswordSetupSubject<'a> {
    mail: &'a PasswordSetupMail<'a>,
}

#[derive(Template)]
#[template(path = "email/password_setup/body.txt")]
struct PasswordSetupText<'a> {
    mail: &'a PasswordSetupMail<'a>,
}

#[derive(Template)]
#[template(path = "email/password_setup/body.html")]
struct PasswordSetupHtml<'a> {
    mail: &'a PasswordSetupMail<'a>,
    subject: &'a str,
}

/// A new organizer's one-time link to set their password.
pub fn password_setup(mail: &PasswordSetupMail) -> Result<Content, MailError> {
    let subject = one_line(PasswordSetupSubject { mail }.render()?);
    Ok(Content {
        text: PasswordSetupText { mail }.render()?,
        html: PasswordSetupHtml {
            mail,
            subject: &subject,
        }
        .render()?,
        subject,
    })
}
