//! The token endpoint's success body (`AccessToken` in finAPI's spec).

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::secret::{AccessToken, RefreshToken};

/// The `token_type` of a token response. finAPI always sends `bearer`; it is compared
/// case-insensitively, and any other value is kept as it came.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenType {
    /// `bearer`, in any letter case.
    Bearer,
    /// A token type this SDK does not know how to use.
    Other(String),
}

impl TokenType {
    /// The wire spelling (`bearer` for [`TokenType::Bearer`]).
    pub fn as_str(&self) -> &str {
        match self {
            Self::Bearer => "bearer",
            Self::Other(other) => other,
        }
    }
}

impl From<&str> for TokenType {
    fn from(value: &str) -> Self {
        if value.eq_ignore_ascii_case("bearer") {
            Self::Bearer
        } else {
            Self::Other(value.to_owned())
        }
    }
}

impl Serialize for TokenType {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for TokenType {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = String::deserialize(deserializer)?;
        Ok(Self::from(value.as_str()))
    }
}

/// A token's lifetime in seconds, as `expires_in` gives it; `0` means it never expires.
///
/// Decodes from a JSON number or a numeric string (some servers send `"3600"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct ExpiresIn(u64);

impl ExpiresIn {
    /// A lifetime of `seconds`; `0` means the token never expires.
    pub fn from_secs(seconds: u64) -> Self {
        Self(seconds)
    }

    /// The raw number of seconds (`0` = never expires).
    pub fn as_secs(self) -> u64 {
        self.0
    }

    /// The lifetime, or `None` when the token never expires.
    pub fn lifetime(self) -> Option<std::time::Duration> {
        (self.0 != 0).then(|| std::time::Duration::from_secs(self.0))
    }
}

impl<'de> Deserialize<'de> for ExpiresIn {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = ExpiresIn;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a non-negative number of seconds, as a number or a numeric string")
            }

            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<ExpiresIn, E> {
                Ok(ExpiresIn(v))
            }

            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<ExpiresIn, E> {
                u64::try_from(v)
                    .map(ExpiresIn)
                    .map_err(|_| E::custom("expires_in must not be negative"))
            }

            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<ExpiresIn, E> {
                if v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v <= u64::MAX as f64 {
                    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                    Ok(ExpiresIn(v as u64))
                } else {
                    Err(E::custom("expires_in must be a whole non-negative number"))
                }
            }

            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<ExpiresIn, E> {
                v.trim()
                    .parse::<u64>()
                    .map(ExpiresIn)
                    .map_err(|_| E::custom("expires_in is a string but not a number"))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// The token endpoint's success body (finAPI model `AccessToken`).
///
/// `Debug` is safe to log: both tokens print as `[redacted]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TokenResponse {
    /// The access token (up to 128 characters).
    pub access_token: AccessToken,
    /// The token type; finAPI always sends `bearer`.
    pub token_type: TokenType,
    /// Lifetime in seconds; `0` means it never expires.
    pub expires_in: ExpiresIn,
    /// A refresh token: only for the `password` grant, and not always then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<RefreshToken>,
    /// The scope; finAPI always sends `all`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

impl TokenResponse {
    /// A bearer token response: for emulators and tests.
    pub fn bearer(
        access_token: AccessToken,
        expires_in: ExpiresIn,
        refresh_token: Option<RefreshToken>,
    ) -> Self {
        Self {
            access_token,
            token_type: TokenType::Bearer,
            expires_in,
            refresh_token,
            scope: Some("all".to_owned()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_finapi_example_and_compares_token_type_case_insensitively() {
        let body =
            r#"{"access_token":"tok-1","token_type":"BEARER","expires_in":3599,"scope":"all"}"#;
        let token: TokenResponse = serde_json::from_str(body).unwrap();
        assert_eq!(token.access_token.expose_secret(), "tok-1");
        assert_eq!(token.token_type, TokenType::Bearer);
        assert_eq!(token.expires_in.as_secs(), 3599);
        assert!(token.refresh_token.is_none());
        assert_eq!(token.scope.as_deref(), Some("all"));
    }

    #[test]
    fn expires_in_accepts_a_numeric_string_and_zero_means_never() {
        let body =
            r#"{"access_token":"t","token_type":"bearer","expires_in":"0","refresh_token":"r"}"#;
        let token: TokenResponse = serde_json::from_str(body).unwrap();
        assert_eq!(token.expires_in.lifetime(), None);
        assert_eq!(token.refresh_token.unwrap().expose_secret(), "r");
        let later: ExpiresIn = serde_json::from_str("\" 60 \"").unwrap();
        assert_eq!(later.lifetime(), Some(std::time::Duration::from_secs(60)));
    }

    #[test]
    fn expires_in_refuses_negative_and_junk() {
        assert!(serde_json::from_str::<ExpiresIn>("-1").is_err());
        assert!(serde_json::from_str::<ExpiresIn>("\"soon\"").is_err());
        assert!(serde_json::from_str::<ExpiresIn>("1.5").is_err());
        assert_eq!(
            serde_json::from_str::<ExpiresIn>("60.0").unwrap().as_secs(),
            60
        );
    }

    #[test]
    fn token_response_debug_hides_both_tokens() {
        let body = r#"{"access_token":"acc-SECRET","token_type":"bearer","expires_in":1,"refresh_token":"ref-SECRET"}"#;
        let token: TokenResponse = serde_json::from_str(body).unwrap();
        let printed = format!("{token:?}");
        assert!(!printed.contains("SECRET"), "{printed}");
    }
}
