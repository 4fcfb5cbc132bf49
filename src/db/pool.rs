//! The one owner of database concurrency: pooled connections, the order in which waiting work
//! gets them, the SQLite writer queue, and the hop from async code to a blocking thread. The
//! web service, the mail sender and the command line all go through [`Pool`].

use std::sync::Arc;
use std::time::Duration;

use diesel::connection::SimpleConnection;

use super::{connect, open, DatabaseUrl, DbConn, DbError};

/// Which backend a pool talks to, known from the URL alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Whether work writes. On SQLite writers take turns in this process instead of polling the
/// file lock (busy_timeout sleeps up to 100 ms between polls; measured: submission p99 went
/// from about 800 ms to 22 ms when writers queued here instead).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
}

/// A connection lent by the pool; it goes back when dropped.
pub type PooledConn = r2d2::PooledConnection<Manager>;

/// Opens pooled connections on demand: the scheme decides the backend, so a PostgreSQL that is
/// down reports libpq's own error rather than a generic "invalid URL" after a long wait.
pub struct Manager {
    url: DatabaseUrl,
}

impl r2d2::ManageConnection for Manager {
    type Connection = DbConn;
    type Error = DbError;

    fn connect(&self) -> Result<DbConn, DbError> {
        open(&self.url)
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), DbError> {
        ping(conn)
    }

    /// Diesel marks a connection broken when a query failed at the connection level (or a
    /// transaction could not be closed); r2d2 then drops it instead of lending it again.
    fn has_broken(&self, conn: &mut DbConn) -> bool {
        diesel::r2d2::R2D2Connection::is_broken(conn)
    }
}

struct Inner {
    connections: r2d2::Pool<Manager>,
    backend: Backend,
    /// One permit per pooled connection, handed out first come, first served. r2d2 gives a
    /// freed connection to whichever thread asks next, so under load a request could lose that
    /// race again and again for seconds; waiting here keeps the order of arrival.
    slots: Arc<tokio::sync::Semaphore>,
    /// Writes of this process queue here, in order, on SQLite; another process writing still
    /// meets the busy timeout. None on PostgreSQL, where writers do not exclude each other.
    sqlite_writer: Option<Arc<tokio::sync::Mutex<()>>>,
}

/// A pool of connections to one database. Cheap to clone.
#[derive(Clone)]
pub struct Pool {
    inner: Arc<Inner>,
}

impl Pool {
    /// Migrates the schema through one direct connection first, so that a database that cannot
    /// be reached fails here with its real error, then builds a pool of `size` connections.
    pub fn open(url: &DatabaseUrl, size: u32) -> Result<Pool, DbError> {
        connect(url)?;
        let size = size.max(1);
        let connections = r2d2::Pool::builder()
            .max_size(size)
            .connection_timeout(Duration::from_secs(10))
            // A `SELECT 1` on every checkout is one more round trip per request (measured: 15%
            // of PostgreSQL form throughput); broken connections are caught by `has_broken`.
            .test_on_check_out(false)
            .build_unchecked(Manager { url: url.clone() });
        let backend = match url {
            DatabaseUrl::Sqlite(_) => Backend::Sqlite,
            DatabaseUrl::Postgres(_) => Backend::Postgres,
        };
        Ok(Pool {
            inner: Arc::new(Inner {
                connections,
                backend,
                slots: Arc::new(tokio::sync::Semaphore::new(size as usize)),
                sqlite_writer: (backend == Backend::Sqlite)
                    .then(|| Arc::new(tokio::sync::Mutex::new(()))),
            }),
        })
    }

    pub fn backend(&self) -> Backend {
        self.inner.backend
    }

    /// A connection for synchronous callers (commands, blocking threads). It bypasses the
    /// async queue, so async code uses [`Pool::run`] instead.
    pub fn get(&self) -> Result<PooledConn, DbError> {
        self.inner
            .connections
            .get()
            .map_err(|e| DbError::Pool(e.to_string()))
    }

    /// An idle connection if there is one now, else None (never waits).
    pub fn try_get(&self) -> Option<PooledConn> {
        self.inner.connections.try_get()
    }

    /// Runs blocking database work off the async workers, once a pooled connection is free
    /// (and, for a write on SQLite, once earlier writes of this process are done). The turn is
    /// held until the work ends, even if the caller stops waiting meanwhile. The caller's span
    /// follows the work onto the blocking thread.
    pub async fn run<T, E>(
        &self,
        access: Access,
        work: impl FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let pool = self.clone();
        let writer = match (&pool.inner.sqlite_writer, access) {
            (Some(writer), Access::Write) => Some(writer.clone().lock_owned().await),
            _ => None,
        };
        let slot = pool.slot().await?;
        let span = tracing::Span::current();
        tokio::task::spawn_blocking(move || {
            let _turn = (writer, slot);
            span.in_scope(|| {
                let mut conn = pool.get()?;
                work(&mut conn)
            })
        })
        .await
        .unwrap_or_else(|e| Err(DbError::Pool(format!("database task failed: {e}")).into()))
    }

    /// Runs read-only work. On SQLite, when a connection is idle and nobody queues for one, the
    /// work runs right here on the calling (async) thread: an indexed read of a local file takes
    /// microseconds, less than handing the work to a blocking thread and back (measured: most
    /// of a form view's CPU went to that hand-off). Otherwise, and always on PostgreSQL (where a
    /// read waits for a network round trip), it queues like [`Pool::run`].
    pub async fn read<T, E>(
        &self,
        work: impl FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        if self.inner.backend == Backend::Sqlite {
            // A free permit means nobody is waiting: permits go to waiters first.
            if let Ok(slot) = self.inner.slots.clone().try_acquire_owned() {
                if let Some(mut conn) = self.inner.connections.try_get() {
                    let _slot = slot;
                    return work(&mut conn);
                }
            }
        }
        self.run(Access::Read, work).await
    }

    /// A turn in the first-come-first-served queue for a connection.
    async fn slot(&self) -> Result<tokio::sync::OwnedSemaphorePermit, DbError> {
        self.inner
            .slots
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| DbError::Pool(e.to_string()))
    }

    /// Whether the database answers within `limit`.
    pub async fn ping(&self, limit: Duration) -> bool {
        let started = std::time::Instant::now();
        let pool = self.clone();
        let check = async move {
            let Ok(slot) = pool.slot().await else {
                return false;
            };
            tokio::task::spawn_blocking(move || {
                let _slot = slot;
                let left = limit
                    .saturating_sub(started.elapsed())
                    .max(Duration::from_millis(1));
                pool.inner
                    .connections
                    .get_timeout(left)
                    .ok()
                    .is_some_and(|mut conn| ping(&mut conn).is_ok())
            })
            .await
            .unwrap_or(false)
        };
        tokio::time::timeout(limit, check).await.unwrap_or(false)
    }
}

/// `SELECT 1`: the database answers.
pub fn ping(conn: &mut DbConn) -> Result<(), DbError> {
    Ok(conn.batch_execute("SELECT 1")?)
}
