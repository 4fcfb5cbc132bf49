//! Answering through a personal link: opening it, saving a draft, submitting. Synchronous and
//! free of HTTP, so the web layer stays thin and the rules are testable on their own.

use crate::db::{CampaignId, TemplateId, UnitId};
use std::collections::BTreeMap;
use std::sync::Arc;

use crate::db::campaigns::{Campaign, CampaignStatus};
use crate::db::invitations::{self, Invitation, InvitationState};
use crate::db::{self, write_tx, DbConn, DbError};
use crate::pending::Submission;
use crate::results::Scorer;
use crate::secret::Key;
use crate::template::answers::NOT_ANSWERED;
use crate::template::{AnswerCodec, AnswerError, Kind, Lang, Template};

/// The longest comment a reviewer may leave on one item.
pub const MAX_COMMENT_CHARS: usize = 2000;

/// Form fields as the browser sent them: item id -> chosen value, `comment.<item id>` ->
/// comment. Kept verbatim so that a form sent back with errors shows every answer given.
pub type RawAnswers = BTreeMap<String, String>;

pub fn comment_field(item_id: &str) -> String {
    format!("comment.{item_id}")
}

/// What the page about a link that cannot be answered says: in the invitation's language, the
/// campaign's title, and whom to write to (the campaign's contact) when the respondent is stuck.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkFacts {
    pub lang: Lang,
    pub title: String,
    pub contact: Option<String>,
}

impl LinkFacts {
    fn of(invitation: &Invitation, campaign: &Campaign) -> LinkFacts {
        LinkFacts {
            lang: invitation.lang,
            title: campaign.title.clone(),
            contact: campaign.contact.clone(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error("unknown or revoked link")]
    Unknown,
    #[error("this link was already used")]
    AlreadySubmitted(LinkFacts),
    #[error("the campaign is closed")]
    Closed(LinkFacts),
    #[error("the campaign is not open yet")]
    NotOpen(LinkFacts),
    #[error(transparent)]
    Template(#[from] db::templates::TemplateStoreError),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Parsed templates by stored id, and unit names by campaign. A template that a campaign uses
/// never changes, nor does a campaign's snapshot of its units, so entries never go stale; this
/// saves parsing TOML, and a query, on every page view.
#[derive(Default)]
pub struct TemplateCache {
    parsed: std::sync::RwLock<std::collections::HashMap<TemplateId, Arc<Template>>>,
    unit_names: std::sync::RwLock<std::collections::HashMap<(CampaignId, UnitId), String>>,
}

impl TemplateCache {
    pub fn get(
        &self,
        conn: &mut DbConn,
        template_id: TemplateId,
    ) -> Result<Arc<Template>, LinkError> {
        if let Some(found) = self
            .parsed
            .read()
            .ok()
            .and_then(|m| m.get(&template_id).cloned())
        {
            return Ok(found);
        }
        let template = Arc::new(db::templates::get(conn, template_id)?.template()?);
        if let Ok(mut map) = self.parsed.write() {
            map.insert(template_id, template.clone());
        }
        Ok(template)
    }

    /// The unit's name in the campaign's snapshot ("" for a unit not in it).
    pub fn unit_name(
        &self,
        conn: &mut DbConn,
        campaign_id: CampaignId,
        unit_id: UnitId,
    ) -> Result<String, LinkError> {
        let key = (campaign_id, unit_id);
        if let Some(found) = self
            .unit_names
            .read()
            .ok()
            .and_then(|m| m.get(&key).cloned())
        {
            return Ok(found);
        }
        let Some(name) = db::campaigns::unit_name(conn, campaign_id, unit_id)? else {
            return Ok(String::new());
        };
        if let Ok(mut map) = self.unit_names.write() {
            map.insert(key, name.clone());
        }
        Ok(name)
    }
}

/// A link that may be answered now, with what the form needs.
pub struct OpenLink {
    pub invitation: Invitation,
    pub campaign: Campaign,
    pub template: Arc<Template>,
    /// The unit's name as it was when the campaign was created.
    pub unit_name: String,
}

impl OpenLink {
    pub fn facts(&self) -> LinkFacts {
        LinkFacts::of(&self.invitation, &self.campaign)
    }
}

/// What the thank-you page of a used link says: the survey's name and what happens next.
pub struct Submitted {
    pub lang: Lang,
    pub title: String,
    pub kind: Kind,
    pub min_responses: i32,
    pub closes_on: Option<chrono::NaiveDate>,
    pub status: CampaignStatus,
    pub contact: Option<String>,
}

/// The thank-you page's facts for a link, once it has been used; `Ok(None)` while it has not
/// (nothing was submitted through it yet). Only the link's holder can ask, so the page may name
/// the survey without telling strangers which campaigns exist.
pub fn submitted(
    conn: &mut DbConn,
    cache: &TemplateCache,
    token: &str,
) -> Result<Option<Submitted>, LinkError> {
    let (invitation, campaign) = find(conn, token)?;
    match invitation.state {
        InvitationState::Revoked => Err(LinkError::Unknown),
        InvitationState::Active => Ok(None),
        InvitationState::Used => {
            let kind = cache.get(conn, campaign.template_id)?.kind();
            Ok(Some(Submitted {
                lang: invitation.lang,
                title: campaign.title,
                kind,
                min_responses: campaign.min_responses,
                closes_on: campaign.closes_on,
                status: campaign.status,
                contact: campaign.contact,
            }))
        }
    }
}

/// Looks a token up and checks that it can be answered now.
pub fn open_link(
    conn: &mut DbConn,
    cache: &TemplateCache,
    token: &str,
) -> Result<OpenLink, LinkError> {
    let (invitation, campaign) = find(conn, token)?;
    check_link(conn, cache, invitation, campaign)
}

/// The invitation of a token, in any state, and its campaign.
fn find(conn: &mut DbConn, token: &str) -> Result<(Invitation, Campaign), LinkError> {
    if !crate::token::looks_valid(token) {
        return Err(LinkError::Unknown);
    }
    invitations::find_with_campaign(conn, &crate::token::hash(token))?.ok_or(LinkError::Unknown)
}

/// Opens the link for the form view, with the answers saved in its draft (if any): one query.
pub fn open_with_draft(
    conn: &mut DbConn,
    cache: &TemplateCache,
    token: &str,
) -> Result<(OpenLink, RawAnswers), LinkError> {
    if !crate::token::looks_valid(token) {
        return Err(LinkError::Unknown);
    }
    let (invitation, campaign, sealed) =
        invitations::find_with_campaign_and_draft(conn, &crate::token::hash(token))?
            .ok_or(LinkError::Unknown)?;
    let link = check_link(conn, cache, invitation, campaign)?;
    let draft = unseal_draft(&link, token, sealed);
    Ok((link, draft))
}

/// Whether the invitation and its campaign can be answered now, with what the form needs.
fn check_link(
    conn: &mut DbConn,
    cache: &TemplateCache,
    invitation: Invitation,
    campaign: Campaign,
) -> Result<OpenLink, LinkError> {
    match invitation.state {
        InvitationState::Revoked => return Err(LinkError::Unknown),
        InvitationState::Used => {
            return Err(LinkError::AlreadySubmitted(LinkFacts::of(
                &invitation,
                &campaign,
            )))
        }
        InvitationState::Active => {}
    }
    let past_closing_day = campaign
        .closes_on
        .is_some_and(|last| last < chrono::Utc::now().date_naive());
    match campaign.status {
        CampaignStatus::Open if !past_closing_day => {}
        CampaignStatus::Open | CampaignStatus::Closed => {
            return Err(LinkError::Closed(LinkFacts::of(&invitation, &campaign)))
        }
        CampaignStatus::Draft => {
            return Err(LinkError::NotOpen(LinkFacts::of(&invitation, &campaign)))
        }
    }
    let template = cache.get(conn, campaign.template_id)?;
    let unit_name = cache.unit_name(conn, campaign.id, invitation.unit_id)?;
    Ok(OpenLink {
        invitation,
        campaign,
        template,
        unit_name,
    })
}

fn draft_context(link: &OpenLink) -> Vec<u8> {
    format!("kinerja draft {}", link.invitation.id).into_bytes()
}

/// The answers saved with "save and continue later". The draft is sealed with a key derived
/// from the link's token, so only a request that presents the link can read it. A draft saved
/// through another link of the same invitation (a reminder's) cannot be opened with this one;
/// like a draft that no longer parses, it is a convenience lost, never an error page.
fn unseal_draft(link: &OpenLink, token: &str, sealed: Option<Vec<u8>>) -> RawAnswers {
    sealed
        .and_then(|sealed| {
            Key::from_token(token)
                .open(&draft_context(link), &sealed)
                .ok()
        })
        .and_then(|json| serde_json::from_slice(&json).ok())
        .unwrap_or_default()
}

/// Saves the answers so far, sealed. The invitation's row is locked first, so a submission
/// racing this save either comes after it (and deletes the draft) or before it (and this save
/// finds the link used).
pub fn save_draft(
    conn: &mut DbConn,
    cache: &TemplateCache,
    token: &str,
    answers: &RawAnswers,
) -> Result<(), LinkError> {
    write_tx(conn, |conn| {
        let link = open_link(conn, cache, token)?;
        if !invitations::lock_active(conn, link.invitation.id)? {
            return Err(LinkError::AlreadySubmitted(link.facts()));
        }
        let kept = known_fields(&link.template, answers);
        // A map of strings always serialises.
        let json = serde_json::to_vec(&kept).unwrap_or_default();
        let sealed = Key::from_token(token).seal(&draft_context(&link), &json);
        invitations::save_draft(conn, link.invitation.id, &sealed)?;
        Ok(())
    })
}

/// Only fields that belong to the template are kept, so a draft cannot grow without bound.
fn known_fields(template: &Template, answers: &RawAnswers) -> RawAnswers {
    let ids = template.item_ids();
    answers
        .iter()
        .filter(|(k, _)| ids.iter().any(|id| *k == id || **k == comment_field(id)))
        .map(|(k, v)| (k.clone(), v.chars().take(MAX_COMMENT_CHARS + 1).collect()))
        .collect()
}

/// What is wrong with a submitted form, by item id.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FormProblems {
    pub items: BTreeMap<String, Problem>,
    /// Every answer is empty or not applicable.
    pub nothing_to_score: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Problem {
    Answer(AnswerError),
    CommentTooLong,
}

/// A submitted form, checked.
pub enum Prepared {
    /// Valid: ready for the writer (`pending::write_group`), with what the page says if the
    /// writer finds the link used or the campaign closed after all.
    Ready(Submission, LinkFacts),
    /// Nothing is stored: the page goes back with every answer given and the problems.
    Invalid(Box<OpenLink>, FormProblems),
}

/// Checks a submitted form against its link and template. Reads only: the write happens in a
/// group with others (see `db::group`), which checks the link again under its lock.
pub fn prepare(
    conn: &mut DbConn,
    cache: &TemplateCache,
    token: &str,
    answers: &RawAnswers,
) -> Result<Prepared, LinkError> {
    let link = open_link(conn, cache, token)?;
    let (encoded, comments, problems) = validate(&link.template, answers);
    if problems != FormProblems::default() {
        return Ok(Prepared::Invalid(Box::new(link), problems));
    }
    let facts = link.facts();
    Ok(Prepared::Ready(
        Submission {
            invitation_id: link.invitation.id,
            campaign_id: link.campaign.id,
            unit_id: link.invitation.unit_id,
            kind: link.template.kind(),
            lang: link.invitation.lang,
            title: link.campaign.title.clone(),
            closes_on: link.campaign.closes_on,
            answers: encoded,
            comments,
            min_responses: link.campaign.min_responses,
        },
        facts,
    ))
}

/// [`validate`], for the fuzz tests.
#[cfg(test)]
pub(crate) fn validate_for_tests(
    template: &Template,
    answers: &RawAnswers,
) -> (Vec<u8>, Vec<(String, String)>, FormProblems) {
    validate(template, answers)
}

/// The encoded answers, the comments to keep, and the problems found.
fn validate(
    template: &Template,
    answers: &RawAnswers,
) -> (Vec<u8>, Vec<(String, String)>, FormProblems) {
    let codec = AnswerCodec::new(template);
    let mut encoded = vec![NOT_ANSWERED; codec.item_count()];
    let mut comments = Vec::new();
    let mut problems = FormProblems::default();
    for (index, slot) in encoded.iter_mut().enumerate() {
        let id = codec.item_id(index);
        match codec.encode(index, answers.get(id).map(String::as_str).unwrap_or("")) {
            Ok(code) => *slot = code,
            Err(e) => {
                problems.items.insert(id.to_owned(), Problem::Answer(e));
            }
        }
        if template.kind() == Kind::Checklist {
            let comment = answers
                .get(&comment_field(id))
                .map(|c| c.trim())
                .unwrap_or("");
            if comment.chars().count() > MAX_COMMENT_CHARS {
                problems
                    .items
                    .insert(id.to_owned(), Problem::CommentTooLong);
            } else if !comment.is_empty() {
                comments.push((id.to_owned(), comment.to_owned()));
            }
        }
    }
    if problems.items.is_empty() {
        let scorer = Scorer::new(template);
        let mut groups = vec![None; scorer.group_count()];
        problems.nothing_to_score = scorer.score_into(&encoded, &mut groups).is_none();
    }
    (encoded, comments, problems)
}
