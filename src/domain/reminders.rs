//! The days after an invitation on which reminders go out (`campaign create --reminders 3,7`).

use std::fmt;

/// A reminder later than this many days after the invitation is refused: a campaign runs for
/// weeks, and a typo such as `30,70` should not schedule mail for months ahead.
pub const MAX_REMINDER_DAY: u16 = 90;
/// At most this many reminders per invitation: more is spam.
pub const MAX_REMINDERS: usize = 5;

/// Days after the invitation, ascending, each distinct, each in 1..=90; empty for none.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReminderDays(Vec<u16>);

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReminderDaysError {
    #[error("'{0}' is not a whole number of days")]
    NotANumber(String),
    #[error("day {0} is out of range: reminders go out 1 to {MAX_REMINDER_DAY} days after the invitation")]
    OutOfRange(u32),
    #[error("day {0} is given twice")]
    Repeated(u16),
    #[error("at most {MAX_REMINDERS} reminders (got {0})")]
    TooMany(usize),
}

impl ReminderDays {
    /// Parses "3,7" (spaces allowed, any order); "" is no reminders.
    pub fn parse(text: &str) -> Result<ReminderDays, ReminderDaysError> {
        let mut days = Vec::new();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let day: u32 = part
                .parse()
                .map_err(|_| ReminderDaysError::NotANumber(part.chars().take(80).collect()))?;
            days.push(day);
        }
        ReminderDays::from_days(days)
    }

    /// The days as given (an API body's list), checked as [`ReminderDays::parse`] checks them.
    pub fn from_days(
        given: impl IntoIterator<Item = u32>,
    ) -> Result<ReminderDays, ReminderDaysError> {
        let mut days = Vec::new();
        for day in given {
            if day == 0 || day > u32::from(MAX_REMINDER_DAY) {
                return Err(ReminderDaysError::OutOfRange(day));
            }
            days.push(day as u16);
        }
        days.sort_unstable();
        if let Some(w) = days.windows(2).find(|w| w[0] == w[1]) {
            return Err(ReminderDaysError::Repeated(w[0]));
        }
        if days.len() > MAX_REMINDERS {
            return Err(ReminderDaysError::TooMany(days.len()));
        }
        Ok(ReminderDays(days))
    }

    pub fn days(&self) -> &[u16] {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// "3,7", the form it is stored in and parsed from.
impl fmt::Display for ReminderDays {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for day in &self.0 {
            if !first {
                f.write_str(",")?;
            }
            first = false;
            write!(f, "{day}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sorts_and_refuses() {
        assert_eq!(ReminderDays::parse("7, 3").unwrap().days(), &[3, 7]);
        assert_eq!(ReminderDays::parse("7,3").unwrap().to_string(), "3,7");
        assert!(ReminderDays::parse("").unwrap().is_empty());
        assert_eq!(ReminderDays::from_days([7, 3]).unwrap().days(), &[3, 7]);
        assert_eq!(
            ReminderDays::from_days([3, 300]).unwrap_err(),
            ReminderDaysError::OutOfRange(300)
        );
        assert_eq!(
            ReminderDays::parse("3,x").unwrap_err().to_string(),
            "'x' is not a whole number of days"
        );
        assert_eq!(
            ReminderDays::parse("0").unwrap_err().to_string(),
            "day 0 is out of range: reminders go out 1 to 90 days after the invitation"
        );
        assert_eq!(
            ReminderDays::parse("91").unwrap_err(),
            ReminderDaysError::OutOfRange(91)
        );
        assert_eq!(
            ReminderDays::parse("3,3").unwrap_err(),
            ReminderDaysError::Repeated(3)
        );
        assert_eq!(
            ReminderDays::parse("1,2,3,4,5,6").unwrap_err(),
            ReminderDaysError::TooMany(6)
        );
    }
}
