use serde::Serialize;

/// The two languages every text, page and message can be shown in. Parsed once, where it
/// enters (a file, a form, a query string, a stored row), and carried as this type after.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// Indonesian, the default.
    #[default]
    Id,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Id, Lang::En];

    pub fn parse(code: &str) -> Option<Lang> {
        match code.trim().to_ascii_lowercase().as_str() {
            "id" => Some(Lang::Id),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Id => "id",
            Lang::En => "en",
        }
    }

    /// A day as people write it: "31 Desember 2026", "31 December 2026". Spelled out rather
    /// than numeric, since 12/01 reads as a different day in each language's custom.
    pub fn long_date(self, day: chrono::NaiveDate) -> String {
        use chrono::Datelike as _;
        const ID: [&str; 12] = [
            "Januari",
            "Februari",
            "Maret",
            "April",
            "Mei",
            "Juni",
            "Juli",
            "Agustus",
            "September",
            "Oktober",
            "November",
            "Desember",
        ];
        const EN: [&str; 12] = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ];
        let months = match self {
            Lang::Id => &ID,
            Lang::En => &EN,
        };
        // month0() is 0..=11 by construction.
        let month = months[day.month0() as usize];
        format!("{} {month} {}", day.day(), day.year())
    }

    /// An estimated answering time: "sekitar 6 menit", "about 6 minutes" ("about 1 minute").
    pub fn about_minutes(self, minutes: u32) -> String {
        match (self, minutes) {
            (Lang::Id, n) => format!("sekitar {n} menit"),
            (Lang::En, 1) => "about 1 minute".to_owned(),
            (Lang::En, n) => format!("about {n} minutes"),
        }
    }
}

impl std::fmt::Display for Lang {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// Reading a stored language: anything but a known code is an error, never a default.
impl TryFrom<String> for Lang {
    type Error = String;
    fn try_from(code: String) -> Result<Lang, String> {
        Lang::parse(&code).ok_or_else(|| format!("unknown language '{code}'"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_parse_in_any_case_and_nothing_else() {
        assert_eq!(Lang::parse(" EN "), Some(Lang::En));
        assert_eq!(Lang::parse("id"), Some(Lang::Id));
        assert_eq!(Lang::parse("ind"), None);
        assert_eq!(
            Lang::try_from("fr".to_owned()),
            Err("unknown language 'fr'".into())
        );
    }

    #[test]
    fn days_and_minutes_read_as_people_write_them() {
        let day = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).expect("a real day");
        assert_eq!(Lang::Id.long_date(day(2026, 12, 31)), "31 Desember 2026");
        assert_eq!(Lang::En.long_date(day(2026, 12, 31)), "31 December 2026");
        assert_eq!(Lang::Id.long_date(day(2027, 1, 5)), "5 Januari 2027");
        assert_eq!(Lang::En.long_date(day(2027, 8, 17)), "17 August 2027");
        assert_eq!(Lang::Id.about_minutes(1), "sekitar 1 menit");
        assert_eq!(Lang::En.about_minutes(1), "about 1 minute");
        assert_eq!(Lang::En.about_minutes(8), "about 8 minutes");
    }
}
