//! Storage: one diesel codebase over SQLite (the embedded default) and PostgreSQL.
//!
//! Queries are written once against [`DbConn`]; where the two backends need different paths
//! (bulk insert and streaming reads of responses) the repository matches on the variant.

pub mod audit;
pub mod campaigns;
pub mod group;
pub mod invitations;
pub mod organizers;
pub mod outbox;
pub mod pending;
pub mod pool;
pub mod responses;
pub mod schema;
pub mod sessions;
pub mod templates;
pub mod tokens;
pub mod types;
pub mod units;

use std::fmt;

pub use pool::{ping, Access, Backend, Pool, PooledConn};
pub use types::{
    ApiTokenId, AuditId, CampaignId, CampaignStatus, InvitationId, InvitationState, MessageId,
    OrganizerId, OutboxStatus, ResponseId, Role, TemplateId, UnitId,
};

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Any key works as long as every kinerja instance uses the same one.
const MIGRATION_LOCK_KEY: i64 = 0x006b_696e_6572_6a61;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("unsupported database URL '{0}': use postgres://..., postgresql://..., sqlite://PATH or a file path")]
    UnsupportedUrl(String),
    #[error("cannot open the SQLite database '{path}': {source}")]
    OpenSqlite {
        path: String,
        source: diesel::ConnectionError,
    },
    #[error("cannot connect to PostgreSQL at {url}: {reason}")]
    ConnectPostgres {
        url: String,
        /// libpq's message, with any password in it masked.
        reason: String,
    },
    #[error("database migration failed: {0}")]
    Migration(String),
    #[error("no database connection: {0}")]
    Pool(String),
    #[error("the stored {0} cannot be opened with this server's secret key")]
    Unreadable(&'static str),
    #[error("the {0} just written is missing")]
    Missing(&'static str),
    #[error("{0}")]
    Unsupported(&'static str),
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
}

/// Where the data lives, decided from the URL's scheme alone so that a typo in a PostgreSQL URL
/// never silently creates a new SQLite file.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Postgres(String),
    Sqlite(String),
}

impl DatabaseUrl {
    pub fn parse(url: &str) -> Result<DatabaseUrl, DbError> {
        let url = url.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DatabaseUrl::Postgres(url.to_owned()));
        }
        if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(DbError::UnsupportedUrl(redact_password(url)));
            }
            return Ok(DatabaseUrl::Sqlite(path.to_owned()));
        }
        if let Some(path) = url.strip_prefix("sqlite:") {
            if !path.is_empty() {
                return Ok(DatabaseUrl::Sqlite(path.to_owned()));
            }
        }
        if url.is_empty() || url.contains("://") {
            return Err(DbError::UnsupportedUrl(redact_password(url)));
        }
        Ok(DatabaseUrl::Sqlite(url.to_owned()))
    }

    /// A message (libpq's, a pool's) with every password this URL holds masked, and the URL
    /// itself shown redacted: libpq repeats parts of a connection string it cannot parse.
    pub fn scrub(&self, message: &str) -> String {
        let DatabaseUrl::Postgres(raw) = self else {
            return message.to_owned();
        };
        let mut text = message.replace(raw.as_str(), &redact_password(raw));
        for secret in passwords_in(raw) {
            if !secret.is_empty() {
                text = text.replace(&secret, "***");
            }
        }
        text
    }
}

/// Debug output goes to logs: it must not show a password either.
impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({self})")
    }
}

/// Shows the URL without its password, for messages and logs.
impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatabaseUrl::Sqlite(path) => write!(f, "sqlite://{path}"),
            DatabaseUrl::Postgres(url) => f.write_str(&redact_password(url)),
        }
    }
}

/// The URL with its passwords masked: the userinfo's (`user:***@host`) and any `password=`
/// query value (`?password=***`).
fn redact_password(url: &str) -> String {
    let mut text = url.to_owned();
    for secret in passwords_in(url) {
        if !secret.is_empty() {
            text = text.replace(&format!(":{secret}@"), ":***@");
            text = replace_query_value(&text, &secret);
        }
    }
    text
}

/// Replaces `password=SECRET` (any case of the key) with `password=***`.
fn replace_query_value(url: &str, secret: &str) -> String {
    let lower = url.to_ascii_lowercase();
    let needle = format!("password={}", secret.to_ascii_lowercase());
    match lower.find(&needle) {
        Some(at) => {
            let start = at + "password=".len();
            format!("{}***{}", &url[..start], &url[start + secret.len()..])
        }
        None => url.to_owned(),
    }
}

/// Every password written in a connection URL, as written (percent-encoded or not).
fn passwords_in(url: &str) -> Vec<String> {
    let mut found = Vec::new();
    if let Some((_, rest)) = url.split_once("://") {
        let authority = rest.split(['/', '?']).next().unwrap_or("");
        if let Some((credentials, _)) = authority.rsplit_once('@') {
            if let Some((_, password)) = credentials.split_once(':') {
                found.push(password.to_owned());
            }
        }
    }
    if let Some((_, query)) = url.split_once('?') {
        for pair in query.split('&') {
            if let Some((key, value)) = pair.split_once('=') {
                if key.eq_ignore_ascii_case("password") {
                    found.push(value.to_owned());
                }
            }
        }
    }
    found
}

/// Opens a connection and brings the schema up to date.
pub fn connect(url: &DatabaseUrl) -> Result<DbConn, DbError> {
    let mut conn = open(url)?;
    migrate(&mut conn)?;
    Ok(conn)
}

/// Opens a connection without touching the schema.
pub fn open(url: &DatabaseUrl) -> Result<DbConn, DbError> {
    match url {
        DatabaseUrl::Postgres(raw) => {
            PgConnection::establish(raw)
                .map(DbConn::Pg)
                .map_err(|source| DbError::ConnectPostgres {
                    url: url.to_string(),
                    reason: url.scrub(&source.to_string()),
                })
        }
        DatabaseUrl::Sqlite(path) => {
            let mut conn =
                SqliteConnection::establish(path).map_err(|source| DbError::OpenSqlite {
                    path: path.clone(),
                    source,
                })?;
            // busy_timeout first: WAL needs a lock, and a concurrent opener must wait for it.
            // synchronous = FULL: an acknowledged answer survives a power loss (NORMAL may
            // lose the last commits in WAL mode); group commit pays one fsync per group.
            // secure_delete: a deleted draft or pending answer is overwritten, not left in a
            // free page.
            // No mmap_size: tried, and submissions fell from 5,500/s to 4,600/s (perf: 7% munmap
            // and 8% page faults, as every connection remaps the growing file).
            conn.batch_execute(
                "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; \
                 PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON;",
            )?;
            Ok(DbConn::Sqlite(conn))
        }
    }
}

/// Writes a consistent copy of a SQLite database into the new file `path` (`VACUUM INTO`): one
/// read transaction, so a server may go on writing meanwhile. SQLite refuses a non-empty
/// existing file. PostgreSQL has pg_dump for this.
pub fn sqlite_backup(conn: &mut DbConn, path: &str) -> Result<(), DbError> {
    match conn {
        DbConn::Sqlite(c) => {
            diesel::sql_query("VACUUM INTO ?")
                .bind::<diesel::sql_types::Text, _>(path)
                .execute(c)?;
            Ok(())
        }
        DbConn::Pg(_) => Err(DbError::Unsupported(
            "VACUUM INTO is SQLite's; back up PostgreSQL with pg_dump",
        )),
    }
}

/// Runs pending migrations. On PostgreSQL several instances may start at once, so the run is
/// serialised with an advisory lock (diesel_migrations takes none).
pub fn migrate(conn: &mut DbConn) -> Result<(), DbError> {
    let migration_error =
        |e: Box<dyn std::error::Error + Send + Sync>| DbError::Migration(e.to_string());
    match conn {
        DbConn::Sqlite(c) => {
            // The write lock, taken before the pending migrations are listed, does for SQLite
            // what the advisory lock does for PostgreSQL.
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?;
            let result = c
                .run_pending_migrations(SQLITE_MIGRATIONS)
                .map(|_| ())
                .map_err(migration_error);
            match result {
                Ok(()) => AnsiTransactionManager::commit_transaction(c)?,
                Err(e) => {
                    let _ = AnsiTransactionManager::rollback_transaction(c);
                    return Err(e);
                }
            }
        }
        DbConn::Pg(c) => {
            c.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})"))?;
            let result = c
                .run_pending_migrations(POSTGRES_MIGRATIONS)
                .map(|_| ())
                .map_err(migration_error);
            c.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})"))?;
            result?;
        }
    }
    Ok(())
}

/// Runs `f` in a write transaction. SQLite gets `BEGIN IMMEDIATE`: a deferred transaction that
/// reads first and writes later fails with "database is locked" under concurrency instead of
/// waiting for the lock. Any error type that a [`DbError`] converts into works, so callers
/// never see diesel's own error.
pub fn write_tx<T, E>(
    conn: &mut DbConn,
    f: impl FnOnce(&mut DbConn) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<DbError>,
{
    let begun = match conn {
        DbConn::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE"),
        DbConn::Pg(_) => <DbConn as Connection>::TransactionManager::begin_transaction(conn),
    };
    begun.map_err(DbError::from)?;
    match f(conn) {
        Ok(value) => {
            <DbConn as Connection>::TransactionManager::commit_transaction(conn)
                .map_err(DbError::from)?;
            Ok(value)
        }
        Err(error) => {
            // The caller's error is the one worth reporting; a failed rollback leaves the
            // connection broken, which diesel reports on its next use.
            let _ = <DbConn as Connection>::TransactionManager::rollback_transaction(conn);
            Err(error)
        }
    }
}

/// SQLite: moves the write-ahead log into the database file and empties it, so that frames
/// holding earlier versions of pages (a pending answer, a draft) do not linger in `-wal`.
/// Readers in other connections may keep some frames; those go at the next checkpoint.
pub fn checkpoint(conn: &mut DbConn) -> Result<(), DbError> {
    if let DbConn::Sqlite(c) = conn {
        c.batch_execute("PRAGMA wal_checkpoint(TRUNCATE)")?;
    }
    Ok(())
}

/// UTC now, truncated to the second: stored timestamps never need finer precision.
pub fn now() -> chrono::NaiveDateTime {
    let now = chrono::Utc::now().naive_utc();
    now - chrono::Duration::nanoseconds(i64::from(now.and_utc().timestamp_subsec_nanos()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_schemes_choose_the_backend() {
        assert!(matches!(
            DatabaseUrl::parse("postgres://u@h/db"),
            Ok(DatabaseUrl::Postgres(_))
        ));
        assert!(matches!(
            DatabaseUrl::parse("postgresql://h/db"),
            Ok(DatabaseUrl::Postgres(_))
        ));
        assert_eq!(
            DatabaseUrl::parse("sqlite://a/b.db").ok(),
            Some(DatabaseUrl::Sqlite("a/b.db".into()))
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:///tmp/x.db").ok(),
            Some(DatabaseUrl::Sqlite("/tmp/x.db".into()))
        );
        assert_eq!(
            DatabaseUrl::parse("kinerja.db").ok(),
            Some(DatabaseUrl::Sqlite("kinerja.db".into()))
        );
        assert!(matches!(
            DatabaseUrl::parse("mysql://h/db"),
            Err(DbError::UnsupportedUrl(_))
        ));
        assert!(matches!(
            DatabaseUrl::parse("postgress://h/db"),
            Err(DbError::UnsupportedUrl(_))
        ));
    }

    #[test]
    fn display_hides_the_password() {
        let url = DatabaseUrl::parse("postgres://kinerja:s3cret@db:5432/k").unwrap();
        assert_eq!(url.to_string(), "postgres://kinerja:***@db:5432/k");
        let url =
            DatabaseUrl::parse("postgres://kinerja@db/k?sslmode=require&PassWord=S3cret").unwrap();
        assert_eq!(
            url.to_string(),
            "postgres://kinerja@db/k?sslmode=require&PassWord=***"
        );
        assert_eq!(
            url.scrub("could not parse \"postgres://kinerja@db/k?sslmode=require&PassWord=S3cret\": S3cret"),
            "could not parse \"postgres://kinerja@db/k?sslmode=require&PassWord=***\": ***"
        );
        let Err(DbError::UnsupportedUrl(shown)) = DatabaseUrl::parse("mysql://u:pw9@h/db") else {
            panic!("mysql is not supported");
        };
        assert_eq!(shown, "mysql://u:***@h/db");
    }
}
