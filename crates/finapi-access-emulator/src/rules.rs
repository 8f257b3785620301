//! finAPI Access's input rules, written here from the spec (1.151.1: the `id` and change
//! token patterns, the email/phone allowed-character class) and the prose it points to (the
//! "Allowed Characters" page for fields without a set of their own; lengths stated in
//! descriptions). Deliberately not the SDK's validators: the emulator is an independent
//! oracle, so a wrong SDK rule fails a test instead of passing on both sides.

use finapi_access_types::ValidationError;

/// finAPI's general allowed characters: `A-Z a-z 0-9`, space, `& ( ) { } [ ] . : , ; ? ! + -
/// _ $ @ # ~ \` ^ €` and U+00A1 to U+02AF (the spec's email/phone pattern, anchored).
pub(crate) fn general(c: char) -> bool {
    matches!(c, 'A'..='Z' | 'a'..='z' | '0'..='9' | '\u{A1}'..='\u{2AF}')
        || matches!(
            c,
            ' ' | '&'
                | '('
                | ')'
                | '{'
                | '}'
                | '['
                | ']'
                | '.'
                | ':'
                | ','
                | ';'
                | '?'
                | '!'
                | '+'
                | '-'
                | '_'
                | '$'
                | '@'
                | '#'
                | '~'
                | '`'
                | '^'
                | '€'
        )
}

/// The `id` pattern `[a-zA-Z0-9\-_\.\+@]*`, anchored.
fn id_char(c: char) -> bool {
    matches!(c, 'A'..='Z' | 'a'..='z' | '0'..='9' | '-' | '_' | '.' | '+' | '@')
}

fn checked(
    field: &'static str,
    value: &str,
    min: usize,
    max: usize,
    allowed: fn(char) -> bool,
) -> Result<(), ValidationError> {
    let n = value.chars().count();
    if n < min || n > max {
        return Err(ValidationError::new(
            field,
            format!("length must be between {min} and {max}"),
        ));
    }
    if !value.chars().all(allowed) {
        return Err(ValidationError::new(
            field,
            "contains characters that are not allowed",
        ));
    }
    Ok(())
}

/// A user id: at most 36 characters of the `id` pattern ("Max length is 36 symbols").
pub(crate) fn user_id(value: &str) -> Result<(), ValidationError> {
    checked("id", value, 1, 36, id_char)
}

/// A password: 6 to 128 characters of the general set (no pattern of its own).
pub(crate) fn password(value: &str) -> Result<(), ValidationError> {
    checked("password", value, 6, 128, general)
}

/// An email address: at most 320 characters of the general set.
pub(crate) fn email(value: &str) -> Result<(), ValidationError> {
    checked("email", value, 0, 320, general)
}

/// A phone number: at most 50 characters of the general set.
pub(crate) fn phone(value: &str) -> Result<(), ValidationError> {
    checked("phone", value, 0, 50, general)
}

/// A decrypted password change token: the pattern `[0-9a-f\-]*`, anchored.
pub(crate) fn change_token(value: &str) -> Result<(), ValidationError> {
    checked(
        "passwordChangeToken",
        value,
        1,
        128,
        |c| matches!(c, '0'..='9' | 'a'..='f' | '-'),
    )
}

/// A date of the user list's filters: `YYYY-MM-DD`.
pub(crate) fn date(field: &'static str, value: &str) -> Result<(), ValidationError> {
    let b = value.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && [0, 1, 2, 3, 5, 6, 8, 9]
            .iter()
            .all(|&i| b[i].is_ascii_digit());
    let month = value.get(5..7).and_then(|m| m.parse::<u32>().ok());
    let day = value.get(8..10).and_then(|d| d.parse::<u32>().ok());
    if shape
        && month.is_some_and(|m| (1..=12).contains(&m))
        && day.is_some_and(|d| (1..=31).contains(&d))
    {
        Ok(())
    } else {
        Err(ValidationError::new(
            field,
            "must be a date in the format YYYY-MM-DD",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spec_sets() {
        assert!(user_id("alice+1@example.com").is_ok());
        assert!(user_id("").is_err());
        assert!(user_id(&"a".repeat(37)).is_err());
        assert!(user_id("no space").is_err());
        assert!(password("p&ss w+rd€ö").is_ok());
        assert!(password("short").is_err());
        assert!(
            password("with=equals").is_err(),
            "= is not an allowed character"
        );
        assert!(
            password("100%secret").is_err(),
            "% is not an allowed character"
        );
        assert!(password("emoji😀here").is_err());
        assert!(email("").is_ok());
        assert!(phone("+49 89 123456").is_ok());
        assert!(change_token("0a1b-2c3d").is_ok());
        assert!(change_token("XYZ").is_err());
        assert!(
            date("minRegistrationDate", "2026-02-30").is_ok(),
            "the shape, as finAPI's format"
        );
        assert!(date("minRegistrationDate", "2026-13-01").is_err());
    }
}
