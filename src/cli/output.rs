//! Where commands print: standard output and error, remembering whether the reader went away.
//!
//! Rust ignores SIGPIPE, so `println!` into a closed pipe (`kinerja units list | head -1`)
//! panics with a backtrace. Commands write through `Console` instead and return the write
//! error; `cli::run` turns an error caused by a closed stream into a quiet success, as
//! ripgrep and other command line tools do: whoever stopped reading did not want the rest.

use std::io::{self, Write};

/// The two streams a command prints to.
pub struct Console {
    pub out: Stream<io::Stdout>,
    pub err: Stream<io::Stderr>,
}

impl Console {
    /// The process's standard output and error. Not locked for the command's lifetime: the
    /// log lines of `kinerja serve`'s worker threads go to standard error meanwhile (each
    /// `writeln!` still takes the lock once, so lines never interleave).
    pub fn std() -> Console {
        Console {
            out: Stream::new(io::stdout()),
            err: Stream::new(io::stderr()),
        }
    }

    /// Whether a write found its reader gone.
    pub fn closed(&self) -> bool {
        self.out.closed || self.err.closed
    }
}

/// A writer that notes a broken pipe.
pub struct Stream<W> {
    inner: W,
    closed: bool,
}

impl<W: Write> Stream<W> {
    fn new(inner: W) -> Stream<W> {
        Stream {
            inner,
            closed: false,
        }
    }

    fn note<T>(&mut self, result: io::Result<T>) -> io::Result<T> {
        if let Err(e) = &result {
            if e.kind() == io::ErrorKind::BrokenPipe {
                self.closed = true;
            }
        }
        result
    }
}

impl<W: Write> Write for Stream<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let result = self.inner.write(buf);
        self.note(result)
    }

    fn flush(&mut self) -> io::Result<()> {
        let result = self.inner.flush();
        self.note(result)
    }

    // Passed through whole so that `io::Stdout` and `io::Stderr` lock once per line.
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        let result = self.inner.write_all(buf);
        self.note(result)
    }

    fn write_fmt(&mut self, args: std::fmt::Arguments<'_>) -> io::Result<()> {
        let result = self.inner.write_fmt(args);
        self.note(result)
    }
}
