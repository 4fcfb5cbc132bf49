//! Anonymous survey answers on their way from a link to the results.
//!
//! A submission marks its invitation used and stores the answers *sealed* with the campaign's
//! data key, in one transaction; nothing readable ties them together. A separate release step
//! moves sealed answers into `responses` in random order, at least k (the campaign's
//! `min_responses`) of one unit at a time: while the campaign is open, once a unit has 2k
//! pending answers, all but k of them (chosen at random) are released; at close, the rest
//! (then at least k, or all the unit ever had). So every change of a unit's published figures
//! adds at least k answers, and no figure moves because one person answered.
//!
//! Checklist reviews are not anonymous by design: they are stored at once, with their reviewer.

use std::collections::{BTreeMap, HashMap};

use rand::seq::SliceRandom;

use crate::campaign::CampaignError;
use crate::db::invitations;
use crate::db::pending::{self, NewPending};
use crate::db::responses::NewResponse;
use crate::db::{self, write_tx, CampaignId, CampaignStatus, DbConn, DbError, InvitationId};
use crate::db::{DatabaseUrl, UnitId};
use crate::secret::{Key, KeyError, KeySource};
use crate::template::{Kind, Lang};

#[derive(Debug, thiserror::Error)]
pub enum PendingError {
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error("this database was set up with another secret key (fingerprint {stored}; this one is {ours}): give every instance the same key, with KINERJA_SECRET_KEY_FILE or KINERJA_SECRET_KEY")]
    KeyMismatch { stored: String, ours: String },
    #[error(transparent)]
    Campaign(#[from] CampaignError),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Loads the server key (see [`KeySource`]) and checks it against the one this database was
/// set up with; the first instance to start records its key's fingerprint.
pub fn server_key(conn: &mut DbConn, database: &DatabaseUrl) -> Result<Key, PendingError> {
    let key = KeySource::from_env(database).load()?;
    let ours = key.fingerprint();
    let stored = pending::claim_key_fingerprint(conn, &ours)?;
    if stored != ours {
        return Err(PendingError::KeyMismatch { stored, ours });
    }
    Ok(key)
}

/// A validated answer on its way to the writer.
#[derive(Clone, Debug)]
pub struct Submission {
    pub invitation_id: InvitationId,
    pub campaign_id: CampaignId,
    pub unit_id: UnitId,
    pub kind: Kind,
    pub lang: Lang,
    pub title: String,
    pub closes_on: Option<chrono::NaiveDate>,
    /// One byte per item, as `responses.answers` stores them.
    pub answers: Vec<u8>,
    /// Checklists only: (item id, comment).
    pub comments: Vec<(String, String)>,
    pub min_responses: i32,
}

/// What became of a submission.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Written {
    /// Durably stored (sealed and pending, for a survey).
    Stored {
        campaign_id: CampaignId,
        unit_id: UnitId,
        /// The unit's answers are released in groups of at least this many.
        release_at: Option<i32>,
    },
    AlreadySubmitted {
        lang: Lang,
    },
    Closed {
        lang: Lang,
        title: String,
    },
}

fn campaign_context(campaign: CampaignId) -> Vec<u8> {
    format!("kinerja campaign key {campaign}").into_bytes()
}

fn answer_context(campaign: CampaignId, unit: UnitId) -> Vec<u8> {
    format!("kinerja answer {campaign}/{unit}").into_bytes()
}

/// The campaign's data key, made (and stored sealed) on first use.
fn campaign_key(conn: &mut DbConn, server: &Key, campaign: CampaignId) -> Result<Key, DbError> {
    let context = campaign_context(campaign);
    let sealed = match pending::sealed_campaign_key(conn, campaign)? {
        Some(sealed) => sealed,
        None => {
            let fresh = server.seal_key(&context, &Key::generate());
            pending::store_campaign_key(conn, campaign, &fresh)?
        }
    };
    server
        .open_key(&context, &sealed)
        .map_err(|_| DbError::Unreadable("campaign key"))
}

/// Writes a group of submissions in one transaction (see `db::group`): each invitation is
/// marked used and its answers are sealed into the pending pool (surveys) or stored with their
/// reviewer (checklists). The campaign is read under a lock that `close` waits for, so an
/// answer is never sealed after its campaign's last release.
pub fn write_group(
    conn: &mut DbConn,
    server: &Key,
    group: &[Submission],
) -> Result<Vec<Written>, DbError> {
    let today = chrono::Utc::now().date_naive();
    let mut open: HashMap<CampaignId, bool> = HashMap::new();
    // First, what each submission may become: refused if its campaign is not open (read under
    // the lock that `close` waits for), a repeat if its link came earlier in this group, else
    // a candidate whose link is marked used below.
    let mut verdicts = Vec::with_capacity(group.len());
    let mut first_of_link = std::collections::HashSet::new();
    for s in group {
        let is_open = match open.get(&s.campaign_id) {
            Some(known) => *known,
            None => {
                let status = pending::campaign_status_locked(conn, s.campaign_id)?;
                let known = status == Some(CampaignStatus::Open);
                open.insert(s.campaign_id, known);
                known
            }
        };
        verdicts.push(
            if !is_open || s.closes_on.is_some_and(|last| last < today) {
                Verdict::Closed
            } else if first_of_link.insert(s.invitation_id) {
                Verdict::Candidate
            } else {
                Verdict::Repeat
            },
        );
    }
    let candidates: Vec<InvitationId> = group
        .iter()
        .zip(&verdicts)
        .filter(|(_, v)| **v == Verdict::Candidate)
        .map(|(s, _)| s.invitation_id)
        .collect();
    let marked = invitations::mark_used_many(conn, &candidates)?;
    let mut keys: HashMap<CampaignId, Key> = HashMap::new();
    let mut sealed: Vec<(CampaignId, UnitId, Vec<u8>)> = Vec::new();
    let mut used = Vec::new();
    let mut written = Vec::with_capacity(group.len());
    for (s, verdict) in group.iter().zip(verdicts) {
        if verdict == Verdict::Closed {
            written.push(Written::Closed {
                lang: s.lang,
                title: s.title.clone(),
            });
            continue;
        }
        if verdict == Verdict::Repeat || !marked.contains(&s.invitation_id) {
            written.push(Written::AlreadySubmitted { lang: s.lang });
            continue;
        }
        used.push(s.invitation_id);
        let release_at = match s.kind {
            Kind::Survey => {
                let key = match keys.get(&s.campaign_id) {
                    Some(key) => key.clone(),
                    None => {
                        let key = campaign_key(conn, server, s.campaign_id)?;
                        keys.insert(s.campaign_id, key.clone());
                        key
                    }
                };
                let context = answer_context(s.campaign_id, s.unit_id);
                sealed.push((s.campaign_id, s.unit_id, key.seal(&context, &s.answers)));
                Some(s.min_responses.max(1))
            }
            Kind::Checklist => {
                let response = NewResponse {
                    unit_id: s.unit_id,
                    answers: s.answers.clone(),
                };
                let id = db::responses::insert_one(conn, s.campaign_id, today, &response)?;
                db::responses::record_review(conn, id, s.invitation_id, &s.comments)?;
                None
            }
        };
        written.push(Written::Stored {
            campaign_id: s.campaign_id,
            unit_id: s.unit_id,
            release_at,
        });
    }
    let rows: Vec<NewPending> = sealed
        .iter()
        .map(|(campaign_id, unit_id, sealed)| NewPending {
            id: random_id(),
            campaign_id: *campaign_id,
            unit_id: *unit_id,
            sealed,
        })
        .collect();
    pending::insert(conn, &rows)?;
    invitations::delete_drafts(conn, &used)?;
    Ok(written)
}

/// What a submission of a group may become, before any link is marked used.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Closed,
    /// Its link came earlier in the same group.
    Repeat,
    Candidate,
}

/// A positive random 63-bit id.
fn random_id() -> i64 {
    (rand::random::<u64>() >> 1) as i64
}

/// Releases what the rule allows for the units these submissions touched, in a transaction of
/// its own; returns how many answers were released. Called after each committed group; when it
/// released any, the caller checkpoints (`db::checkpoint`) once the submitters are answered.
pub fn release_due(conn: &mut DbConn, server: &Key, written: &[Written]) -> Result<usize, DbError> {
    let mut touched: BTreeMap<CampaignId, (i32, Vec<UnitId>)> = BTreeMap::new();
    for w in written {
        if let Written::Stored {
            campaign_id,
            unit_id,
            release_at: Some(k),
        } = w
        {
            let entry = touched.entry(*campaign_id).or_insert((*k, Vec::new()));
            if !entry.1.contains(unit_id) {
                entry.1.push(*unit_id);
            }
        }
    }
    if touched.is_empty() {
        return Ok(0);
    }
    let released = write_tx(conn, |conn| {
        let mut released = 0;
        for (campaign, (k, units)) in &touched {
            let k = i64::from(*k);
            pending::lock_campaign(conn, *campaign)?;
            let due: Vec<UnitId> = pending::counts(conn, *campaign)?
                .into_iter()
                .filter(|c| c.pending >= 2 * k && units.contains(&c.unit_id))
                .map(|c| c.unit_id)
                .collect();
            let mut of_unit: BTreeMap<UnitId, Vec<pending::Pending>> = BTreeMap::new();
            for row in pending::of_units(conn, *campaign, &due)? {
                of_unit.entry(row.unit_id).or_default().push(row);
            }
            let mut chosen = Vec::new();
            for mut rows in of_unit.into_values() {
                rows.shuffle(&mut rand::rng());
                let keep = usize::try_from(k).unwrap_or(usize::MAX);
                chosen.extend(rows.into_iter().skip(keep));
            }
            released += release(conn, server, *campaign, chosen)?;
        }
        Ok::<_, DbError>(released)
    })?;
    Ok(released)
}

/// Opens the chosen pending answers and moves them into `responses`, in random order (so ids
/// and row positions carry no order) and dated with the day of release.
fn release(
    conn: &mut DbConn,
    server: &Key,
    campaign: CampaignId,
    mut chosen: Vec<pending::Pending>,
) -> Result<usize, DbError> {
    if chosen.is_empty() {
        return Ok(0);
    }
    chosen.shuffle(&mut rand::rng());
    let key = campaign_key(conn, server, campaign)?;
    let mut rows = Vec::with_capacity(chosen.len());
    for p in &chosen {
        let answers = key
            .open(&answer_context(campaign, p.unit_id), &p.sealed)
            .map_err(|_| DbError::Unreadable("pending answer"))?;
        rows.push(NewResponse {
            unit_id: p.unit_id,
            answers,
        });
    }
    let ids: Vec<i64> = chosen.iter().map(|p| p.id).collect();
    pending::delete(conn, &ids)?;
    let today = chrono::Utc::now().date_naive();
    db::responses::insert_all(conn, campaign, today, &rows)
}

/// Closes the campaign: no link answers any more, every pending answer is released, and the
/// campaign's data key is destroyed. All in one transaction.
pub fn close(conn: &mut DbConn, server: &Key, campaign: CampaignId) -> Result<usize, PendingError> {
    close_then(conn, server, campaign, |_, _| Ok(()))
}

/// [`close`], running `then` with the number of answers released in the same transaction (the
/// console and the API record the audit line there).
pub fn close_then(
    conn: &mut DbConn,
    server: &Key,
    campaign: CampaignId,
    then: impl FnOnce(&mut DbConn, usize) -> Result<(), DbError>,
) -> Result<usize, PendingError> {
    let released = write_tx(conn, |conn| {
        crate::campaign::get(conn, campaign)?;
        // Locked first: groups that read the campaign open commit before this goes on (their
        // pending answers are released below), later ones wait and then see it closed (see
        // `write_group`), and no release runs meanwhile.
        pending::lock_campaign_for_close(conn, campaign)?;
        db::campaigns::set_status(conn, campaign, CampaignStatus::Closed)?;
        let rows = pending::of_campaign(conn, campaign, None)?;
        let released = release(conn, server, campaign, rows)?;
        pending::delete_campaign_key(conn, campaign)?;
        then(conn, released)?;
        Ok::<_, PendingError>(released)
    })?;
    db::checkpoint(conn)?;
    Ok(released)
}
