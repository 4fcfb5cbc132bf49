//! Passwords: at least 10 characters, stored as argon2id PHC strings (the `argon2` crate's
//! default parameters: 19 MiB, 2 passes, 1 lane, as OWASP recommends).

use std::io::Read;
use std::sync::OnceLock;

use argon2::{Argon2, PasswordHasher, PasswordVerifier};

use super::AccessError;

/// The fewest characters (Unicode scalar values, not bytes) a password may have.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// Checks the password rules; the error says what is wrong.
pub fn check_password(password: &str) -> Result<(), AccessError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AccessError::ShortPassword);
    }
    Ok(())
}

/// The argon2id PHC string (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`) of a password that
/// passes [`check_password`], with a fresh random salt.
pub fn hash_password(password: &str) -> Result<String, AccessError> {
    check_password(password)?;
    hash_unchecked(password)
}

fn hash_unchecked(password: &str) -> Result<String, AccessError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|e| AccessError::Hash(e.to_string()))
}

/// Whether the password matches the stored PHC string. A string that is not one never matches.
/// The parameters are the hash's own, so hashes made with other costs keep working.
pub fn verify_password(password_hash: &str, password: &str) -> bool {
    Argon2::default()
        .verify_password(password.as_bytes(), password_hash)
        .is_ok()
}

/// Spends the time of one verification on nothing, so that an unknown address or an account
/// without a password takes as long to refuse as a wrong password.
pub(super) fn verify_dummy(password: &str) {
    static DUMMY: OnceLock<Option<String>> = OnceLock::new();
    let dummy = DUMMY.get_or_init(|| {
        let random = crate::token::generate().token;
        hash_unchecked(&random).ok()
    });
    if let Some(hash) = dummy {
        let _ = verify_password(hash, password);
    }
}

/// Reads a password from `input` (standard input): all of it, less one trailing newline
/// (`\n` or `\r\n`), so `echo "$PW" | kinerja ...` works and spaces at either end are kept.
pub fn read_password(mut input: impl Read) -> Result<String, AccessError> {
    let mut bytes = Vec::new();
    input
        .read_to_end(&mut bytes)
        .map_err(|e| AccessError::ReadPassword(e.to_string()))?;
    let mut text =
        String::from_utf8(bytes).map_err(|_| AccessError::ReadPassword("not UTF-8 text".into()))?;
    if text.ends_with('\n') {
        text.pop();
        if text.ends_with('\r') {
            text.pop();
        }
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_need_ten_characters_and_hash_to_argon2id() {
        assert_eq!(
            hash_password("123456789").map_err(|e| e.to_string()),
            Err("password must be at least 10 characters".to_owned())
        );
        // Ten characters, eleven bytes: characters are what count.
        assert!(check_password("ééééééééé").is_err());
        assert!(check_password("éééééééééé").is_ok());
        let hash = hash_password("correct horse").expect("hash");
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(verify_password(&hash, "correct horse"));
        assert!(!verify_password(&hash, "correct horsE"));
        assert!(!verify_password("not a hash", "correct horse"));
        // Same password, another salt.
        assert_ne!(hash, hash_password("correct horse").expect("hash"));
    }

    #[test]
    fn reading_drops_one_trailing_newline_only() {
        let read = |s: &str| read_password(s.as_bytes()).expect("read");
        assert_eq!(read("secret pass\n"), "secret pass");
        assert_eq!(read("secret pass\r\n"), "secret pass");
        assert_eq!(read("secret pass\n\n"), "secret pass\n");
        assert_eq!(read(" secret pass "), " secret pass ");
        assert_eq!(read(""), "");
        assert!(read_password(&[0xff, 0xfe][..]).is_err());
    }
}
