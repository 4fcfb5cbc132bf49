//! Who is calling (the bearer token's organizer), what they may see (their scope), and the
//! request bodies the API accepts (type and size).

use actix_web::http::header;
use actix_web::http::StatusCode;
use actix_web::web::Bytes;
use actix_web::{web, HttpRequest};

use super::problem::ApiError;
use crate::access::{authenticate_token, Principal, Scope, TOKEN_PREFIX};
use crate::db::campaigns::{Campaign, CampaignUnit};
use crate::db::{self, Access, CampaignId, DbConn};
use crate::web::state::AppState;

/// The longest text taken for a token: a real one is 51 characters; anything much longer is
/// not hashed at all.
const MAX_TOKEN_CHARS: usize = 256;

/// The organizer the request's `Authorization: Bearer` token acts for; 401 without one or
/// with an unknown one.
pub async fn principal(req: &HttpRequest, state: &AppState) -> Result<Principal, ApiError> {
    let value = req.headers().get(header::AUTHORIZATION).ok_or_else(|| {
        ApiError::unauthorized(
            "an Authorization: Bearer <token> header is required (kinerja token create)",
        )
    })?;
    let token = value
        .to_str()
        .ok()
        .and_then(|v| {
            let (scheme, rest) = v.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
        })
        .filter(|t| !t.is_empty() && t.len() <= MAX_TOKEN_CHARS && t.starts_with(TOKEN_PREFIX))
        .ok_or_else(|| {
            ApiError::unauthorized("the token is missing, malformed, unknown or revoked")
        })?
        .to_owned();
    state
        .pool
        .run(Access::Read, move |conn| {
            Ok::<_, ApiError>(authenticate_token(conn, &token)?)
        })
        .await?
        .ok_or_else(|| {
            ApiError::unauthorized("the token is missing, malformed, unknown or revoked")
        })
}

/// 403 unless the principal may change things.
pub fn require_admin(principal: &Principal) -> Result<(), ApiError> {
    if principal.can_write() {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "this organizer is a viewer: only admins may change anything",
        ))
    }
}

/// 403 for a scoped admin: the unit tree and templates are the whole organisation's.
pub fn require_unscoped_admin(principal: &Principal, what: &str) -> Result<(), ApiError> {
    require_admin(principal)?;
    match &principal.scope {
        None => Ok(()),
        Some(scope) => Err(ApiError::forbidden(format!(
            "this organizer's scope is {scope}: only an organizer without a scope may change {what}"
        ))),
    }
}

/// A campaign as one organizer sees it: its snapshot and their scope in it.
pub struct ScopedCampaign {
    pub campaign: Campaign,
    /// The whole snapshot (covered units and their ancestors).
    pub units: Vec<CampaignUnit>,
    pub scope: Scope,
}

impl ScopedCampaign {
    /// The covered units inside the scope.
    pub fn visible_covered(&self) -> impl Iterator<Item = &CampaignUnit> {
        self.units
            .iter()
            .filter(|u| u.covered && self.scope.allows(&u.code))
    }

    /// Whether every covered unit is inside the scope (a scoped organizer may then change
    /// the campaign as a whole).
    pub fn wholly_in_scope(&self) -> bool {
        self.units
            .iter()
            .filter(|u| u.covered)
            .all(|u| self.scope.allows(&u.code))
    }
}

/// The campaign, if it exists and covers a unit of the principal's scope (scoped by the tree
/// the campaign was created with); None otherwise, which the caller answers as 404.
pub fn scoped_campaign(
    conn: &mut DbConn,
    principal: &Principal,
    id: CampaignId,
) -> Result<Option<ScopedCampaign>, ApiError> {
    let Some(campaign) = db::campaigns::get(conn, id)? else {
        return Ok(None);
    };
    let units = db::campaigns::units(conn, id)?;
    let scope = match principal.scope.as_deref() {
        None => Scope::Everything,
        Some(root) => Scope::from_edges(
            units
                .iter()
                .map(|u| (u.code.as_str(), u.parent_code.as_deref())),
            root,
        ),
    };
    let scoped = ScopedCampaign {
        campaign,
        units,
        scope,
    };
    let visible = scoped.visible_covered().next().is_some();
    Ok(visible.then_some(scoped))
}

pub fn no_campaign(id: &str) -> ApiError {
    ApiError::not_found(format!("no campaign {id}"))
}

/// A path's campaign id; anything that is not one is a campaign that does not exist.
pub fn campaign_id(text: &str) -> Result<CampaignId, ApiError> {
    text.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .map(CampaignId)
        .ok_or_else(|| no_campaign(text))
}

/// The campaign for a request by `principal`: 404 when it does not exist or is outside the
/// scope.
pub async fn load_campaign(
    state: &AppState,
    principal: &Principal,
    id_text: &str,
) -> Result<ScopedCampaign, ApiError> {
    let id = campaign_id(id_text)?;
    let principal = principal.clone();
    let id_text = id_text.to_owned();
    state
        .pool
        .run(Access::Read, move |conn| {
            scoped_campaign(conn, &principal, id)?.ok_or_else(|| no_campaign(&id_text))
        })
        .await
}

/// The kinds of body the uploads take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyKind {
    Csv,
    Toml,
    Json,
}

impl BodyKind {
    /// The media types accepted (`text/plain` too for files, as `curl --data-binary` with a
    /// plain type sends them).
    fn accepts(self, essence: &str) -> bool {
        match self {
            BodyKind::Csv => matches!(essence, "text/csv" | "text/plain"),
            BodyKind::Toml => {
                matches!(essence, "application/toml" | "text/toml" | "text/plain")
            }
            BodyKind::Json => essence == "application/json",
        }
    }

    fn expected(self) -> &'static str {
        match self {
            BodyKind::Csv => "text/csv",
            BodyKind::Toml => "application/toml",
            BodyKind::Json => "application/json",
        }
    }

    /// A CSV file may be large (tens of thousands of invitations); a template or a JSON
    /// request is small.
    pub fn limit(self) -> usize {
        match self {
            BodyKind::Csv => 10 * 1024 * 1024,
            BodyKind::Toml | BodyKind::Json => 1024 * 1024,
        }
    }
}

/// The body, checked for its type (415) and size (413) before it is read whole.
pub async fn read_body(
    req: &HttpRequest,
    payload: web::Payload,
    kind: BodyKind,
) -> Result<Bytes, ApiError> {
    let essence = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        });
    if !essence.as_deref().is_some_and(|e| kind.accepts(e)) {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!(
                "the body must be {} (Content-Type: {})",
                kind.expected(),
                essence.as_deref().unwrap_or("none")
            ),
        ));
    }
    let limit = kind.limit();
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the body is larger than {} MB", limit / (1024 * 1024)),
        )
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    match payload.to_bytes_limited(limit).await {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(e)) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("the body could not be read: {e}"),
        )),
        Err(_) => Err(too_large()),
    }
}

/// The body as UTF-8 text (a file with another encoding is refused with its first bad line).
pub fn body_text(bytes: &[u8]) -> Result<&str, ApiError> {
    std::str::from_utf8(bytes).map_err(|e| {
        let line = 1 + bytes[..e.valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count() as u64;
        ApiError::invalid_file(
            "the body is not UTF-8 text; nothing was stored",
            vec![super::problem::ProblemLine {
                line,
                column: None,
                message: "is not valid UTF-8 text".to_owned(),
            }],
        )
    })
}
