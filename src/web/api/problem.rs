//! Errors of the API as RFC 9457 problem details (`application/problem+json`), and how each
//! library error maps to a status. A failure of ours (5xx) is logged and answered without its
//! detail, which could name paths or queries.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::access::AccessError;
use crate::campaign::CampaignError;
use crate::db::templates::TemplateStoreError;
use crate::db::DbError;
use crate::import::{ImportError, InputIssues};
use crate::mail::campaign::OutreachError;
use crate::pending::PendingError;
use crate::results::ResultsError;
use crate::template::TemplateIssue;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// A problem: RFC 9457. `type` is always `about:blank`, so `title` is the status's reason
/// phrase and `detail` says what happened.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize, ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    #[schema(example = "about:blank")]
    pub kind: String,
    #[schema(example = "Unprocessable Content")]
    pub title: String,
    #[schema(example = 422)]
    pub status: u16,
    pub detail: String,
    /// The problems of an uploaded file, by line (the header or first line is 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<ProblemLine>>,
}

/// One problem in an uploaded file.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize, ToSchema)]
pub struct ProblemLine {
    /// 1-based line; 0 when the file as a whole is concerned.
    pub line: u64,
    /// A CSV file's column (its header name), or a TOML file's column (1-based, in
    /// characters); null when the whole line is concerned.
    pub column: Option<Column>,
    pub message: String,
}

/// A column by header name (CSV) or by position (TOML).
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize, ToSchema)]
#[serde(untagged)]
pub enum Column {
    Position(u64),
    Name(String),
}

/// An API error: the status and what to tell the client.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub detail: String,
    pub errors: Option<Vec<ProblemLine>>,
    /// The methods a route takes, for a 405's `Allow` header.
    pub allow: Option<&'static str>,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status.as_u16(), self.detail)
    }
}

impl ApiError {
    pub fn new(status: StatusCode, detail: impl Into<String>) -> ApiError {
        ApiError {
            status,
            detail: detail.into(),
            errors: None,
            allow: None,
        }
    }

    pub fn unauthorized(detail: &str) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, detail)
    }

    pub fn forbidden(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, detail)
    }

    pub fn not_found(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, detail)
    }

    pub fn unprocessable(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, detail)
    }

    pub fn conflict(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, detail)
    }

    /// A failure of ours: logged in full, answered in general terms.
    pub fn internal(error: &dyn std::fmt::Display) -> ApiError {
        tracing::error!(%error, "API request failed");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the server failed to answer; the failure is logged",
        )
    }

    /// A file whose lines have problems (422), with each problem.
    pub fn invalid_file(detail: impl Into<String>, errors: Vec<ProblemLine>) -> ApiError {
        ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            detail: detail.into(),
            errors: Some(errors),
            allow: None,
        }
    }

    pub fn problem(&self) -> Problem {
        Problem {
            kind: "about:blank".to_owned(),
            title: self.status.canonical_reason().unwrap_or("Error").to_owned(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            errors: self.errors.clone(),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status)
            .content_type(PROBLEM_JSON)
            .json(self.problem());
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"kinerja\""),
            );
        }
        if let Some(allow) = self.allow {
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static(allow));
        }
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    }
}

/// The lines of a CSV import's problems (and a count of those not listed).
pub fn input_issues(issues: InputIssues) -> ApiError {
    let total = issues.total();
    let errors = issues
        .issues
        .into_iter()
        .map(|issue| ProblemLine {
            line: issue.line,
            column: issue.column.map(Column::Name),
            message: issue.message,
        })
        .collect();
    let more = if issues.unlisted > 0 {
        format!(" ({} more not listed)", issues.unlisted)
    } else {
        String::new()
    };
    ApiError::invalid_file(
        format!(
            "{total} problem{} found in the file{more}; nothing was stored",
            if total == 1 { "" } else { "s" }
        ),
        errors,
    )
}

/// The problems a template's checker found.
pub fn template_issues(issues: Vec<TemplateIssue>) -> ApiError {
    let total = issues.len();
    ApiError::invalid_file(
        format!(
            "{total} problem{} found in the template; nothing was stored",
            if total == 1 { "" } else { "s" }
        ),
        issues
            .into_iter()
            .map(|issue| ProblemLine {
                line: issue.line as u64,
                column: Some(Column::Position(issue.column as u64)),
                message: issue.message,
            })
            .collect(),
    )
}

impl From<DbError> for ApiError {
    fn from(error: DbError) -> ApiError {
        ApiError::internal(&error)
    }
}

impl From<AccessError> for ApiError {
    fn from(error: AccessError) -> ApiError {
        ApiError::internal(&error)
    }
}

impl From<CampaignError> for ApiError {
    fn from(error: CampaignError) -> ApiError {
        match &error {
            CampaignError::Unknown(id) => ApiError::not_found(format!("no campaign {id}")),
            CampaignError::Closed(id) => {
                ApiError::conflict(format!("campaign {id} is closed and accepts no responses"))
            }
            CampaignError::NotOpen(id) => ApiError::conflict(format!(
                "campaign {id} is not open yet; POST /api/v1/campaigns/{id}/open opens it"
            )),
            CampaignError::UnknownTemplate { key, version } => ApiError::unprocessable(format!(
                "template '{key}'{} is not imported; POST it to /api/v1/templates first",
                version.map(|v| format!(" version {v}")).unwrap_or_default()
            )),
            CampaignError::UnknownUnits(codes) => ApiError::unprocessable(format!(
                "unknown unit{} {}",
                if codes.len() > 1 { "s" } else { "" },
                codes.join(", ")
            )),
            CampaignError::NoUnits => ApiError::unprocessable(
                "the organisation has no units yet; POST a unit file to /api/v1/units first",
            ),
            CampaignError::Empty(what) => ApiError::unprocessable(format!(
                "{} must not be empty",
                what.trim_start_matches('-')
            )),
            CampaignError::MinResponses(n) => {
                ApiError::unprocessable(format!("min_responses must be at least 1 (got {n})"))
            }
            CampaignError::Template(_) | CampaignError::Db(_) => ApiError::internal(&error),
        }
    }
}

impl From<ImportError> for ApiError {
    fn from(error: ImportError) -> ApiError {
        match error {
            ImportError::Input(issues) => input_issues(issues),
            ImportError::AlreadyImported {
                campaign,
                sha256_prefix,
                at,
                ..
            } => ApiError::conflict(format!(
                "this file (SHA-256 {sha256_prefix}…) was already imported into campaign \
                 {campaign} on {at} UTC; importing it again would count its answers twice \
                 (?allow_duplicate=true if that is really wanted)"
            )),
            ImportError::Campaign(e) => e.into(),
            ImportError::Db(e) => e.into(),
        }
    }
}

impl From<ResultsError> for ApiError {
    fn from(error: ResultsError) -> ApiError {
        match &error {
            ResultsError::UnknownCampaign(id) => ApiError::not_found(format!("no campaign {id}")),
            ResultsError::CompareWithItself(id) => ApiError::unprocessable(format!(
                "compare={id}: a campaign cannot be compared with itself"
            )),
            ResultsError::CompareOtherTemplate {
                id,
                key,
                other,
                other_key,
            } => ApiError::unprocessable(format!(
                "compare={other}: campaign {other} uses template '{other_key}', campaign {id} \
                 uses '{key}'; periods compare only within one template"
            )),
            ResultsError::UnknownUnit { campaign, code } => ApiError::unprocessable(format!(
                "under={code}: no unit '{code}' in campaign {campaign}"
            )),
            ResultsError::Template(_) | ResultsError::Db(_) => ApiError::internal(&error),
        }
    }
}

impl From<TemplateStoreError> for ApiError {
    fn from(error: TemplateStoreError) -> ApiError {
        match &error {
            TemplateStoreError::InUse { .. } => ApiError::conflict(error.to_string()),
            _ => ApiError::internal(&error),
        }
    }
}

impl From<PendingError> for ApiError {
    fn from(error: PendingError) -> ApiError {
        match error {
            PendingError::Campaign(e) => e.into(),
            other => ApiError::internal(&other),
        }
    }
}

impl From<OutreachError> for ApiError {
    fn from(error: OutreachError) -> ApiError {
        match error {
            OutreachError::Campaign(e) => e.into(),
            OutreachError::Import(e) => e.into(),
            OutreachError::Results(e) => e.into(),
            other => ApiError::internal(&other),
        }
    }
}
