use std::str::FromStr;

/// An email address as the mail sender will accept it: the same parser (lettre's `Address`)
/// checks it where it enters (a CSV line, a command-line flag), so an address that was
/// accepted never fails at send time for its form. Stored and compared in lower case.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EmailAddress(String);

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("is empty")]
    Empty,
    #[error("'{address}' is not an email address ({reason})")]
    Invalid { address: String, reason: String },
}

impl EmailAddress {
    pub fn parse(text: &str) -> Result<EmailAddress, EmailError> {
        let address = text.trim().to_lowercase();
        if address.is_empty() {
            return Err(EmailError::Empty);
        }
        let invalid = |reason: String| EmailError::Invalid {
            address: address.clone(),
            reason,
        };
        let parsed = lettre::Address::from_str(&address).map_err(|e| invalid(e.to_string()))?;
        // lettre parses a quoted local part ("a b"@x.org) but many servers refuse it at
        // delivery; nobody in an organisation's directory has one.
        if parsed.user().starts_with('"') {
            return Err(invalid("a quoted local part is not accepted".to_owned()));
        }
        Ok(EmailAddress(address))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for EmailAddress {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// Reading a stored address: only valid ones are ever written.
impl TryFrom<String> for EmailAddress {
    type Error = EmailError;
    fn try_from(text: String) -> Result<EmailAddress, EmailError> {
        EmailAddress::parse(&text)
    }
}

impl FromStr for EmailAddress {
    type Err = EmailError;
    fn from_str(text: &str) -> Result<EmailAddress, EmailError> {
        EmailAddress::parse(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_checked_and_kept_in_lower_case() {
        assert_eq!(
            EmailAddress::parse(" Budi.Santoso@Kemenkeu.go.id ").map(|a| a.to_string()),
            Ok("budi.santoso@kemenkeu.go.id".to_owned())
        );
        assert_eq!(EmailAddress::parse("  "), Err(EmailError::Empty));
        assert!(matches!(
            EmailAddress::parse("budi@"),
            Err(EmailError::Invalid { .. })
        ));
        assert_eq!(
            EmailAddress::parse("\"quoted local\"@example.org")
                .map_err(|e| e.to_string()),
            Err("'\"quoted local\"@example.org' is not an email address (a quoted local part is not accepted)".to_owned())
        );
    }
}
