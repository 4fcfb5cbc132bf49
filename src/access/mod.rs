//! Organizer accounts and what they may do: roles, scopes, passwords, API tokens and console
//! sessions. The command line (`kinerja organizer|token|audit`), the console and the API all
//! go through these functions; every change is written to the audit log in the same
//! transaction (see [`crate::audit`]).
//!
//! - **Roles**: [`Role::Admin`] may change things, [`Role::Viewer`] only reads
//!   ([`Role::can_write`]).
//! - **Scopes**: an organizer with a scope sees only that unit's subtree; [`Scope`] answers
//!   whether a unit is inside it.
//! - **Passwords**: argon2id, at least [`MIN_PASSWORD_CHARS`] characters ([`hash_password`]).
//!   A new organizer without a password gets a one-time link, valid [`PASSWORD_LINK_VALID`],
//!   to `{public_url}/console/password/{token}`.
//! - **API tokens**: `kinerja_` followed by 256 random bits in URL-safe base64 (51 characters
//!   in all); only the SHA-256 of the whole text is stored. A token acts with its organizer's
//!   role and scope ([`authenticate_token`]).
//! - **Sessions**: the cookie's value is 256 random bits, stored as its SHA-256; each session
//!   has an anti-forgery token for its forms. A session idle for [`SESSION_IDLE`] is over.
//!
//! Functions taking `now` exist so that tests can move the clock; the others use
//! [`crate::db::now`].

mod password;
mod scope;

use chrono::{Duration, NaiveDateTime};

use crate::audit::{self, Actor};
use crate::db::organizers::{self, Organizer};
use crate::db::{self, sessions, tokens, DbConn, DbError, OrganizerId};
use crate::domain::{EmailAddress, Lang};
use crate::mail::{self, MailError, MessageKind, OutgoingMessage};

pub use crate::db::Role;
pub use password::{
    check_password, hash_password, read_password, verify_password, MIN_PASSWORD_CHARS,
};
pub use scope::{scope_allows, Scope};

/// Every API token starts with this, so that it is recognisable in logs and by leak scanners.
pub const TOKEN_PREFIX: &str = "kinerja_";
/// A console session unused for this long is over.
pub const SESSION_IDLE: Duration = Duration::hours(8);
/// A session's last use is written at most this often.
pub const SESSION_TOUCH_EVERY: Duration = Duration::minutes(1);
/// How long a password link works.
pub const PASSWORD_LINK_VALID: Duration = Duration::hours(24);
/// The longest token name.
pub const MAX_TOKEN_NAME_CHARS: usize = 64;

impl Role {
    /// Whether the role may change anything (create, open, close, import, invite, send).
    pub fn can_write(self) -> bool {
        match self {
            Role::Admin => true,
            Role::Viewer => false,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    #[error("no organizer with email {0}")]
    UnknownOrganizer(String),
    #[error("organizer {0} already exists")]
    OrganizerExists(String),
    #[error("password must be at least {MIN_PASSWORD_CHARS} characters")]
    ShortPassword,
    #[error("cannot read the password: {0}")]
    ReadPassword(String),
    #[error("cannot hash the password: {0}")]
    Hash(String),
    #[error("no unit with code '{0}' to scope to (see `kinerja units list`)")]
    UnknownScope(String),
    #[error("a token named '{0}' already exists (token names are unique across all organizers)")]
    TokenExists(String),
    #[error("no token named '{0}'")]
    UnknownToken(String),
    #[error(
        "token name '{0}' must be 1 to {MAX_TOKEN_NAME_CHARS} letters, digits, '.', '-' or '_'"
    )]
    TokenName(String),
    #[error("the stored organizer address '{0}' is not an email address")]
    StoredEmail(String),
    #[error(transparent)]
    Mail(#[from] MailError),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Who is acting, with what rights, on whose behalf: an organizer signed in or holding a
/// token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    pub organizer_id: OrganizerId,
    pub email: EmailAddress,
    pub name: Option<String>,
    pub role: Role,
    /// The unit code of the subtree the organizer may see; None: everything.
    pub scope: Option<String>,
}

impl Principal {
    fn from_stored(organizer: Organizer) -> Result<Principal, AccessError> {
        let email = EmailAddress::parse(&organizer.email)
            .map_err(|_| AccessError::StoredEmail(organizer.email.clone()))?;
        Ok(Principal {
            organizer_id: organizer.id,
            email,
            name: organizer.name,
            role: organizer.role,
            scope: organizer.scope_unit_code,
        })
    }

    /// Whether this principal may change things.
    pub fn can_write(&self) -> bool {
        self.role.can_write()
    }

    /// The units this principal may see, in the tree `units` (`db::units::all`).
    pub fn scope_in(&self, units: &[db::units::Unit]) -> Scope {
        Scope::new(units, self.scope.as_deref())
    }
}

/// A new organizer's details. `email` is already checked (and lower case).
pub struct NewOrganizer<'a> {
    pub email: &'a EmailAddress,
    pub name: Option<&'a str>,
    pub role: Role,
    /// An existing unit code, or None for everything.
    pub scope: Option<&'a str>,
}

/// How a new organizer gets a password.
pub enum InitialPassword<'a> {
    /// Given now (the command line's `--password-stdin`); checked against the rules.
    Given(&'a str),
    /// A one-time link `{public_url}/console/password/{token}` is emailed (queued in the
    /// outbox), valid [`PASSWORD_LINK_VALID`]. `public_url` has no trailing slash.
    Link { public_url: &'a str, lang: Lang },
}

/// Adds an organizer, in one transaction with its password or its queued link and the audit
/// line (`organizer.add`). Nothing is stored on error.
pub fn add_organizer(
    conn: &mut DbConn,
    actor: Actor<'_>,
    new: &NewOrganizer,
    password: InitialPassword,
) -> Result<OrganizerId, AccessError> {
    // Hashing takes tens of milliseconds: done before the write lock is taken.
    let hash = match password {
        InitialPassword::Given(given) => Some(hash_password(given)?),
        InitialPassword::Link { .. } => None,
    };
    let name = new.name.map(str::trim).filter(|n| !n.is_empty());
    db::write_tx(conn, |conn| {
        if let Some(code) = new.scope {
            if !db::units::exists(conn, code)? {
                return Err(AccessError::UnknownScope(code.to_owned()));
            }
        }
        let email = new.email.as_str();
        if organizers::find_by_email(conn, email)?.is_some() {
            return Err(AccessError::OrganizerExists(email.to_owned()));
        }
        let id = organizers::insert(
            conn,
            &organizers::NewOrganizer {
                email,
                name,
                role: new.role,
                scope_unit_code: new.scope,
                password_hash: hash.as_deref(),
            },
        )?;
        let mut detail = format!("role={}", new.role);
        if let Some(scope) = new.scope {
            detail.push_str(&format!(" scope={scope}"));
        }
        if let InitialPassword::Link { public_url, lang } = password {
            let now = db::now();
            let expires_at = now + PASSWORD_LINK_VALID;
            let token = crate::token::generate();
            organizers::insert_setup(conn, id, &token.sha256, expires_at)?;
            let link = format!("{public_url}/console/password/{}", token.token);
            let content = mail::messages::password_setup(&mail::messages::PasswordSetupMail {
                lang,
                name,
                email,
                role: new.role,
                scope: new.scope,
                link: &link,
                expires_at,
            })?;
            mail::enqueue(
                conn,
                &OutgoingMessage {
                    kind: MessageKind::PasswordSetup,
                    campaign_id: None,
                    invitation_id: None,
                    to: email.to_owned(),
                    subject: content.subject,
                    text: content.text,
                    html: content.html,
                },
            )?;
            detail.push_str(" password=link");
        } else {
            detail.push_str(" password=set");
        }
        audit::record(
            conn,
            actor,
            audit::ORGANIZER_ADD,
            &audit::organizer_object(new.email),
            Some(&detail),
        )?;
        Ok(id)
    })
}

/// Removes an organizer with their tokens, sessions and password links, and any password
/// email of theirs not yet sent (`organizer.remove`).
pub fn remove_organizer(
    conn: &mut DbConn,
    actor: Actor<'_>,
    email: &EmailAddress,
) -> Result<(), AccessError> {
    db::write_tx(conn, |conn| {
        let organizer = existing(conn, email)?;
        organizers::delete(conn, organizer.id)?;
        // A password link still waiting in the outbox would lead nowhere now.
        db::outbox::cancel_queued(conn, MessageKind::PasswordSetup.as_str(), email.as_str())?;
        audit::record(
            conn,
            actor,
            audit::ORGANIZER_REMOVE,
            &audit::organizer_object(email),
            None,
        )?;
        Ok(())
    })
}

/// Sets an organizer's password (`organizer.password`) and ends their sessions: whoever
/// signed in with the old one is signed out. Tokens stay valid.
pub fn set_password(
    conn: &mut DbConn,
    actor: Actor<'_>,
    email: &EmailAddress,
    password: &str,
) -> Result<(), AccessError> {
    let hash = hash_password(password)?;
    db::write_tx(conn, |conn| {
        let organizer = existing(conn, email)?;
        organizers::set_password_hash(conn, organizer.id, &hash)?;
        let ended = sessions::delete_for_organizer(conn, organizer.id)?;
        audit::record(
            conn,
            actor,
            audit::ORGANIZER_PASSWORD,
            &audit::organizer_object(email),
            Some(&format!("sessions_ended={ended}")),
        )?;
        Ok(())
    })
}

fn existing(conn: &mut DbConn, email: &EmailAddress) -> Result<Organizer, AccessError> {
    organizers::find_by_email(conn, email.as_str())?
        .ok_or_else(|| AccessError::UnknownOrganizer(email.to_string()))
}

/// Every organizer (by email) with their number of tokens.
pub fn list_organizers(conn: &mut DbConn) -> Result<Vec<organizers::Listed>, AccessError> {
    Ok(organizers::list(conn)?)
}

/// Checks a token name: 1 to 64 of letters, digits, '.', '-', '_'.
pub fn check_token_name(name: &str) -> Result<(), AccessError> {
    let fits = (1..=MAX_TOKEN_NAME_CHARS).contains(&name.chars().count())
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if fits {
        Ok(())
    } else {
        Err(AccessError::TokenName(name.to_owned()))
    }
}

/// Makes an API token for an organizer (`token.create`) and returns its text, which is not
/// stored anywhere: the caller shows it once.
pub fn create_token(
    conn: &mut DbConn,
    actor: Actor<'_>,
    email: &EmailAddress,
    name: &str,
) -> Result<String, AccessError> {
    check_token_name(name)?;
    let token = format!("{TOKEN_PREFIX}{}", crate::token::generate().token);
    let sha256 = crate::token::hash(&token);
    db::write_tx(conn, |conn| {
        let organizer = existing(conn, email)?;
        if tokens::name_taken(conn, name)? {
            return Err(AccessError::TokenExists(name.to_owned()));
        }
        tokens::insert(conn, organizer.id, name, &sha256)?;
        audit::record(
            conn,
            actor,
            audit::TOKEN_CREATE,
            &audit::token_object(name),
            Some(&format!("organizer={email}")),
        )?;
        Ok(())
    })?;
    Ok(token)
}

/// Every token (name, organizer, created), by name; never a token's value.
pub fn list_tokens(conn: &mut DbConn) -> Result<Vec<tokens::Listed>, AccessError> {
    Ok(tokens::list(conn)?)
}

/// Revokes (deletes) the token with this name (`token.revoke`).
pub fn revoke_token(conn: &mut DbConn, actor: Actor<'_>, name: &str) -> Result<(), AccessError> {
    db::write_tx(conn, |conn| {
        let owner = tokens::delete_by_name(conn, name)?
            .ok_or_else(|| AccessError::UnknownToken(name.to_owned()))?;
        audit::record(
            conn,
            actor,
            audit::TOKEN_REVOKE,
            &audit::token_object(name),
            Some(&format!("organizer={owner}")),
        )?;
        Ok(())
    })
}

/// The principal a bearer token (the text after `Bearer `) acts as, or None for an unknown or
/// revoked token. Whatever is presented is hashed and looked up, so a malformed token costs
/// the same as a wrong one.
pub fn authenticate_token(
    conn: &mut DbConn,
    bearer: &str,
) -> Result<Option<Principal>, AccessError> {
    let sha256 = crate::token::hash(bearer.trim());
    tokens::organizer_of(conn, &sha256)?
        .map(Principal::from_stored)
        .transpose()
}

/// The principal whose email and password these are, or None. Takes about as long whether
/// the address is unknown, has no password yet, or the password is wrong: each verifies one
/// argon2 hash. Limits on attempts are the caller's (per account and per address).
pub fn sign_in(
    conn: &mut DbConn,
    email: &str,
    password: &str,
) -> Result<Option<Principal>, AccessError> {
    let found = match EmailAddress::parse(email) {
        Ok(email) => organizers::with_password_hash(conn, email.as_str())?,
        Err(_) => None,
    };
    match found {
        Some((organizer, Some(hash))) => {
            if verify_password(&hash, password) {
                Principal::from_stored(organizer).map(Some)
            } else {
                Ok(None)
            }
        }
        _ => {
            password::verify_dummy(password);
            Ok(None)
        }
    }
}

/// A new console session for `principal`: (the cookie's value, the anti-forgery token for
/// its forms). Only the cookie value's SHA-256 is stored.
pub fn create_session(
    conn: &mut DbConn,
    principal: &Principal,
) -> Result<(String, String), AccessError> {
    create_session_at(conn, principal, db::now())
}

/// [`create_session`] at a given time.
pub fn create_session_at(
    conn: &mut DbConn,
    principal: &Principal,
    now: NaiveDateTime,
) -> Result<(String, String), AccessError> {
    let cookie = crate::token::generate();
    let csrf = crate::token::generate().token;
    sessions::create(conn, &cookie.sha256, principal.organizer_id, &csrf, now)?;
    Ok((cookie.token, csrf))
}

/// The principal and anti-forgery token of a live session, or None (unknown, ended, or idle
/// for [`SESSION_IDLE`], in which case it is deleted). Writes the session's last use at most
/// once per [`SESSION_TOUCH_EVERY`].
pub fn session(
    conn: &mut DbConn,
    cookie_value: &str,
) -> Result<Option<(Principal, String)>, AccessError> {
    session_at(conn, cookie_value, db::now())
}

/// [`session`] at a given time.
pub fn session_at(
    conn: &mut DbConn,
    cookie_value: &str,
    now: NaiveDateTime,
) -> Result<Option<(Principal, String)>, AccessError> {
    let sha256 = crate::token::hash(cookie_value.trim());
    match sessions::touch(conn, &sha256, now, SESSION_IDLE, SESSION_TOUCH_EVERY)? {
        Some((organizer, csrf)) => Ok(Some((Principal::from_stored(organizer)?, csrf))),
        None => Ok(None),
    }
}

/// Signs out: the session is deleted (an unknown one is no error).
pub fn end_session(conn: &mut DbConn, cookie_value: &str) -> Result<(), AccessError> {
    Ok(sessions::delete(
        conn,
        &crate::token::hash(cookie_value.trim()),
    )?)
}

/// Deletes every session idle for [`SESSION_IDLE`] at `now`; how many.
pub fn delete_expired_sessions(
    conn: &mut DbConn,
    now: NaiveDateTime,
) -> Result<usize, AccessError> {
    Ok(sessions::delete_expired(conn, now, SESSION_IDLE)?)
}

/// Who a password link is for, while it is unused and unexpired at `now`.
pub fn password_link_for(
    conn: &mut DbConn,
    token: &str,
    now: NaiveDateTime,
) -> Result<Option<Principal>, AccessError> {
    organizers::setup_organizer(conn, &crate::token::hash(token.trim()), now)?
        .map(Principal::from_stored)
        .transpose()
}

/// Sets the password through a one-time link and uses the link up (`organizer.password_link`,
/// by the organizer). None when the link is unknown, used or expired at `now`; a password
/// breaking the rules is an error and leaves the link usable.
pub fn set_password_by_link(
    conn: &mut DbConn,
    token: &str,
    password: &str,
    now: NaiveDateTime,
) -> Result<Option<Principal>, AccessError> {
    let hash = hash_password(password)?;
    store_password_by_link(conn, token, &hash, now)
}

/// [`set_password_by_link`] with the password already hashed by [`hash_password`], so that a
/// server can hash off the database's turn.
pub fn store_password_by_link(
    conn: &mut DbConn,
    token: &str,
    password_hash: &str,
    now: NaiveDateTime,
) -> Result<Option<Principal>, AccessError> {
    let sha256 = crate::token::hash(token.trim());
    db::write_tx(conn, |conn| {
        let Some(id) = organizers::take_setup(conn, &sha256, now)? else {
            return Ok(None);
        };
        let Some(organizer) = organizers::get(conn, id)? else {
            return Ok(None);
        };
        organizers::set_password_hash(conn, id, password_hash)?;
        sessions::delete_for_organizer(conn, id)?;
        let principal = Principal::from_stored(organizer)?;
        audit::record(
            conn,
            Actor::Organizer(&principal.email),
            audit::ORGANIZER_PASSWORD_LINK,
            &audit::organizer_object(&principal.email),
            None,
        )?;
        Ok(Some(principal))
    })
}
