//! The content of every email, as plain text and HTML (askama templates under
//! templates/mail/, autoescaped). Bars in summaries are HTML tables with widths: they show in
//! every mail client, with no script, SVG or external image.

use crate::db::{CampaignId, InvitationId};
use askama::Template as _;

use super::{MessageKind, OutgoingMessage};
use crate::results::{CampaignResults, UnitResult};
use crate::stats::{median, round_half_away};
use crate::template::Lang;

/// What an invitation or reminder says.
pub struct LinkMail<'a> {
    pub kind: MessageKind,
    pub lang: Lang,
    pub to: &'a str,
    pub name: Option<&'a str>,
    pub campaign_id: CampaignId,
    pub invitation_id: InvitationId,
    pub campaign_title: &'a str,
    pub period: &'a str,
    pub instrument_title: &'a str,
    pub unit_name: &'a str,
    pub closes_on: Option<chrono::NaiveDate>,
    pub checklist: bool,
    pub link: &'a str,
}

#[derive(askama::Template)]
#[template(path = "mail/link.html")]
struct LinkHtml<'a> {
    lang: &'a str,
    subject: &'a str,
    greeting: &'a str,
    paragraphs: &'a [String],
    button: &'a str,
    link_note: &'a str,
    link: &'a str,
}

impl LinkMail<'_> {
    pub fn render(&self) -> OutgoingMessage {
        let id = self.lang == Lang::Id;
        let reminder = self.kind == MessageKind::Reminder;
        let subject = match (id, reminder) {
            (true, false) => format!("Undangan: {}", self.campaign_title),
            (true, true) => format!("Pengingat: {}", self.campaign_title),
            (false, false) => format!("Invitation: {}", self.campaign_title),
            (false, true) => format!("Reminder: {}", self.campaign_title),
        };
        let greeting = match (id, self.name) {
            (true, Some(name)) => format!("Yth. {name},"),
            (true, None) => "Yth. Bapak/Ibu,".to_owned(),
            (false, Some(name)) => format!("Dear {name},"),
            (false, None) => "Dear colleague,".to_owned(),
        };
        let mut paragraphs = Vec::new();
        paragraphs.push(match (id, reminder) {
            (true, false) => format!(
                "Anda diundang mengisi {} untuk unit {} (periode {}).",
                self.instrument_title, self.unit_name, self.period
            ),
            (true, true) => format!(
                "Kami belum menerima jawaban Anda untuk {} unit {} (periode {}).",
                self.instrument_title, self.unit_name, self.period
            ),
            (false, false) => format!(
                "You are invited to answer the {} for {} (period {}).",
                self.instrument_title, self.unit_name, self.period
            ),
            (false, true) => format!(
                "We have not yet received your answers to the {} for {} (period {}).",
                self.instrument_title, self.unit_name, self.period
            ),
        });
        if let Some(last) = self.closes_on {
            paragraphs.push(if id {
                format!("Tautan dapat digunakan sampai dengan {last}.")
            } else {
                format!("The link can be used until {last}.")
            });
        }
        paragraphs.push(match (id, self.checklist) {
            (true, false) => "Jawaban Anda anonim: jawaban disimpan tanpa nama, alamat email, atau tautan Anda.".to_owned(),
            (true, true) => "Sebagai reviewer, nama Anda tercatat bersama hasil reviu.".to_owned(),
            (false, false) => "Your answers are anonymous: they are stored without your name, email address or link.".to_owned(),
            (false, true) => "As the reviewer, your name is recorded with the review.".to_owned(),
        });
        if reminder {
            paragraphs.push(if id {
                "Tautan di bawah ini baru; tautan sebelumnya juga tetap berlaku sampai Anda mengirim jawaban.".to_owned()
            } else {
                "The link below is new; your earlier link also keeps working until you submit.".to_owned()
            });
        }
        let button = if id { "Buka formulir" } else { "Open the form" };
        let link_note = if id {
            "Tautan ini pribadi dan hanya dapat dipakai sekali; jangan diteruskan."
        } else {
            "This link is personal and works once; please do not forward it."
        };
        let text = format!(
            "{greeting}\n\n{}\n\n{button}: {}\n\n{link_note}\n",
            paragraphs.join("\n\n"),
            self.link
        );
        let html = LinkHtml {
            lang: self.lang.code(),
            subject: &subject,
            greeting: &greeting,
            paragraphs: &paragraphs,
            button,
            link_note,
            link: self.link,
        }
        .render()
        .unwrap_or_else(|_| text.clone());
        OutgoingMessage {
            kind: self.kind,
            campaign_id: Some(self.campaign_id),
            invitation_id: Some(self.invitation_id),
            to: self.to.to_owned(),
            subject,
            text,
            html,
        }
    }
}

fn two(x: Option<f64>) -> String {
    x.map(|v| format!("{:.2}", round_half_away(v, 2)))
        .unwrap_or_else(|| "-".to_owned())
}

fn ci_text(unit: &UnitResult) -> String {
    unit.ci95
        .map(|[lo, hi]| format!("{}–{}", two(Some(lo)), two(Some(hi))))
        .unwrap_or_else(|| "-".to_owned())
}

struct RankingRow {
    rank: String,
    unit: String,
    n: u64,
    score: String,
    ci: String,
    dimensions: Vec<String>,
}

#[derive(askama::Template)]
#[template(path = "mail/ranking.html")]
struct RankingHtml<'a> {
    subject: &'a str,
    heading: &'a str,
    intro: &'a str,
    dimensions: Vec<String>,
    rows: Vec<RankingRow>,
    footnote: &'a str,
}

fn summary_footnote(results: &CampaignResults) -> String {
    format!(
        "Scores are shown to two decimals; ties share a rank. Units with fewer than {} responses show no figures, to protect respondents.",
        results.campaign.min_responses
    )
}

/// The whole ranking, for organizers.
pub fn ranking(results: &CampaignResults, to: &str) -> OutgoingMessage {
    let c = &results.campaign;
    let subject = format!("Results: {} ({})", c.title, c.period);
    let heading = format!("{} — {}", c.title, c.period);
    let intro = format!(
        "{} responses over {} units; template {} v{}.",
        c.responses,
        results.units.len(),
        c.template.id,
        c.template.version
    );
    let rows: Vec<RankingRow> = results
        .units
        .iter()
        .map(|u| RankingRow {
            rank: u
                .rank
                .map(|r| r.to_string())
                .unwrap_or_else(|| "-".to_owned()),
            unit: format!("{} ({})", u.name, u.code),
            n: u.n,
            score: if u.suppressed {
                format!("fewer than {} responses: not shown", c.min_responses)
            } else {
                two(u.score)
            },
            ci: if u.suppressed {
                String::new()
            } else {
                ci_text(u)
            },
            dimensions: if u.suppressed {
                vec![String::new(); c.dimensions.len()]
            } else {
                u.dimensions.iter().map(|d| two(d.mean)).collect()
            },
        })
        .collect();
    let footnote = summary_footnote(results);
    let mut text = format!(
        "{heading}\n{intro}\n\nRank  Unit  n  Score  95% CI  {}\n",
        c.dimensions
            .iter()
            .map(|d| d.id.as_str())
            .collect::<Vec<_>>()
            .join("  ")
    );
    for row in &rows {
        text.push_str(&format!(
            "{}  {}  {}  {}  {}  {}\n",
            row.rank,
            row.unit,
            row.n,
            row.score,
            row.ci,
            row.dimensions.join("  ")
        ));
    }
    text.push_str(&format!("\n{footnote}\n"));
    let html = RankingHtml {
        subject: &subject,
        heading: &heading,
        intro: &intro,
        dimensions: c.dimensions.iter().map(|d| d.id.clone()).collect(),
        rows,
        footnote: &footnote,
    }
    .render()
    .unwrap_or_else(|_| text.clone());
    OutgoingMessage {
        kind: MessageKind::Summary,
        campaign_id: Some(c.id),
        invitation_id: None,
        to: to.to_owned(),
        subject,
        text,
        html,
    }
}

struct Bar {
    label: String,
    value: String,
    /// 0..=100, the share of the scale the mean reaches.
    percent: u32,
}

struct UnitFigures {
    score: String,
    ci: String,
    n: u64,
    rank: String,
    ranked: usize,
    peer_range: String,
    peer_median: String,
    change: Option<String>,
    bars: Vec<Bar>,
}

#[derive(askama::Template)]
#[template(path = "mail/unit.html")]
struct UnitHtml<'a> {
    subject: &'a str,
    heading: &'a str,
    figures: Option<UnitFigures>,
    suppressed: &'a str,
    footnote: &'a str,
}

/// One unit's page, for its head: its score against its peers', its dimensions as bars, and
/// the change since `previous` (the same unit in the template's previous campaign).
pub fn unit_page(
    results: &CampaignResults,
    unit: &UnitResult,
    previous: Option<&UnitResult>,
    to: &str,
) -> OutgoingMessage {
    let c = &results.campaign;
    let subject = format!("Your unit's results: {} ({})", c.title, c.period);
    let heading = format!("{} — {} ({})", unit.name, c.title, c.period);
    let (low, high) = c
        .scale
        .map(|[lo, hi]| (f64::from(lo), f64::from(hi)))
        .unwrap_or((0.0, 100.0));
    let peers: Vec<f64> = results.units.iter().filter_map(|u| u.score).collect();
    let figures = (!unit.suppressed).then(|| UnitFigures {
        score: two(unit.score),
        ci: ci_text(unit),
        n: unit.n,
        rank: unit
            .rank
            .map(|r| r.to_string())
            .unwrap_or_else(|| "-".to_owned()),
        ranked: peers.len(),
        peer_range: format!(
            "{}–{}",
            two(peers.iter().copied().reduce(f64::min)),
            two(peers.iter().copied().reduce(f64::max))
        ),
        peer_median: two(median(&peers)),
        change: previous
            .and_then(|p| p.score)
            .zip(unit.score)
            .map(|(before, now)| {
                let delta = round_half_away(now, 2) - round_half_away(before, 2);
                format!(
                    "Change since the previous campaign: {delta:+.2} (from {}).",
                    two(Some(before))
                )
            }),
        bars: c
            .dimensions
            .iter()
            .zip(&unit.dimensions)
            .map(|(info, d)| Bar {
                label: info.title.en.clone(),
                value: two(d.mean),
                percent: d
                    .mean
                    .map(|m| (((m - low) / (high - low)).clamp(0.0, 1.0) * 100.0).round() as u32)
                    .unwrap_or(0),
            })
            .collect(),
    });
    let suppressed = format!(
        "Fewer than {} responses ({}): no figures are shown, to protect respondents.",
        c.min_responses, unit.n
    );
    let footnote = summary_footnote(results);
    let text = match &figures {
        Some(f) => {
            let mut text = format!(
                "{heading}\n\nScore {} (95% CI {}), n = {}, rank {} of {}.\nPeers: {}, median {}.\n",
                f.score, f.ci, f.n, f.rank, f.ranked, f.peer_range, f.peer_median
            );
            if let Some(change) = &f.change {
                text.push_str(change);
                text.push('\n');
            }
            text.push('\n');
            for bar in &f.bars {
                text.push_str(&format!("{}: {}\n", bar.label, bar.value));
            }
            text.push_str(&format!("\n{footnote}\n"));
            text
        }
        None => format!("{heading}\n\n{suppressed}\n"),
    };
    let html = UnitHtml {
        subject: &subject,
        heading: &heading,
        figures,
        suppressed: &suppressed,
        footnote: &footnote,
    }
    .render()
    .unwrap_or_else(|_| text.clone());
    OutgoingMessage {
        kind: MessageKind::Summary,
        campaign_id: Some(c.id),
        invitation_id: None,
        to: to.to_owned(),
        subject,
        text,
        html,
    }
}
