//! Rules the spec sets on request fields, checked before anything is sent.

use finapi_access_types::ValidationError;

/// The character count of `value` is within `min..=max`.
pub(crate) fn length(
    field: &'static str,
    value: &str,
    min: usize,
    max: usize,
) -> Result<(), ValidationError> {
    let count = value.chars().count();
    if count < min || count > max {
        let rule = if min == max {
            format!("must be exactly {min} characters long (got {count})")
        } else {
            format!("must be {min} to {max} characters long (got {count})")
        };
        return Err(ValidationError::new(field, rule));
    }
    Ok(())
}

/// The optional value's length is within `min..=max`.
pub(crate) fn opt_length(
    field: &'static str,
    value: Option<&str>,
    min: usize,
    max: usize,
) -> Result<(), ValidationError> {
    value.map_or(Ok(()), |v| length(field, v, min, max))
}

/// An `https://` URL as the spec's pattern wants it (a host with a dot, the spec's URL
/// characters), at most 2,048 characters.
pub(crate) fn https_url(field: &'static str, value: &str) -> Result<(), ValidationError> {
    length(field, value, 1, 2048)?;
    let invalid = |rule: &str| ValidationError::new(field, rule.to_owned());
    let rest = value
        .strip_prefix("https://")
        .ok_or_else(|| invalid("must start with https:// (finAPI allows only HTTPS URLs)"))?;
    let host_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (host, tail) = rest.split_at(host_end);
    let host_ok = !host.is_empty()
        && host.len() <= 256 + 64
        && host.contains('.')
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-@:%._+~#=".contains(&b));
    if !host_ok {
        return Err(invalid(
            "must name a host with a dot (for example https://example.com/…; not localhost)",
        ));
    }
    if !tail
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-()@:%_+.~#?&/=".contains(&b))
    {
        return Err(invalid("holds characters a URL may not contain unencoded"));
    }
    Ok(())
}

/// An identifier of exactly 36 characters (finAPI's UUID-shaped ids).
pub(crate) fn id36(field: &'static str, value: &str) -> Result<(), ValidationError> {
    length(field, value, 36, 36)
}

/// Names the index of a list element in an error: `orders[3].amount.value`.
pub(crate) fn at(list: &str, index: usize, error: ValidationError) -> ValidationError {
    error.within(&format!("{list}[{index}]"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_follow_the_spec_pattern() {
        for ok in [
            "https://example.com",
            "https://www.example.com/done?state=42&x=a%20b",
            "https://127.0.0.1:8443/callback",
            "https://dev.finapi.io/callback?state=42",
        ] {
            https_url("redirectUrl", ok).unwrap();
        }
        for bad in [
            "http://example.com",
            "https://localhost/cb",
            "https://",
            "ftp://example.com",
            "https://exa mple.com",
            "https://example.com/a b",
            "https://example.com/<script>",
        ] {
            let err = https_url("redirectUrl", bad).unwrap_err();
            assert_eq!(err.field(), "redirectUrl", "{bad}");
        }
        let long = format!("https://example.com/{}", "a".repeat(2048));
        assert!(
            https_url("redirectUrl", &long)
                .unwrap_err()
                .rule()
                .contains("2048")
        );
    }
}
