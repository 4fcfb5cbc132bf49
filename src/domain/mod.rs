//! Domain values that validate on construction: once a value of these types exists it is
//! known to be good, so no later layer checks it again.

mod email;
mod lang;
mod reminders;

pub use email::{EmailAddress, EmailError};
pub use lang::Lang;
pub use reminders::{ReminderDays, ReminderDaysError};

/// A value quoted back in a message is cut to this many characters.
const QUOTED_CHARS: usize = 80;

/// A value as an error message quotes it: in single quotes, cut to 80 characters with "…".
pub fn quoted(value: &str) -> String {
    format!("'{}'", cut(value, QUOTED_CHARS))
}

/// `value` cut to `max` characters, with "…" where something was cut off.
pub fn cut(value: &str, max: usize) -> String {
    let mut chars = value.chars();
    let head: String = chars.by_ref().take(max).collect();
    if chars.next().is_some() {
        format!("{}…", head.trim_end())
    } else {
        head
    }
}

/// A count with its noun in English, singular for exactly one: `count(1, "link", "links")`
/// is "1 link", `count(0, ...)` "0 links". Every message that counts things says it this way.
pub fn count(n: impl std::fmt::Display, one: &str, many: &str) -> String {
    let n = n.to_string();
    let noun = if n == "1" { one } else { many };
    format!("{n} {noun}")
}

/// Percent-encodes all but unreserved characters: unit codes are free
/// text, and go into the console's paths and links (pages and emails).
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn one_thing_is_singular_and_every_other_count_plural() {
        assert_eq!(super::count(1_usize, "link", "links"), "1 link");
        assert_eq!(super::count(0_i64, "link", "links"), "0 links");
        assert_eq!(
            super::count(2_u64, "unit head", "unit heads"),
            "2 unit heads"
        );
        assert_eq!(super::count(11_u32, "reply", "replies"), "11 replies");
    }
}
