//! The console's askama pages.

use super::views::{
    CampaignRow, Distributions, Frame, LevelTab, ProfileRow, ProgressRow, RankRow, TrendPoint,
};
use crate::audit::Entry;

fn render(page: &impl askama::Template) -> String {
    page.render()
        .unwrap_or_else(|e| format!("template error: {e}"))
}

#[derive(askama::Template)]
#[template(path = "console/sign_in.html")]
pub struct SignInPage<'a> {
    pub t: &'static super::texts::ConsoleTexts,
    pub email: &'a str,
    pub error: Option<&'a str>,
}

pub fn sign_in(page: &SignInPage) -> String {
    render(page)
}

#[derive(askama::Template)]
#[template(path = "console/message.html")]
pub struct MessagePage<'a> {
    pub f: &'a Frame,
    pub heading: &'a str,
    pub text: &'a str,
}

pub fn message(page: &MessagePage) -> String {
    render(page)
}

#[derive(askama::Template)]
#[template(path = "console/campaigns.html")]
pub struct CampaignsPage<'a> {
    pub f: &'a Frame,
    pub rows: Vec<CampaignRow>,
}

pub fn campaigns(page: &CampaignsPage) -> String {
    render(page)
}

/// One step of the path from the top of the visible tree to the unit drilled into.
pub struct Crumb {
    pub code: String,
    pub name: String,
}

pub struct Dimension {
    pub title: String,
}

#[derive(askama::Template)]
#[template(path = "console/campaign.html")]
pub struct CampaignPage<'a> {
    pub f: &'a Frame,
    pub id: i64,
    pub title: String,
    /// Empty when the title already holds it.
    pub period: String,
    /// The title with the period, as the browser's tab shows it.
    pub name: String,
    /// A shown CI was clipped to the scale: the page explains the mark.
    pub clipped: bool,
    pub template: String,
    pub status: &'static str,
    pub responses: u64,
    pub min_responses: i32,
    pub scale: String,
    pub progress: Vec<ProgressRow>,
    pub invited: i64,
    pub submitted: i64,
    pub tabs: Vec<LevelTab>,
    pub under: Option<Crumb>,
    pub crumbs: Vec<Crumb>,
    pub rows: Vec<RankRow>,
    pub dimensions: Vec<Dimension>,
    pub width: f64,
}

pub fn campaign(page: &CampaignPage) -> String {
    render(page)
}

/// A label and a printed value of the unit page's figures.
pub struct Fact {
    pub label: &'static str,
    pub value: String,
}

#[derive(askama::Template)]
#[template(path = "console/unit.html")]
pub struct UnitPage<'a> {
    pub f: &'a Frame,
    pub campaign_id: i64,
    pub campaign_title: String,
    pub code: String,
    pub name: String,
    pub level: u32,
    pub withheld: Option<&'static str>,
    pub facts: Vec<Fact>,
    /// A shown CI was clipped to the scale: the page explains the mark.
    pub clipped: bool,
    pub row: RankRow,
    pub own: Vec<Fact>,
    pub profile: Vec<ProfileRow>,
    /// Item distributions are a survey's (a checklist's options are not a scale).
    pub survey: bool,
    /// None for a withheld unit.
    pub items: Option<Distributions>,
    pub min_responses: i32,
    pub trend: Vec<TrendPoint>,
    pub line: String,
    pub width: f64,
    pub trend_width: f64,
    pub trend_height: f64,
}

pub fn unit(page: &UnitPage) -> String {
    render(page)
}

#[derive(askama::Template)]
#[template(path = "console/audit.html")]
pub struct AuditPage<'a> {
    pub f: &'a Frame,
    pub entries: Vec<Entry>,
}

pub fn audit(page: &AuditPage) -> String {
    render(page)
}
