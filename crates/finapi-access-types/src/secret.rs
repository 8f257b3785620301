//! Secret newtypes: values that must never reach a log.
//!
//! Each type prints `Name([redacted])` from `Debug`, has no `Display`, no `PartialEq`
//! (compare with [`expose_secret`](ClientSecret::expose_secret) if you must), and zeroes its
//! memory when the last clone is dropped (clones share one copy).

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use zeroize::Zeroize;

/// A secret's text, zeroed when the last holder drops it. Secrets are shared, not copied:
/// cloning one (a cached token handed to every call) is a reference count, not an allocation,
/// a copy and a zeroing.
struct Zeroed(String);

impl Drop for Zeroed {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

macro_rules! secret_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone)]
        pub struct $name(std::sync::Arc<Zeroed>);

        impl $name {
            /// Wraps a secret value.
            pub fn new(value: impl Into<String>) -> Self {
                Self(std::sync::Arc::new(Zeroed(value.into())))
            }

            /// The secret value itself.
            ///
            /// # Security
            ///
            /// The returned string is the raw secret: do not log it, print it or put it
            /// in an error message.
            pub fn expose_secret(&self) -> &str {
                &self.0.0
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(concat!(stringify!($name), "([redacted])"))
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                String::deserialize(deserializer).map(Self::new)
            }
        }
    };
}

secret_type!(
    /// The client secret of a finAPI client (application), sent with every token grant.
    ClientSecret
);
secret_type!(
    /// An OAuth access token, sent as `Authorization: Bearer <token>`.
    AccessToken
);
secret_type!(
    /// An OAuth refresh token, exchanged for a new access token with the `refresh_token` grant.
    RefreshToken
);

secret_type!(
    /// Any other secret value a request carries (a token in a body or query, a password in
    /// a product's request), kept so it can be scrubbed from errors and zeroed when dropped.
    SecretString
);

secret_type!(
    /// A password change token as finAPI returns it: encrypted with the client's data
    /// decryption key. Decrypt it (outside this SDK) into a [`PasswordChangeToken`].
    EncryptedPasswordChangeToken
);

/// A decrypted password change token (finAPI: only `0-9 a-f -`, for example a UUID).
#[derive(Clone)]
pub struct PasswordChangeToken(String);

impl PasswordChangeToken {
    /// Checks finAPI's pattern (`[0-9a-f-]+`) and wraps the decrypted token.
    ///
    /// # Errors
    ///
    /// A [`crate::ValidationError`] for `passwordChangeToken` when the value is empty or holds
    /// other characters (a sign it was not decrypted). The error never contains the value.
    pub fn new(value: impl Into<String>) -> Result<Self, crate::ValidationError> {
        let value = Self(value.into());
        if value.0.is_empty()
            || !value
                .0
                .chars()
                .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c) || c == '-')
        {
            return Err(crate::ValidationError::new(
                "passwordChangeToken",
                "must be the decrypted token: only 0-9, a-f and - (decrypt it with your client's data decryption key)",
            ));
        }
        Ok(value)
    }

    /// The token itself.
    ///
    /// # Security
    ///
    /// This is a secret: do not log it.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for PasswordChangeToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordChangeToken([redacted])")
    }
}

impl Drop for PasswordChangeToken {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl Serialize for PasswordChangeToken {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for PasswordChangeToken {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Self::new(String::deserialize(deserializer)?).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "s3cr3t-value-&=+%";

    #[test]
    fn client_secret_debug_is_redacted() {
        let secret = ClientSecret::new(SECRET);
        let printed = format!("{secret:?} {secret:#?}");
        assert!(!printed.contains(SECRET), "{printed}");
        assert!(printed.contains("ClientSecret([redacted])"));
        assert_eq!(secret.expose_secret(), SECRET);
    }

    #[test]
    fn access_token_debug_is_redacted() {
        let token = AccessToken::new(SECRET);
        let printed = format!("{token:?}");
        assert!(!printed.contains(SECRET), "{printed}");
        assert_eq!(printed, "AccessToken([redacted])");
    }

    #[test]
    fn secret_string_debug_is_redacted() {
        let secret = SecretString::new("pw-in-a-body");
        assert_eq!(format!("{secret:?}"), "SecretString([redacted])");
        assert_eq!(secret.expose_secret(), "pw-in-a-body");
    }

    #[test]
    fn refresh_token_debug_is_redacted() {
        let token = RefreshToken::new(SECRET);
        let printed = format!("{token:?}");
        assert!(!printed.contains(SECRET), "{printed}");
        assert_eq!(printed, "RefreshToken([redacted])");
    }

    #[test]
    fn password_change_tokens_are_redacted_and_checked() {
        let encrypted = EncryptedPasswordChangeToken::new("ENC-abc123");
        assert_eq!(
            format!("{encrypted:?}"),
            "EncryptedPasswordChangeToken([redacted])"
        );
        let token = PasswordChangeToken::new("0f1e2d3c-aaaa").unwrap();
        assert_eq!(format!("{token:?}"), "PasswordChangeToken([redacted])");
        let err = PasswordChangeToken::new("ENC-abc123").unwrap_err();
        assert_eq!(err.field(), "passwordChangeToken");
        assert!(!err.to_string().contains("ENC-abc123"));
    }

    #[test]
    fn secrets_round_trip_through_serde_as_plain_strings() {
        let token: AccessToken = serde_json::from_str("\"abc\"").unwrap();
        assert_eq!(token.expose_secret(), "abc");
        assert_eq!(serde_json::to_string(&token).unwrap(), "\"abc\"");
    }
}
