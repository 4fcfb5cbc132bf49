//! `kinerja backup FILE`: a consistent copy of the database while the server runs.

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::{bail, Context as _};
use clap::Args;

use super::{Console, Database};
use crate::db::{self, DatabaseUrl};
use crate::secret::{KeySource, KEY_ENV, KEY_FILE_ENV};

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The new backup file; an existing file is never overwritten.
    #[arg(value_name = "FILE")]
    file: PathBuf,
}

pub fn run(database: &Database, args: BackupArgs, console: &mut Console) -> anyhow::Result<()> {
    let url = database.url()?;
    let file = &args.file;
    // Checked here for a clear message; SQLite and pg_dump would overwrite or fail obscurely.
    if file.symlink_metadata().is_ok() {
        bail!("{}: already exists; choose a new file name", file.display());
    }
    let shown = file.display().to_string();
    match &url {
        DatabaseUrl::Sqlite(_) => {
            let path = file
                .to_str()
                .with_context(|| format!("{shown}: the path is not valid UTF-8"))?;
            db::sqlite_backup(&mut database.connect()?, path)?;
            // The umask (077, set in main) already makes it so; said again because the file
            // holds every answer.
            set_private(file)?;
            writeln!(console.out, "backed up {url} to {shown}")?;
        }
        DatabaseUrl::Postgres(raw) => match which("pg_dump") {
            Some(pg_dump) => {
                let status = std::process::Command::new(pg_dump)
                    .args(["--format", "custom", "--file"])
                    .arg(file)
                    .arg("--dbname")
                    .arg(raw)
                    .status()
                    .context("cannot run pg_dump")?;
                if !status.success() {
                    bail!("pg_dump failed ({status}); {shown} is incomplete");
                }
                set_private(file)?;
                writeln!(
                    console.out,
                    "backed up {url} to {shown} (pg_dump, custom format)"
                )?;
            }
            None => {
                writeln!(
                    console.out,
                    "pg_dump is not on PATH; run it where it is (the password masked here):"
                )?;
                writeln!(
                    console.out,
                    "  pg_dump --format custom --file {shown} --dbname '{url}'"
                )?;
            }
        },
    }
    key_note(&url, console)
}

/// The backup is useless without the key that seals pending answers and organizer secrets.
fn key_note(url: &DatabaseUrl, console: &mut Console) -> anyhow::Result<()> {
    match KeySource::from_env(url) {
        KeySource::Value(_) => writeln!(
            console.out,
            "key: this server's key is the value of {KEY_ENV}; keep it with the backup, which is \
             useless without it"
        )?,
        // The key is made by the first command that seals anything, so without it nothing in
        // the copy is sealed.
        KeySource::File(path) if !path.exists() => writeln!(
            console.out,
            "key: none yet (it will be made at {} on first use); nothing in the backup needs it",
            std::path::absolute(&path).unwrap_or(path).display()
        )?,
        KeySource::File(path) => {
            let path = std::fs::canonicalize(&path).unwrap_or(path);
            writeln!(
                console.out,
                "key: {}; keep a copy with the backup, which is useless without it (restore it \
                 beside the database as DATABASE.key, or point {KEY_FILE_ENV} at it)",
                path.display()
            )?
        }
    }
    Ok(())
}

fn set_private(file: &std::path::Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o600))
        .with_context(|| format!("{}: cannot make it private", file.display()))
}

/// The program's path on PATH, if any.
fn which(program: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}
