//! Delivering queued messages: claim with a lease, send, record the outcome. Failures wait
//! longer each time (1 min, 5 min, 30 min, 2 h, 12 h) and then fail for good; a permanent
//! rejection of an address (SMTP 5xx) fails that message at once and no other.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use lettre::message::{header, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncTransport, Message};

use super::{MailError, Mailer, Transport};
use crate::db::outbox::{self, Claimed};
use crate::db::{DbError, Pool};

/// Waits after the 1st, 2nd, ... failed attempt; after the last, the message fails.
const RETRY_DELAYS_MINUTES: [i64; 5] = [1, 5, 30, 120, 720];
/// How long a claimed message is reserved for its sender.
const LEASE_SECONDS: i64 = 300;
const BATCH: i64 = 100;
/// Messages in flight at once. lettre leaves Nagle's algorithm on, so each SMTP conversation
/// waits about 40 ms on delayed acknowledgements; throughput comes from parallel connections.
pub(crate) const PARALLEL: usize = 32;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SendReport {
    pub sent: usize,
    /// Failed for good (a permanent rejection, or out of attempts).
    pub failed: usize,
    /// Failed this time; queued for a later attempt.
    pub retrying: usize,
}

struct Failure {
    permanent: bool,
    message: String,
}

async fn blocking<T: Send + 'static>(
    pool: &Pool,
    work: impl FnOnce(&mut crate::db::DbConn) -> Result<T, DbError> + Send + 'static,
) -> Result<T, MailError> {
    let pool = pool.clone();
    tokio::task::spawn_blocking(move || {
        let mut conn = pool.get().map_err(|e| DbError::Pool(e.to_string()))?;
        work(&mut conn)
    })
    .await
    .map_err(|e| MailError::Task(e.to_string()))?
    .map_err(MailError::from)
}

/// Sends every message that is due (all queued ones with `now`), until none is left.
pub async fn send_due(
    pool: &Pool,
    mailer: Arc<Mailer>,
    now: bool,
) -> Result<SendReport, MailError> {
    let mut report = SendReport::default();
    loop {
        // A date both backends compare correctly (SQLite compares timestamps as text).
        let due_by = if now {
            chrono::NaiveDate::from_ymd_opt(9999, 12, 31)
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .unwrap_or_else(crate::db::now)
        } else {
            crate::db::now()
        };
        let claimed = blocking(pool, move |conn| {
            outbox::claim(
                conn,
                due_by,
                chrono::Duration::seconds(LEASE_SECONDS),
                BATCH,
            )
        })
        .await?;
        if claimed.is_empty() {
            return Ok(report);
        }
        // Deliver a few at once, then record their outcomes in one transaction: one write per
        // group keeps SQLite's lock free, and a crash can repeat at most one group.
        for group in claimed.chunks(PARALLEL) {
            let mut tasks = tokio::task::JoinSet::new();
            for message in group.iter().cloned() {
                let mailer = mailer.clone();
                tasks.spawn(async move {
                    let result = deliver(&mailer, &message).await;
                    (message, result)
                });
            }
            let mut outcomes = Vec::with_capacity(group.len());
            while let Some(done) = tasks.join_next().await {
                let (message, result) = done.map_err(|e| MailError::Task(e.to_string()))?;
                outcomes.push(outcome_of(&message, result));
            }
            for outcome in &outcomes {
                tally(&mut report, outcome);
            }
            blocking(pool, move |conn| {
                crate::db::write_tx(conn, |conn| {
                    for outcome in &outcomes {
                        match outcome {
                            Recorded::Sent(id) => outbox::mark_sent(conn, *id)?,
                            Recorded::Failed {
                                id,
                                error,
                                retry_at,
                            } => outbox::mark_failed(conn, *id, error, *retry_at)?,
                        }
                    }
                    Ok(())
                })
            })
            .await?;
        }
    }
}

enum Recorded {
    Sent(i64),
    Failed {
        id: i64,
        error: String,
        /// None: failed for good.
        retry_at: Option<chrono::NaiveDateTime>,
    },
}

/// What to record for one delivery attempt.
fn outcome_of(message: &Claimed, result: Result<(), Failure>) -> Recorded {
    match result {
        Ok(()) => Recorded::Sent(message.id),
        Err(failure) => {
            let attempt = usize::try_from(message.attempts).unwrap_or(0);
            let retry_at = (!failure.permanent)
                .then(|| RETRY_DELAYS_MINUTES.get(attempt))
                .flatten()
                .map(|minutes| crate::db::now() + chrono::Duration::minutes(*minutes));
            tracing::warn!(id = message.id, recipient = %message.recipient, error = %failure.message, "email not delivered");
            Recorded::Failed {
                id: message.id,
                error: failure.message,
                retry_at,
            }
        }
    }
}

fn tally(report: &mut SendReport, outcome: &Recorded) {
    match outcome {
        Recorded::Sent(_) => report.sent += 1,
        Recorded::Failed { retry_at: None, .. } => report.failed += 1,
        Recorded::Failed { .. } => report.retrying += 1,
    }
}

async fn deliver(mailer: &Mailer, message: &Claimed) -> Result<(), Failure> {
    let email = build(mailer, message).map_err(|message| Failure {
        permanent: true,
        message,
    })?;
    match &mailer.transport {
        Transport::Smtp(smtp) => smtp.send(email).await.map(|_| ()).map_err(|e| Failure {
            permanent: e.is_permanent(),
            message: smtp_error_text(&e),
        }),
        Transport::Folder(folder) => folder.send(email).await.map(|_| ()).map_err(|e| Failure {
            permanent: false,
            message: e.to_string(),
        }),
    }
}

/// lettre's error with its cause chain, e.g. "permanent error (550): no such user".
fn smtp_error_text(error: &lettre::transport::smtp::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// A multipart/alternative message (plain text and HTML, UTF-8) with its stored Message-ID, so
/// a retry carries the same one.
fn build(mailer: &Mailer, message: &Claimed) -> Result<Message, String> {
    let to = Mailbox::from_str(&message.recipient).map_err(|e| format!("bad recipient: {e}"))?;
    let text = message.body_text.clone().unwrap_or_default();
    let html = message.body_html.clone().unwrap_or_default();
    Message::builder()
        .from(mailer.from.clone())
        .to(to)
        .subject(message.subject.clone())
        .message_id(Some(message.message_id.clone()))
        .multipart(
            MultiPart::alternative()
                .singlepart(
                    SinglePart::builder()
                        .header(header::ContentType::TEXT_PLAIN)
                        .body(text),
                )
                .singlepart(
                    SinglePart::builder()
                        .header(header::ContentType::TEXT_HTML)
                        .body(html),
                ),
        )
        .map_err(|e| e.to_string())
}

/// The background sender of `kinerja serve`: a pass every `interval`, forever. Several
/// instances may run one each: claims never overlap.
pub async fn run_sender(pool: Pool, mailer: Arc<Mailer>, interval: Duration) {
    loop {
        match send_due(&pool, mailer.clone(), false).await {
            Ok(report) if report != SendReport::default() => {
                tracing::info!(
                    sent = report.sent,
                    failed = report.failed,
                    retrying = report.retrying,
                    "mail sender pass"
                );
            }
            Ok(_) => {}
            Err(error) => tracing::error!(%error, "mail sender pass failed"),
        }
        tokio::time::sleep(interval).await;
    }
}
