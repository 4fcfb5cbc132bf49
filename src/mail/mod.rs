//! Email: messages are queued in the outbox inside the transaction that causes them, then
//! delivered by a sender (`kinerja mail send`, or a background task of `kinerja serve`) through
//! SMTP, or into a folder of `.eml` files when no SMTP server is configured.

pub mod campaign;
pub mod messages;
pub mod sender;

use crate::db::{CampaignId, InvitationId, MessageId};
use crate::domain::EmailAddress;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use lettre::message::Mailbox;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, Tokio1Executor};

use crate::db::outbox::{self, NewMessage};
use crate::db::{DbConn, DbError};

pub use sender::{run_sender, send_due, spawn_sender, SendReport, SenderHandle};

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("KINERJA_SMTP_URL '{url}' is not usable: {reason}")]
    SmtpUrl { url: String, reason: String },
    #[error("KINERJA_MAIL_FROM '{0}' is not a mailbox such as 'Kinerja <kinerja@example.go.id>'")]
    From(String),
    #[error("'{address}' is not an email address: {reason}")]
    Address { address: String, reason: String },
    #[error("cannot use the mail folder {path}: {source}")]
    Folder {
        path: String,
        source: std::io::Error,
    },
    #[error("KINERJA_SMTP_CONNECTIONS '{0}' must be a whole number from 1 to 256")]
    Connections(String),
    #[error("cannot write an email: {0}")]
    Render(#[from] askama::Error),
    #[error("the mail sender stopped: {0}")]
    Task(String),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// What a message is for, as recorded in the outbox.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageKind {
    Invitation,
    Reminder,
    Summary,
    /// A new organizer's one-time link to set a password.
    PasswordSetup,
}

impl MessageKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::Invitation => "invitation",
            MessageKind::Reminder => "reminder",
            MessageKind::Summary => "summary",
            MessageKind::PasswordSetup => "password_setup",
        }
    }
}

/// A message ready to queue: plain text and HTML of the same content.
#[derive(Clone, Debug)]
pub struct OutgoingMessage {
    pub kind: MessageKind,
    pub campaign_id: Option<CampaignId>,
    pub invitation_id: Option<InvitationId>,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// The outbox row of a message, once its address is one the sender accepts (the one check of
/// `EmailAddress`). Each message gets a Message-ID that its retries keep.
fn outbox_row<'a>(
    message: &'a OutgoingMessage,
    message_id: &'a str,
) -> Result<NewMessage<'a>, MailError> {
    EmailAddress::parse(&message.to).map_err(|e| MailError::Address {
        address: message.to.clone(),
        reason: e.to_string(),
    })?;
    Ok(NewMessage {
        campaign_id: message.campaign_id,
        invitation_id: message.invitation_id,
        kind: message.kind.as_str(),
        recipient: message.to.trim(),
        subject: &message.subject,
        body_text: &message.text,
        body_html: &message.html,
        message_id,
    })
}

fn new_message_id() -> String {
    format!("<{:032x}@kinerja.local>", rand::random::<u128>())
}

/// Queues a message; call it inside the transaction of what causes it, so that both commit
/// or neither does.
pub fn enqueue(conn: &mut DbConn, message: &OutgoingMessage) -> Result<MessageId, MailError> {
    let message_id = new_message_id();
    Ok(outbox::enqueue(conn, &outbox_row(message, &message_id)?)?)
}

/// Queues many messages in one go (call inside the transaction of what causes them): one
/// bulk write instead of a statement per message. Returns how many were queued.
pub fn enqueue_many(conn: &mut DbConn, messages: &[OutgoingMessage]) -> Result<usize, MailError> {
    let ids: Vec<String> = messages.iter().map(|_| new_message_id()).collect();
    let rows = messages
        .iter()
        .zip(&ids)
        .map(|(message, message_id)| outbox_row(message, message_id))
        .collect::<Result<Vec<NewMessage>, MailError>>()?;
    Ok(outbox::enqueue_many(conn, &rows)?)
}

enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Folder(AsyncFileTransport<Tokio1Executor>),
}

/// Where messages go and who they come from.
pub struct Mailer {
    from: Mailbox,
    transport: Transport,
    description: String,
    /// Deliveries in flight at once (SMTP connections kept open).
    parallel: usize,
}

/// How long one SMTP read or write may take before the attempt counts as failed.
const SMTP_TIMEOUT: Duration = Duration::from_secs(20);
/// Deliveries in flight at once unless `KINERJA_SMTP_CONNECTIONS` says otherwise. lettre
/// leaves Nagle's algorithm on, so each message waits about 40 ms for a delayed
/// acknowledgement after its body: throughput comes from parallel connections.
const DEFAULT_CONNECTIONS: usize = 32;
const MAX_CONNECTIONS: usize = 256;

fn connections_from_env() -> Result<usize, MailError> {
    match std::env::var("KINERJA_SMTP_CONNECTIONS") {
        Err(_) => Ok(DEFAULT_CONNECTIONS),
        Ok(value) if value.trim().is_empty() => Ok(DEFAULT_CONNECTIONS),
        Ok(value) => value
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_CONNECTIONS).contains(n))
            .ok_or(MailError::Connections(value)),
    }
}

impl Mailer {
    /// From `KINERJA_SMTP_URL` (none: a folder, `KINERJA_MAIL_DIR` or `./outbox`) and
    /// `KINERJA_MAIL_FROM`.
    pub fn from_env() -> Result<Mailer, MailError> {
        let from = std::env::var("KINERJA_MAIL_FROM")
            .unwrap_or_else(|_| "Kinerja <kinerja@localhost>".to_owned());
        let smtp = std::env::var("KINERJA_SMTP_URL")
            .ok()
            .filter(|u| !u.trim().is_empty());
        let folder = std::env::var("KINERJA_MAIL_DIR").unwrap_or_else(|_| "outbox".to_owned());
        Ok(Mailer::new(&from, smtp.as_deref(), &folder)?.connections(connections_from_env()?))
    }

    /// Checks the mail settings without building a transport (which needs a runtime).
    pub fn check_env() -> Result<(), MailError> {
        let from = std::env::var("KINERJA_MAIL_FROM")
            .unwrap_or_else(|_| "Kinerja <kinerja@localhost>".to_owned());
        Mailbox::from_str(&from).map_err(|_| MailError::From(from.clone()))?;
        connections_from_env()?;
        if let Some(url) = std::env::var("KINERJA_SMTP_URL")
            .ok()
            .filter(|u| !u.trim().is_empty())
        {
            lettre::transport::smtp::AsyncSmtpTransport::<Tokio1Executor>::from_url(
                &with_tls_default(&url),
            )
            .map_err(|e| MailError::SmtpUrl {
                url: redact(&url),
                reason: e.to_string(),
            })?;
        }
        Ok(())
    }

    pub fn new(from: &str, smtp_url: Option<&str>, folder: &str) -> Result<Mailer, MailError> {
        let from = Mailbox::from_str(from).map_err(|_| MailError::From(from.to_owned()))?;
        let (transport, description) = match smtp_url {
            Some(url) => {
                let transport =
                    AsyncSmtpTransport::<Tokio1Executor>::from_url(&with_tls_default(url))
                        .map_err(|e| MailError::SmtpUrl {
                            url: redact(url),
                            reason: e.to_string(),
                        })?
                        .timeout(Some(SMTP_TIMEOUT))
                        // Keep a connection for each delivery in flight: beyond lettre's
                        // default of 10, every extra one would be opened and closed per group.
                        .pool_config(
                            lettre::transport::smtp::PoolConfig::new()
                                .max_size(MAX_CONNECTIONS as u32),
                        )
                        .build();
                (
                    Transport::Smtp(transport),
                    format!("SMTP server {}", redact(url)),
                )
            }
            None => {
                let path = PathBuf::from(folder);
                std::fs::create_dir_all(&path).map_err(|source| MailError::Folder {
                    path: folder.to_owned(),
                    source,
                })?;
                let description = format!("folder {} (no KINERJA_SMTP_URL set)", path.display());
                (
                    Transport::Folder(AsyncFileTransport::new(path)),
                    description,
                )
            }
        };
        Ok(Mailer {
            from,
            transport,
            description,
            parallel: DEFAULT_CONNECTIONS,
        })
    }

    /// How many messages are delivered at once (1 to 256; default 32): each one in flight
    /// holds an SMTP connection. Lower it for servers that limit concurrent connections.
    pub fn connections(mut self, parallel: usize) -> Mailer {
        self.parallel = parallel.clamp(1, MAX_CONNECTIONS);
        self
    }

    pub fn description(&self) -> &str {
        &self.description
    }
}

/// `smtp://` to a remote server means STARTTLS (required) unless the URL says otherwise;
/// a server on this machine (`smtp://127.0.0.1:2525`) is spoken to in plain text.
/// `?tls=none` asks for plain text explicitly.
fn with_tls_default(url: &str) -> String {
    if !url.starts_with("smtp://") {
        return url.to_owned();
    }
    if url.contains("tls=none") {
        return url
            .replace("?tls=none&", "?")
            .replace("?tls=none", "")
            .replace("&tls=none", "");
    }
    if url.contains("tls=") {
        return url.to_owned();
    }
    let host = url
        .trim_start_matches("smtp://")
        .rsplit_once('@')
        .map(|(_, h)| h)
        .unwrap_or(url.trim_start_matches("smtp://"));
    let local = ["127.", "localhost", "[::1]"]
        .iter()
        .any(|p| host.starts_with(p));
    if local {
        url.to_owned()
    } else {
        let separator = if url.contains('?') { '&' } else { '?' };
        format!("{url}{separator}tls=required")
    }
}

/// The URL without its password, for messages.
fn redact(url: &str) -> String {
    match url.split_once("://").and_then(|(scheme, rest)| {
        let (credentials, host) = rest.rsplit_once('@')?;
        let user = credentials.split(':').next().unwrap_or("");
        Some(format!("{scheme}://{user}:***@{host}"))
    }) {
        Some(redacted) => redacted,
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_smtp_requires_starttls_and_local_servers_speak_plain() {
        assert_eq!(
            with_tls_default("smtp://u:p@mail.example.go.id:587"),
            "smtp://u:p@mail.example.go.id:587?tls=required"
        );
        assert_eq!(
            with_tls_default("smtp://127.0.0.1:2525"),
            "smtp://127.0.0.1:2525"
        );
        assert_eq!(
            with_tls_default("smtp://localhost:25"),
            "smtp://localhost:25"
        );
        assert_eq!(
            with_tls_default("smtp://relay:25?tls=none"),
            "smtp://relay:25"
        );
        assert_eq!(
            with_tls_default("smtp://relay:25?tls=opportunistic"),
            "smtp://relay:25?tls=opportunistic"
        );
        assert_eq!(
            with_tls_default("smtps://mail.example.go.id"),
            "smtps://mail.example.go.id"
        );
        assert_eq!(
            redact("smtp://user:secret@host:587"),
            "smtp://user:***@host:587"
        );
        assert_eq!(redact("smtp://127.0.0.1:2525"), "smtp://127.0.0.1:2525");
    }
}
