//! Keys and sealing. The server key never enters the database: it seals one data key per
//! campaign (stored sealed), and each data key seals that campaign's pending answers. Drafts are
//! sealed with a key derived from the link's own token, which the server sees only while the
//! respondent presents the link. Sealing is XChaCha20-Poly1305 (random 192-bit nonces, so no
//! counter has to be kept across instances); sealed bytes are `nonce || ciphertext || tag`.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use sha2::Sha256;

use crate::db::DatabaseUrl;

const KEY_BYTES: usize = 32;
const NONCE_BYTES: usize = 24;

/// Environment variable holding the key itself (base64 or hex of 32 bytes).
pub const KEY_ENV: &str = "KINERJA_SECRET_KEY";
/// Environment variable naming the key file (created, 0600, when absent).
pub const KEY_FILE_ENV: &str = "KINERJA_SECRET_KEY_FILE";

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("{KEY_ENV} must be 32 bytes written as base64 or hex ({0})")]
    BadValue(String),
    #[error("the key file {path} must hold 32 bytes written as base64 or hex ({reason})")]
    BadFile { path: String, reason: String },
    #[error("cannot read or create the key file {path}: {source}")]
    File {
        path: String,
        source: std::io::Error,
    },
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SealError {
    #[error("sealed data is damaged, or was sealed with another key")]
    Unreadable,
}

/// 32 secret bytes. Debug output never shows them.
#[derive(Clone)]
pub struct Key([u8; KEY_BYTES]);

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Key(***)")
    }
}

impl Key {
    pub fn generate() -> Key {
        let mut bytes = [0u8; KEY_BYTES];
        rand::rng().fill_bytes(&mut bytes);
        Key(bytes)
    }

    fn from_text(text: &str) -> Result<Key, String> {
        let text = text.trim();
        let bytes = if text.len() == 2 * KEY_BYTES && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            (0..KEY_BYTES)
                .map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16))
                .collect::<Result<Vec<u8>, _>>()
                .map_err(|e| e.to_string())?
        } else {
            base64::engine::general_purpose::STANDARD
                .decode(text)
                .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text))
                .map_err(|_| "neither base64 nor hex".to_owned())?
        };
        let bytes: [u8; KEY_BYTES] = bytes
            .try_into()
            .map_err(|b: Vec<u8>| format!("{} bytes, not {KEY_BYTES}", b.len()))?;
        Ok(Key(bytes))
    }

    fn to_text(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(self.0)
    }

    /// A key derived from a link's token: only someone presenting the link can open what it
    /// sealed (a draft), and the database holds only the token's SHA-256, from which this
    /// cannot be computed.
    pub fn from_token(token: &str) -> Key {
        Key(derive(token.as_bytes(), b"kinerja draft key v1"))
    }

    /// Names the key without revealing it: equal fingerprints, equal keys.
    pub fn fingerprint(&self) -> String {
        derive(&self.0, b"kinerja key fingerprint v1")[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// Seals `plain`, bound to `context` (which must be given again to open it, so sealed
    /// bytes cannot be moved to another row).
    pub fn seal(&self, context: &[u8], plain: &[u8]) -> Vec<u8> {
        let cipher = XChaCha20Poly1305::new((&self.0).into());
        let mut nonce = [0u8; NONCE_BYTES];
        rand::rng().fill_bytes(&mut nonce);
        // Encryption with a valid key and nonce length cannot fail; an empty result would
        // only make the value unreadable, never wrong.
        let sealed = cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plain,
                    aad: context,
                },
            )
            .unwrap_or_default();
        let mut out = Vec::with_capacity(NONCE_BYTES + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        out
    }

    pub fn open(&self, context: &[u8], sealed: &[u8]) -> Result<Vec<u8>, SealError> {
        if sealed.len() < NONCE_BYTES {
            return Err(SealError::Unreadable);
        }
        let (nonce, body) = sealed.split_at(NONCE_BYTES);
        XChaCha20Poly1305::new((&self.0).into())
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: body,
                    aad: context,
                },
            )
            .map_err(|_| SealError::Unreadable)
    }

    /// A data key sealed with this key.
    pub fn seal_key(&self, context: &[u8], key: &Key) -> Vec<u8> {
        self.seal(context, &key.0)
    }

    pub fn open_key(&self, context: &[u8], sealed: &[u8]) -> Result<Key, SealError> {
        let bytes = self.open(context, sealed)?;
        let bytes: [u8; KEY_BYTES] = bytes.try_into().map_err(|_| SealError::Unreadable)?;
        Ok(Key(bytes))
    }
}

fn derive(input: &[u8], info: &[u8]) -> [u8; KEY_BYTES] {
    let mut out = [0u8; KEY_BYTES];
    // 32 bytes is far below HKDF-SHA256's limit of 8,160, so expand cannot fail.
    let _ = hkdf::Hkdf::<Sha256>::new(Some(b"kinerja"), input).expand(info, &mut out);
    out
}

/// Where the server key comes from, in order: `KINERJA_SECRET_KEY`, the file named by
/// `KINERJA_SECRET_KEY_FILE`, else a file beside the SQLite database (`kinerja.db.key`) or,
/// on PostgreSQL, `kinerja.key` in the working folder. A file that does not exist is created
/// with a new random key, readable by its owner only.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeySource {
    Value(String),
    File(PathBuf),
}

impl KeySource {
    pub fn from_env(database: &DatabaseUrl) -> KeySource {
        if let Some(value) = std::env::var(KEY_ENV).ok().filter(|v| !v.trim().is_empty()) {
            return KeySource::Value(value);
        }
        if let Some(path) = std::env::var_os(KEY_FILE_ENV).filter(|p| !p.is_empty()) {
            return KeySource::File(PathBuf::from(path));
        }
        KeySource::File(match database {
            DatabaseUrl::Sqlite(path) => PathBuf::from(format!("{path}.key")),
            DatabaseUrl::Postgres(_) => PathBuf::from("kinerja.key"),
        })
    }

    pub fn load(&self) -> Result<Key, KeyError> {
        match self {
            KeySource::Value(text) => Key::from_text(text).map_err(KeyError::BadValue),
            KeySource::File(path) => load_or_create(path),
        }
    }
}

fn load_or_create(path: &Path) -> Result<Key, KeyError> {
    let shown = path.display().to_string();
    let file_error = |source| KeyError::File {
        path: shown.clone(),
        source,
    };
    match std::fs::read_to_string(path) {
        Ok(text) => {
            return Key::from_text(&text).map_err(|reason| KeyError::BadFile {
                path: shown.clone(),
                reason,
            })
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(file_error(e)),
    }
    // Written whole under a temporary name, then linked into place: a second process starting
    // at the same moment either wins the link or reads the finished file, never half of it.
    let key = Key::generate();
    let temporary = path.with_extension(format!("tmp{:016x}", rand::random::<u64>()));
    let written = (|| {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&temporary)?;
        writeln!(file, "{}", key.to_text())?;
        file.sync_all()
    })();
    let linked = written.and_then(|()| std::fs::hard_link(&temporary, path));
    let _ = std::fs::remove_file(&temporary);
    match linked {
        Ok(()) => Ok(key),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => load_or_create(path),
        Err(e) => Err(file_error(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_bytes_open_with_the_same_key_and_context_only() {
        let key = Key::generate();
        let sealed = key.seal(b"campaign 7", b"answers 3 4 5");
        assert_eq!(sealed.len(), 24 + 13 + 16);
        assert_eq!(
            key.open(b"campaign 7", &sealed),
            Ok(b"answers 3 4 5".to_vec())
        );
        assert_eq!(key.open(b"campaign 8", &sealed), Err(SealError::Unreadable));
        assert_eq!(
            Key::generate().open(b"campaign 7", &sealed),
            Err(SealError::Unreadable)
        );
        // Two seals of one text differ (random nonces): equal answers look unrelated.
        assert_ne!(sealed, key.seal(b"campaign 7", b"answers 3 4 5"));
    }

    #[test]
    fn token_keys_are_stable_and_distinct() {
        let a = Key::from_token("token-a");
        assert_eq!(a.fingerprint(), Key::from_token("token-a").fingerprint());
        assert_ne!(a.fingerprint(), Key::from_token("token-b").fingerprint());
        assert_eq!(a.fingerprint().len(), 32);
    }

    #[test]
    fn keys_read_from_base64_and_hex_and_files_are_created_private() {
        let hex = "00".repeat(31) + "ff";
        assert!(Key::from_text(&hex).is_ok());
        assert_eq!(
            Key::from_text("c2hvcnQ=").map(|_| ()),
            Err("5 bytes, not 32".to_owned())
        );
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("kinerja.db.key");
        let first = load_or_create(&path).expect("created");
        let again = load_or_create(&path).expect("read");
        assert_eq!(first.fingerprint(), again.fingerprint());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path)
                .expect("metadata")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::write(&path, "not a key\n").expect("write");
        assert!(matches!(
            load_or_create(&path),
            Err(KeyError::BadFile { .. })
        ));
    }
}
