//! Typed values of stored columns: id newtypes (a campaign id cannot be passed where a unit id
//! is expected) and statuses stored as text whose reading rejects an unknown value instead of
//! turning it into a default.

use std::fmt;
use std::str::FromStr;

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::{BigInt, Text};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, AsExpression, FromSqlRow,
            serde::Serialize, serde::Deserialize, utoipa::ToSchema,
        )]
        #[diesel(sql_type = BigInt)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl<DB> FromSql<BigInt, DB> for $name
        where
            DB: Backend,
            i64: FromSql<BigInt, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
                i64::from_sql(bytes).map($name)
            }
        }

        impl<DB> ToSql<BigInt, DB> for $name
        where
            DB: Backend,
            i64: ToSql<BigInt, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                <i64 as ToSql<BigInt, DB>>::to_sql(&self.0, out)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        /// Command-line arguments name ids as plain numbers.
        impl FromStr for $name {
            type Err = std::num::ParseIntError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.trim().parse().map($name)
            }
        }
    };
}

id_type!(
    /// A campaign: one template put to a set of units for one period.
    CampaignId
);
id_type!(
    /// A unit of the organisation's tree.
    UnitId
);
id_type!(
    /// A stored version of a template.
    TemplateId
);
id_type!(
    /// A personal invitation to a campaign.
    InvitationId
);
id_type!(
    /// A stored response.
    ResponseId
);
id_type!(
    /// A message in the outbox.
    MessageId
);
id_type!(
    /// An organizer's account (console and API).
    OrganizerId
);
id_type!(
    /// An API token of an organizer.
    ApiTokenId
);
id_type!(
    /// A line of the audit log.
    AuditId
);

macro_rules! text_enum {
    ($(#[$doc:meta])* $name:ident, $what:literal { $($(#[$vdoc:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, AsExpression, FromSqlRow)]
        #[diesel(sql_type = Text)]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            pub fn parse(s: &str) -> Option<$name> {
                match s {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl<DB> FromSql<Text, DB> for $name
        where
            DB: Backend,
            String: FromSql<Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
                let text = String::from_sql(bytes)?;
                $name::parse(&text)
                    .ok_or_else(|| format!("unknown {} '{}' in the database", $what, text).into())
            }
        }

        impl<DB> ToSql<Text, DB> for $name
        where
            DB: Backend,
            str: ToSql<Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                <str as ToSql<Text, DB>>::to_sql(self.as_str(), out)
            }
        }
    };
}

text_enum!(
    /// Whether a campaign takes responses.
    CampaignStatus, "campaign status" {
        /// Created but not yet accepting responses.
        Draft => "draft",
        Open => "open",
        Closed => "closed",
    }
);

text_enum!(
    /// Where an invitation stands; a used one never goes back.
    InvitationState, "invitation state" {
        Active => "active",
        Used => "used",
        Revoked => "revoked",
    }
);

text_enum!(
    /// Where a message in the outbox stands.
    OutboxStatus, "outbox status" {
        Queued => "queued",
        Sent => "sent",
        Failed => "failed",
    }
);

text_enum!(
    /// What an organizer may do: `admin` reads and changes, `viewer` only reads
    /// (`crate::access` adds `can_write`).
    Role, "organizer role" {
        Admin => "admin",
        Viewer => "viewer",
    }
);

#[cfg(test)]
mod tests {
    use diesel::prelude::*;
    use diesel::sql_types::Text;
    use diesel::IntoSql;

    use super::*;

    fn read_status(text: &str) -> Result<CampaignStatus, String> {
        let mut conn = SqliteConnection::establish(":memory:").map_err(|e| e.to_string())?;
        diesel::select(text.into_sql::<Text>())
            .get_result::<CampaignStatus>(&mut conn)
            .map_err(|e| {
                // diesel wraps the reason in "Error deserializing field"; the chain holds it.
                let mut reason = e.to_string();
                let mut source = std::error::Error::source(&e);
                while let Some(inner) = source {
                    reason = inner.to_string();
                    source = inner.source();
                }
                reason
            })
    }

    #[test]
    fn a_stored_status_reads_back_and_an_unknown_one_is_an_error() {
        assert_eq!(read_status("open"), Ok(CampaignStatus::Open));
        assert_eq!(read_status("closed"), Ok(CampaignStatus::Closed));
        assert_eq!(
            read_status("paused"),
            Err("unknown campaign status 'paused' in the database".to_owned())
        );
        assert_eq!(InvitationState::parse("used"), Some(InvitationState::Used));
        assert_eq!(InvitationState::parse("Used"), None);
        assert_eq!(OutboxStatus::ALL.len(), 3);
    }

    #[test]
    fn ids_print_and_parse_as_plain_numbers() {
        assert_eq!(CampaignId(42).to_string(), "42");
        assert_eq!(" 7".parse::<UnitId>(), Ok(UnitId(7)));
        assert!("x".parse::<UnitId>().is_err());
        assert_eq!(serde_json::to_string(&CampaignId(3)).ok(), Some("3".into()));
    }
}
