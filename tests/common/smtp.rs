//! A small SMTP server on loopback for tests: records every message, and can refuse chosen
//! recipients with a permanent 550.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

#[derive(Clone, Debug)]
pub struct Received {
    pub to: Vec<String>,
    pub data: String,
}

impl Received {
    /// The message with quoted-printable decoded (soft line breaks and =XX escapes), for
    /// searching.
    pub fn joined(&self) -> String {
        let text = self.data.replace("=\r\n", "");
        let bytes = text.as_bytes();
        let mut decoded = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .filter(|_| bytes[i] == b'=');
            match hex {
                Some(byte) => {
                    decoded.push(byte);
                    i += 3;
                }
                None => {
                    decoded.push(bytes[i]);
                    i += 1;
                }
            }
        }
        String::from_utf8_lossy(&decoded).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.data
            .lines()
            .take_while(|l| !l.is_empty())
            .find(|l| {
                l.to_ascii_lowercase()
                    .starts_with(&format!("{}:", name.to_ascii_lowercase()))
            })
            .map(|l| l[name.len() + 1..].trim().to_owned())
    }

    /// Who it says it is from, and where replies go: (From, Reply-To).
    pub fn sender(&self) -> (Option<String>, Option<String>) {
        (self.header("From"), self.header("Reply-To"))
    }

    /// The first link token (`/r/` followed by 43 URL-safe characters) in the message.
    pub fn token(&self) -> Option<String> {
        let text = self.joined();
        let start = text.find("/r/")? + 3;
        let token: String = text[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        (token.len() == 43).then_some(token)
    }
}

pub struct SmtpSink {
    pub port: u16,
    received: Arc<Mutex<Vec<Received>>>,
    rejected: Arc<Mutex<HashSet<String>>>,
    /// Answer every MAIL FROM with 530 (authentication required), as a server does to a
    /// sender whose account is not set up.
    refuse_sender: Arc<AtomicBool>,
    /// Messages beyond this many are read but never acknowledged (the sender waits).
    hold_after: Arc<std::sync::atomic::AtomicUsize>,
    stop: Arc<AtomicBool>,
}

impl SmtpSink {
    pub fn start() -> SmtpSink {
        SmtpSink::listen(TcpListener::bind("127.0.0.1:0").expect("bind SMTP sink"))
    }

    /// On a given port (one that was free a moment ago).
    pub fn start_on(port: u16) -> SmtpSink {
        SmtpSink::listen(TcpListener::bind(("127.0.0.1", port)).expect("bind SMTP sink"))
    }

    fn listen(listener: TcpListener) -> SmtpSink {
        let port = listener.local_addr().expect("address").port();
        let sink = SmtpSink {
            port,
            received: Arc::default(),
            rejected: Arc::default(),
            refuse_sender: Arc::default(),
            hold_after: Arc::new(std::sync::atomic::AtomicUsize::new(usize::MAX)),
            stop: Arc::default(),
        };
        let (received, rejected, refuse_sender, hold_after, stop) = (
            sink.received.clone(),
            sink.rejected.clone(),
            sink.refuse_sender.clone(),
            sink.hold_after.clone(),
            sink.stop.clone(),
        );
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let (received, rejected, refuse_sender, hold_after, stop) = (
                    received.clone(),
                    rejected.clone(),
                    refuse_sender.clone(),
                    hold_after.clone(),
                    stop.clone(),
                );
                std::thread::spawn(move || {
                    let _ = session(
                        stream,
                        &received,
                        &rejected,
                        &refuse_sender,
                        &hold_after,
                        &stop,
                    );
                });
            }
        });
        sink
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn reject(&self, address: &str) {
        self.rejected
            .lock()
            .expect("lock")
            .insert(address.to_owned());
    }

    /// While true, every MAIL FROM is answered 530 (a permanent code about our account, not
    /// about any recipient).
    pub fn refuse_sender(&self, refuse: bool) {
        self.refuse_sender.store(refuse, Ordering::SeqCst);
    }

    /// From now on, accept only `n` messages in all; later ones are read and never answered
    /// (a server that hangs mid-delivery), until the sink is dropped.
    pub fn hold_after(&self, n: usize) {
        self.hold_after.store(n, Ordering::SeqCst);
    }

    pub fn messages(&self) -> Vec<Received> {
        self.received.lock().expect("lock").clone()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn session(
    stream: TcpStream,
    received: &Mutex<Vec<Received>>,
    rejected: &Mutex<HashSet<String>>,
    refuse_sender: &AtomicBool,
    hold_after: &std::sync::atomic::AtomicUsize,
    stop: &AtomicBool,
) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let mut out = stream.try_clone()?;
    let mut reader = BufReader::new(stream);
    out.write_all(b"220 sink ESMTP\r\n")?;
    let mut to = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_ascii_uppercase();
        if command.starts_with("EHLO") {
            out.write_all(b"250-sink\r\n250 8BITMIME\r\n")?;
        } else if command.starts_with("MAIL FROM") && refuse_sender.load(Ordering::SeqCst) {
            out.write_all(b"530 5.7.0 Authentication required\r\n")?;
        } else if command.starts_with("MAIL FROM") || command.starts_with("RSET") {
            to.clear();
            out.write_all(b"250 OK\r\n")?;
        } else if command.starts_with("RCPT TO") {
            let address = line.trim_end()[8..]
                .trim()
                .trim_start_matches('<')
                .split('>')
                .next()
                .unwrap_or("")
                .to_owned();
            if rejected.lock().expect("lock").contains(&address) {
                out.write_all(b"550 5.1.1 no such user here\r\n")?;
            } else {
                to.push(address);
                out.write_all(b"250 OK\r\n")?;
            }
        } else if command == "DATA" {
            out.write_all(b"354 end with .\r\n")?;
            let mut data = String::new();
            loop {
                line.clear();
                if reader.read_line(&mut line)? == 0 {
                    return Ok(());
                }
                if line == ".\r\n" {
                    break;
                }
                data.push_str(
                    line.strip_prefix('.')
                        .filter(|_| line.starts_with(".."))
                        .unwrap_or(&line),
                );
            }
            {
                let mut received = received.lock().expect("lock");
                if received.len() >= hold_after.load(Ordering::SeqCst) {
                    drop(received);
                    while !stop.load(Ordering::SeqCst) {
                        std::thread::sleep(std::time::Duration::from_millis(20));
                    }
                    return Ok(());
                }
                received.push(Received {
                    to: std::mem::take(&mut to),
                    data,
                });
            }
            out.write_all(b"250 OK queued\r\n")?;
        } else if command == "QUIT" {
            out.write_all(b"221 bye\r\n")?;
            return Ok(());
        } else {
            out.write_all(b"250 OK\r\n")?;
        }
    }
}
