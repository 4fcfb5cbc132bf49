//! Stored templates: the organizer's TOML source, kept verbatim, keyed by (id, version).

use diesel::prelude::*;
use sha2::{Digest, Sha256};

use super::schema::{campaigns, templates};
use super::types::{CampaignId, TemplateId};
use super::{write_tx, DbConn, DbError};
use crate::template::{parse_template, Template};

#[derive(Clone, Debug, Queryable)]
pub struct StoredTemplate {
    pub id: TemplateId,
    pub key: String,
    pub version: i32,
    pub kind: String,
    pub source: String,
    pub source_sha256: String,
    pub imported_at: chrono::NaiveDateTime,
}

impl StoredTemplate {
    /// The validated template. Only valid sources are ever stored, so a failure here means the
    /// database was edited by hand.
    pub fn template(&self) -> Result<Template, TemplateStoreError> {
        parse_template(&self.source).map_err(|issues| TemplateStoreError::Corrupt {
            key: self.key.clone(),
            version: self.version,
            detail: issues
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; "),
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TemplateStoreError {
    #[error("template '{key}' version {version} is used by campaign {campaigns} and cannot change; give the changed file a new version")]
    InUse {
        key: String,
        version: i32,
        campaigns: String,
    },
    #[error("stored template '{key}' version {version} no longer parses: {detail}")]
    Corrupt {
        key: String,
        version: i32,
        detail: String,
    },
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for TemplateStoreError {
    fn from(e: diesel::result::Error) -> Self {
        TemplateStoreError::Db(e.into())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportOutcome {
    Created(TemplateId),
    Unchanged(TemplateId),
    /// A version no campaign uses yet may still be corrected in place.
    Replaced(TemplateId),
}

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Stores a validated template with its source. Re-importing the same text is a no-op; a
/// different text for a version that a campaign already uses is refused.
pub fn import(
    conn: &mut DbConn,
    template: &Template,
    source: &str,
) -> Result<ImportOutcome, TemplateStoreError> {
    import_then(conn, template, source, |_, _| Ok(()))
}

/// [`import`], running `then` with the outcome in the same transaction (the console and the
/// API record the audit line there).
pub fn import_then(
    conn: &mut DbConn,
    template: &Template,
    source: &str,
    then: impl FnOnce(&mut DbConn, ImportOutcome) -> Result<(), DbError>,
) -> Result<ImportOutcome, TemplateStoreError> {
    let sha = sha256_hex(source);
    write_tx(conn, |conn| {
        let outcome = store(conn, template, source, &sha)?;
        then(conn, outcome)?;
        Ok(outcome)
    })
}

fn store(
    conn: &mut DbConn,
    template: &Template,
    source: &str,
    sha: &str,
) -> Result<ImportOutcome, TemplateStoreError> {
    {
        let existing = find(conn, &template.key, Some(template.version))?;
        let Some(existing) = existing else {
            let id = diesel::insert_into(templates::table)
                .values((
                    templates::template_key.eq(&template.key),
                    templates::version.eq(template.version),
                    templates::kind.eq(template.kind().as_str()),
                    templates::source.eq(source),
                    templates::source_sha256.eq(sha),
                    templates::imported_at.eq(super::now()),
                ))
                .returning(templates::id)
                .get_result::<TemplateId>(conn)?;
            return Ok(ImportOutcome::Created(id));
        };
        if existing.source_sha256 == sha {
            return Ok(ImportOutcome::Unchanged(existing.id));
        }
        let users: Vec<CampaignId> = campaigns::table
            .filter(campaigns::template_id.eq(existing.id))
            .select(campaigns::id)
            .order(campaigns::id)
            .load(conn)?;
        if !users.is_empty() {
            return Err(TemplateStoreError::InUse {
                key: template.key.clone(),
                version: template.version,
                campaigns: users
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
        diesel::update(templates::table.find(existing.id))
            .set((
                templates::kind.eq(template.kind().as_str()),
                templates::source.eq(source),
                templates::source_sha256.eq(sha),
                templates::imported_at.eq(super::now()),
            ))
            .execute(conn)?;
        Ok(ImportOutcome::Replaced(existing.id))
    }
}

/// The template with this key and version, or its latest version when none is given.
pub fn find(
    conn: &mut DbConn,
    key: &str,
    version: Option<i32>,
) -> Result<Option<StoredTemplate>, DbError> {
    let mut query = templates::table
        .filter(templates::template_key.eq(key))
        .into_boxed();
    if let Some(version) = version {
        query = query.filter(templates::version.eq(version));
    }
    Ok(query
        .order(templates::version.desc())
        .first::<StoredTemplate>(conn)
        .optional()?)
}

pub fn get(conn: &mut DbConn, id: TemplateId) -> Result<StoredTemplate, DbError> {
    Ok(templates::table.find(id).first(conn)?)
}

pub fn list(conn: &mut DbConn) -> Result<Vec<StoredTemplate>, DbError> {
    Ok(templates::table
        .order((templates::template_key, templates::version))
        .load(conn)?)
}
