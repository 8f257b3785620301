//! Secret newtypes: values that must never reach a log.
//!
//! Each type prints `Name([redacted])` from `Debug`, has no `Display`, no `PartialEq`
//! (compare with [`expose_secret`](ClientSecret::expose_secret) if you must), and zeroes its
//! memory when dropped.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use zeroize::Zeroize;

macro_rules! secret_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone)]
        pub struct $name(String);

        impl $name {
            /// Wraps a secret value.
            pub fn new(value: impl Into<String>) -> Self {
                Self(value.into())
            }

            /// The secret value itself.
            ///
            /// # Security
            ///
            /// The returned string is the raw secret: do not log it, print it or put it
            /// in an error message.
            pub fn expose_secret(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(concat!(stringify!($name), "([redacted])"))
            }
        }

        impl Drop for $name {
            fn drop(&mut self) {
                self.0.zeroize();
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                String::deserialize(deserializer).map(Self)
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
    fn refresh_token_debug_is_redacted() {
        let token = RefreshToken::new(SECRET);
        let printed = format!("{token:?}");
        assert!(!printed.contains(SECRET), "{printed}");
        assert_eq!(printed, "RefreshToken([redacted])");
    }

    #[test]
    fn secrets_round_trip_through_serde_as_plain_strings() {
        let token: AccessToken = serde_json::from_str("\"abc\"").unwrap();
        assert_eq!(token.expose_secret(), "abc");
        assert_eq!(serde_json::to_string(&token).unwrap(), "\"abc\"");
    }
}
