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
}
