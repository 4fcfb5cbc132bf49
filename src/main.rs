use std::io::Write as _;

use clap::Parser;

fn main() -> std::process::ExitCode {
    // Every file kinerja creates holds answers, live links or keys: the database and SQLite's
    // -wal and -shm (which take the database's mode), the outbox's .eml files, the key file,
    // exports. Readable by their owner only (files 0600, folders 0700), whatever the shell's
    // umask; files that exist keep their mode.
    // SAFETY: umask only sets the process's file mode creation mask; it cannot fail.
    unsafe {
        libc::umask(0o077);
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("KINERJA_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("kinerja=info,warn")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let cli = kinerja::cli::Cli::parse();
    match kinerja::cli::run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            // Not eprintln!, which panics when standard error is a closed pipe.
            let _ = writeln!(std::io::stderr(), "error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
