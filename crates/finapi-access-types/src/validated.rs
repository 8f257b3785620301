//! Validated newtypes: values that finAPI constrains, checked when they are built.
//!
//! finAPI states most of these limits only in prose (the spec has no `maxLength` keywords), so
//! the SDK enforces them itself: invalid input is refused before anything is sent, with a
//! [`ValidationError`] naming the field and the rule.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use zeroize::Zeroize;

/// A value refused because it breaks one of finAPI's rules for a field.
///
/// The error names the field and the rule; it never repeats the value (which may be a secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    field: std::borrow::Cow<'static, str>,
    rule: String,
}

impl ValidationError {
    /// A new error for `field` breaking `rule`. The field is finAPI's spelling, with a path
    /// for nested values (for example `orders[2].recipient.iban`).
    pub fn new(field: impl Into<std::borrow::Cow<'static, str>>, rule: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            rule: rule.into(),
        }
    }

    /// The field that was refused, in finAPI's spelling (for example `id` or `password`).
    pub fn field(&self) -> &str {
        &self.field
    }

    /// The same error for a field nested under `parent` (`parent.field`, or
    /// `parent[index].field` when `parent` ends with an index).
    #[must_use]
    pub fn within(self, parent: &str) -> Self {
        Self {
            field: format!("{parent}.{}", self.field).into(),
            rule: self.rule,
        }
    }

    /// The rule the value broke, in words.
    pub fn rule(&self) -> &str {
        &self.rule
    }
}

impl std::fmt::Display for ValidationError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "invalid `{}`: {}", self.field, self.rule)
    }
}

impl std::error::Error for ValidationError {}

/// finAPI's general set of allowed characters for free-text fields without a set of their own:
/// `A-Z a-z 0-9`, space, ``& ( ) { } [ ] . : , ; ? ! + - _ $ @ # ~ ` ^ €`` and U+00A1 to U+02AF.
pub fn is_allowed_text_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || " &(){}[].:,;?!+-_$@#~`^€".contains(c)
        || ('\u{00A1}'..='\u{02AF}').contains(&c)
}

/// The characters allowed in a finAPI user id: `A-Z a-z 0-9 - _ . + @`.
pub fn is_user_id_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-_.+@".contains(c)
}

pub(crate) fn check_length(
    field: &'static str,
    value: &str,
    min: usize,
    max: usize,
) -> Result<(), ValidationError> {
    let len = value.chars().count();
    if len < min || len > max {
        let rule = if min == 0 {
            format!("must be at most {max} characters long (got {len})")
        } else {
            format!("must be {min} to {max} characters long (got {len})")
        };
        return Err(ValidationError::new(field, rule));
    }
    Ok(())
}

pub(crate) fn check_chars(
    field: &'static str,
    value: &str,
    allowed: fn(char) -> bool,
    what: &str,
) -> Result<(), ValidationError> {
    match value.chars().position(|c| !allowed(c)) {
        None => Ok(()),
        Some(index) => Err(ValidationError::new(
            field,
            format!(
                "may only contain {what} (character {} is not allowed)",
                index + 1
            ),
        )),
    }
}

macro_rules! plain_validated {
    ($(#[$meta:meta])* $name:ident, $validate:path) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub struct $name(String);

        impl $name {
            /// Checks `value` against finAPI's rules for this field.
            ///
            /// # Errors
            ///
            /// A [`ValidationError`] naming the field and the rule when the value breaks it.
            pub fn new(value: impl Into<String>) -> Result<Self, ValidationError> {
                let value = value.into();
                $validate(&value)?;
                Ok(Self(value))
            }

            /// Wraps a value without checking it: for values that come from finAPI itself.
            pub fn new_unchecked(value: impl Into<String>) -> Self {
                Self(value.into())
            }

            /// The value as a string slice.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl std::str::FromStr for $name {
            type Err = ValidationError;
            fn from_str(value: &str) -> Result<Self, Self::Err> {
                Self::new(value)
            }
        }

        impl TryFrom<String> for $name {
            type Error = ValidationError;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::new(value)
            }
        }

        impl TryFrom<&str> for $name {
            type Error = ValidationError;
            fn try_from(value: &str) -> Result<Self, Self::Error> {
                Self::new(value)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = String::deserialize(deserializer)?;
                Self::new(value).map_err(serde::de::Error::custom)
            }
        }
    };
}

fn validate_user_id(value: &str) -> Result<(), ValidationError> {
    check_length("id", value, 1, 36)?;
    check_chars(
        "id",
        value,
        is_user_id_char,
        "the characters A-Z a-z 0-9 - _ . + @",
    )
}

fn validate_email(value: &str) -> Result<(), ValidationError> {
    check_length("email", value, 0, 320)?;
    check_chars(
        "email",
        value,
        is_allowed_text_char,
        "finAPI's allowed characters",
    )
}

fn validate_phone(value: &str) -> Result<(), ValidationError> {
    check_length("phone", value, 0, 50)?;
    check_chars(
        "phone",
        value,
        is_allowed_text_char,
        "finAPI's allowed characters",
    )
}

plain_validated!(
    /// A finAPI user id: 1 to 36 characters of `A-Z a-z 0-9 - _ . + @`.
    ///
    /// finAPI compares user ids case-insensitively; this type keeps the spelling it was given.
    ///
    /// ```
    /// use finapi_access_types::UserId;
    /// assert!(UserId::new("alice@example.com").is_ok());
    /// let err = UserId::new("no spaces").unwrap_err();
    /// assert_eq!(err.field(), "id");
    /// ```
    UserId,
    validate_user_id
);
plain_validated!(
    /// An end user's email address as finAPI accepts it: at most 320 characters of finAPI's
    /// allowed characters. `""` is valid (it clears the address in an update).
    Email,
    validate_email
);
plain_validated!(
    /// An end user's phone number as finAPI accepts it: at most 50 characters of finAPI's
    /// allowed characters. `""` is valid (it clears the number in an update).
    Phone,
    validate_phone
);

/// An end user's password: 6 to 128 characters, and a secret.
///
/// `Debug` prints `Password([redacted])`, there is no `Display`, and the memory is zeroed on
/// drop. finAPI sets no character pattern for passwords; any Unicode text of the right length
/// is accepted and percent-encoded correctly on the wire.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    /// Checks finAPI's rule and wraps the password: 6 to 128 characters, each one of finAPI's
    /// allowed characters (the password has no character set of its own, so the general one
    /// applies: `A-Z a-z 0-9`, space, `& ( ) { } [ ] . : , ; ? ! + - _ $ @ # ~ \` ^ €` and
    /// U+00A1 to U+02AF; not `=`, `%`, `*`, quotes or emoji).
    ///
    /// # Errors
    ///
    /// A [`ValidationError`] for the field `password` naming the rule (and the position of a
    /// character that is not allowed). The error never contains the password.
    pub fn new(value: impl Into<String>) -> Result<Self, ValidationError> {
        let value = Self(value.into());
        check_length("password", &value.0, 6, 128)?;
        check_chars(
            "password",
            &value.0,
            is_allowed_text_char,
            "finAPI's allowed characters",
        )?;
        Ok(value)
    }

    /// Wraps a password without checking it: for values that come from finAPI itself (a
    /// user read back from finAPI has the password `XXXXX`).
    pub fn new_unchecked(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The password itself.
    ///
    /// # Security
    ///
    /// This is the raw secret: do not log it, print it or put it in an error message.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }

    /// Deserializes without the length check (finAPI masks read-back passwords as `XXXXX`).
    ///
    /// # Errors
    ///
    /// When the value is not a string.
    pub fn deserialize_unchecked<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self)
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password([redacted])")
    }
}

impl Drop for Password {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl Serialize for Password {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Password {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = String::deserialize(deserializer)?;
        Self::new(value).map_err(serde::de::Error::custom)
    }
}

impl UserId {
    /// Deserializes without the checks, for ids that come from finAPI itself.
    ///
    /// # Errors
    ///
    /// When the value is not a string.
    pub fn deserialize_unchecked<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self)
    }

    /// Whether two ids name the same finAPI user (finAPI compares ids case-insensitively).
    pub fn same_user(&self, other: &UserId) -> bool {
        self.0.eq_ignore_ascii_case(&other.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_id_accepts_every_allowed_character_class() {
        for id in ["a", "A-Z_a.z+0@9", &"x".repeat(36)] {
            assert!(UserId::new(id).is_ok(), "{id}");
        }
    }

    #[test]
    fn user_id_refuses_empty_too_long_and_bad_characters() {
        let err = UserId::new("").unwrap_err();
        assert_eq!(err.field(), "id");
        assert!(err.rule().contains("1 to 36"), "{err}");
        assert!(
            UserId::new("x".repeat(37))
                .unwrap_err()
                .rule()
                .contains("got 37")
        );
        for bad in ["a b", "a/b", "ä", "a#b", "a=b"] {
            let err = UserId::new(bad).unwrap_err();
            assert_eq!(err.field(), "id");
            assert!(err.rule().contains("may only contain"), "{err}");
        }
    }

    #[test]
    fn password_length_is_counted_in_characters() {
        assert!(Password::new("ääääää").is_ok());
        assert!(Password::new("x".repeat(128)).is_ok());
        let err = Password::new("12345").unwrap_err();
        assert_eq!(err.field(), "password");
        assert!(err.rule().contains("6 to 128"));
        assert!(Password::new("x".repeat(129)).is_err());
        for refused in [
            "with=equals",
            "100%sure",
            "star*star",
            "quote\"d",
            "emoji😀😀",
        ] {
            let err = Password::new(refused).unwrap_err();
            assert!(
                err.rule().contains("allowed characters"),
                "{refused}: {err}"
            );
        }
        assert!(Password::new("p&ss w+rd€ö-{}[]").is_ok());
    }

    #[test]
    fn password_errors_never_contain_the_password() {
        let err = Password::new("hunt2").unwrap_err();
        assert!(!err.to_string().contains("hunt2"));
        assert!(!format!("{err:?}").contains("hunt2"));
    }

    #[test]
    fn password_debug_is_redacted() {
        let password = Password::new("p&ss w+rd ü").unwrap();
        let printed = format!("{password:?}");
        assert!(!printed.contains("p&ss"), "{printed}");
        assert_eq!(printed, "Password([redacted])");
    }

    #[test]
    fn email_and_phone_limits() {
        assert!(Email::new("").is_ok());
        assert!(Email::new("a+b@example.com").is_ok());
        assert!(Email::new("x".repeat(320)).is_ok());
        let err = Email::new("x".repeat(321)).unwrap_err();
        assert_eq!(err.field(), "email");
        assert!(Email::new("a<b@example.com").is_err());
        assert!(Phone::new("+49 89 1234-567").is_ok());
        assert!(Phone::new("1".repeat(50)).is_ok());
        assert_eq!(Phone::new("1".repeat(51)).unwrap_err().field(), "phone");
        assert!(Phone::new("1/2").is_err());
    }

    #[test]
    fn deserializing_validates() {
        assert!(serde_json::from_str::<UserId>("\"ok\"").is_ok());
        let err = serde_json::from_str::<UserId>("\"not ok\"").unwrap_err();
        assert!(err.to_string().contains("invalid `id`"), "{err}");
        assert!(serde_json::from_str::<Password>("\"short\"").is_err());
    }

    #[test]
    fn user_ids_compare_case_insensitively_as_users() {
        let a = UserId::new("Alice").unwrap();
        let b = UserId::new("aLICE").unwrap();
        assert!(a.same_user(&b));
        assert_ne!(a, b);
    }
}
