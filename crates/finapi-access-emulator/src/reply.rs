//! finAPI-shaped responses: success JSON, `ErrorMessage` and the OAuth 401 body.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use finapi_access_types::{ErrorCode, ErrorDetails, ErrorMessage, ErrorType, OAuthError};

/// What every error body needs from the request: its id, endpoint and language.
#[derive(Debug, Clone)]
pub(crate) struct RequestCtx {
    pub(crate) request_id: String,
    pub(crate) endpoint: String,
    pub(crate) language: Language,
}

/// The languages finAPI answers in (`Accept-Language`: `de`, `en`, `cs`, `sk`; subtags are
/// ignored; German when none is given or none is supported).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Language {
    #[default]
    De,
    En,
    Cs,
    Sk,
}

impl Language {
    /// The supported language the client prefers most (highest `q`, then the first listed).
    pub(crate) fn from_header(value: Option<&str>) -> Self {
        let Some(value) = value else {
            return Self::default();
        };
        let mut best: Option<(f32, Self)> = None;
        for entry in value.split(',') {
            let mut parts = entry.split(';');
            let tag = parts.next().unwrap_or_default().trim();
            let primary = tag.split('-').next().unwrap_or_default();
            let language = match primary.to_ascii_lowercase().as_str() {
                "de" => Self::De,
                "en" => Self::En,
                "cs" => Self::Cs,
                "sk" => Self::Sk,
                _ => continue,
            };
            let q = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if q > 0.0 && best.is_none_or(|(b, _)| q > b) {
                best = Some((q, language));
            }
        }
        best.map_or_else(Self::default, |(_, language)| language)
    }
}

/// The messages finAPI itself writes for situations a client passes on to its end user,
/// in the request's language. Other messages are for developers and stay English, as
/// finAPI's TECHNICAL messages mostly are.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Message {
    BadUserCredentials,
    UserLocked,
    UserNotVerified,
}

impl Message {
    pub(crate) fn text(self, language: Language) -> &'static str {
        use Language::{Cs, De, En, Sk};
        match (self, language) {
            (Self::BadUserCredentials, De) => "Ungültige Benutzerdaten",
            (Self::BadUserCredentials, En) => "Bad user credentials",
            (Self::BadUserCredentials, Cs) => "Neplatné přihlašovací údaje uživatele",
            (Self::BadUserCredentials, Sk) => "Neplatné prihlasovacie údaje používateľa",
            (Self::UserLocked, De) => "Der Benutzer ist gesperrt",
            (Self::UserLocked, En) => "User is locked",
            (Self::UserLocked, Cs) => "Uživatel je zablokován",
            (Self::UserLocked, Sk) => "Používateľ je zablokovaný",
            (Self::UserNotVerified, De) => "Der Benutzer ist nicht verifiziert",
            (Self::UserNotVerified, En) => "User is not verified",
            (Self::UserNotVerified, Cs) => "Uživatel není ověřen",
            (Self::UserNotVerified, Sk) => "Používateľ nie je overený",
        }
    }
}

/// A handler's answer: success or a finAPI error, both already responses.
pub(crate) type Reply = Result<Response, Response>;

pub(crate) fn json<T: serde::Serialize>(status: StatusCode, body: &T) -> Response {
    (status, Json(body)).into_response()
}

pub(crate) fn empty_ok() -> Response {
    StatusCode::OK.into_response()
}

pub(crate) fn api_error(
    ctx: &RequestCtx,
    status: StatusCode,
    code: ErrorCode,
    message: impl Into<String>,
) -> Response {
    // As the spec's examples show: BUSINESS only for 451 (web form required) and 510
    // (multi-step authentication), TECHNICAL for every other status.
    let error_type = if matches!(status.as_u16(), 451 | 510) {
        ErrorType::Business
    } else {
        ErrorType::Technical
    };
    let mut body = ErrorMessage::new(ErrorDetails::new(code, error_type, message));
    body.date = Some(german_time(std::time::SystemTime::now()));
    body.request_id = Some(ctx.request_id.clone());
    body.endpoint = Some(ctx.endpoint.clone());
    body.auth_context = Some("1/1".to_owned());
    json(status, &body)
}

pub(crate) fn bad_request(
    ctx: &RequestCtx,
    code: ErrorCode,
    message: impl Into<String>,
) -> Response {
    api_error(ctx, StatusCode::BAD_REQUEST, code, message)
}

/// 400 `BAD_REQUEST` for a body field: `Field 'name' <rule>`.
pub(crate) fn bad_field(ctx: &RequestCtx, field: &str, rule: &str) -> Response {
    bad_request(
        ctx,
        ErrorCode::BadRequest,
        format!("Field '{field}' {rule}"),
    )
}

pub(crate) fn forbidden(ctx: &RequestCtx, message: impl Into<String>) -> Response {
    api_error(
        ctx,
        StatusCode::FORBIDDEN,
        ErrorCode::UnauthorizedAccess,
        message,
    )
}

pub(crate) fn unauthorized(error: &str, description: &str) -> Response {
    json(
        StatusCode::UNAUTHORIZED,
        &OAuthError::new(error, description),
    )
}

/// `YYYY-MM-DD HH:MM:SS.SSS` (UTC), finAPI's error date format.
pub(crate) fn finapi_date(at: std::time::SystemTime) -> String {
    let since = at.duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(i64::try_from(days).unwrap_or(0));
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}.{:03}",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60,
        since.subsec_millis()
    )
}

/// `YYYY-MM-DD HH:MM:SS.SSS` in German time (CET, or CEST from the last Sunday of March to
/// the last Sunday of October, switching at 01:00 UTC): the error `date` finAPI writes
/// ("german time" in its 1.162.0 spec).
pub(crate) fn german_time(at: std::time::SystemTime) -> String {
    let utc = at.duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    let secs = i64::try_from(utc.as_secs()).unwrap_or(0);
    let year = civil_from_days(secs.div_euclid(86_400)).0;
    let last_sunday = |month: u32, days_in_month: i64| {
        let last = days_from_civil(year, month, days_in_month);
        // 1970-01-01 was a Thursday: weekday 0 = Sunday is (days + 4) mod 7.
        last - (last + 4).rem_euclid(7)
    };
    let summer_from = last_sunday(3, 31) * 86_400 + 3600;
    let summer_to = last_sunday(10, 31) * 86_400 + 3600;
    let offset = if (summer_from..summer_to).contains(&secs) {
        7200
    } else {
        3600
    };
    finapi_date(at + std::time::Duration::from_secs(offset))
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: u32, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (
        y,
        u32::try_from(m).unwrap_or(1),
        u32::try_from(d).unwrap_or(1),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn error_dates_are_german_time() {
        // Winter: CET (UTC+1).
        let winter = UNIX_EPOCH + Duration::from_secs(1_795_000_000); // 2026-11-18 11:06:40 UTC
        assert_eq!(german_time(winter), "2026-11-18 12:06:40.000");
        // Summer: CEST (UTC+2).
        let summer = UNIX_EPOCH + Duration::from_secs(1_782_000_000); // 2026-06-21 00:00:00 UTC
        assert_eq!(german_time(summer), "2026-06-21 02:00:00.000");
        // The switches: 2026-03-29 01:00 UTC and 2026-10-25 01:00 UTC.
        let before = UNIX_EPOCH + Duration::from_secs(1_774_745_999);
        assert_eq!(german_time(before), "2026-03-29 01:59:59.000");
        let after = UNIX_EPOCH + Duration::from_secs(1_774_746_000);
        assert_eq!(german_time(after), "2026-03-29 03:00:00.000");
        let autumn = UNIX_EPOCH + Duration::from_secs(1_792_890_000);
        assert_eq!(
            german_time(autumn),
            "2026-10-25 02:00:00.000",
            "back to CET at 01:00 UTC"
        );
    }

    #[test]
    fn accept_language_picks_the_preferred_supported_language() {
        assert_eq!(
            Language::from_header(None),
            Language::De,
            "finAPI's default"
        );
        assert_eq!(
            Language::from_header(Some("en-US")),
            Language::En,
            "subtags ignored"
        );
        assert_eq!(Language::from_header(Some("fr, cs;q=0.5")), Language::Cs);
        assert_eq!(
            Language::from_header(Some("de;q=0.3, sk;q=0.8")),
            Language::Sk
        );
        assert_eq!(Language::from_header(Some("fr")), Language::De);
        assert_eq!(Language::from_header(Some("en;q=0")), Language::De);
    }

    #[test]
    fn dates_use_finapis_format() {
        assert_eq!(finapi_date(UNIX_EPOCH), "1970-01-01 00:00:00.000");
        let t = UNIX_EPOCH + Duration::from_millis(1_795_000_000_123);
        assert_eq!(finapi_date(t), "2026-11-18 11:06:40.123");
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400);
        assert_eq!(finapi_date(leap), "2000-02-29 00:00:00.000");
    }
}
