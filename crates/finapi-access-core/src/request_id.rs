//! `X-Request-Id`: sent with every request, echoed by finAPI, kept in every result and error.

/// The name of the request id header.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// A request id as finAPI accepts it: 1 to 255 visible ASCII characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RequestId(String);

impl RequestId {
    /// The longest request id finAPI accepts.
    pub const MAX_LEN: usize = 255;

    /// Checks and wraps a caller-supplied request id.
    ///
    /// # Errors
    ///
    /// A [`ValidationError`](finapi_access_types::ValidationError) for the field
    /// `X-Request-Id` when it is empty, longer than 255 characters, or holds characters that
    /// cannot travel in an HTTP header (anything but visible ASCII).
    pub fn new(value: impl Into<String>) -> Result<Self, finapi_access_types::ValidationError> {
        let value = value.into();
        if value.is_empty() || value.len() > Self::MAX_LEN {
            return Err(finapi_access_types::ValidationError::new(
                "X-Request-Id",
                format!("must be 1 to 255 characters long (got {})", value.len()),
            ));
        }
        if !value.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(finapi_access_types::ValidationError::new(
                "X-Request-Id",
                "may only contain visible ASCII characters",
            ));
        }
        Ok(Self(value))
    }

    /// A fresh random request id, shaped like a UUID v4. Request ids need to be unique, not
    /// unguessable, so this uses a fast non-cryptographic generator (no system call).
    pub fn generate() -> Self {
        let bits = (fastrand::u128(..) & !(0xf << 76) & !(0x3 << 62)) | (0x4 << 76) | (0x2 << 62);
        const HEX: &[u8; 16] = b"0123456789abcdef";
        // Written into a stack buffer and copied once (pushing 36 chars one by one costs
        // three times the instructions).
        let mut id = [b'-'; 36];
        let mut at = 0;
        for nibble in 0..32 {
            if matches!(nibble, 8 | 12 | 16 | 20) {
                at += 1;
            }
            id[at] = HEX[((bits >> (124 - 4 * nibble)) & 0xf) as usize];
            at += 1;
        }
        Self(
            std::str::from_utf8(&id)
                .map(str::to_owned)
                .unwrap_or_default(),
        )
    }

    /// The id of a request made on behalf of this one (a token fetch a call triggers):
    /// `<this id>-<suffix>`, so both can be found by the call's id, yet each request has its
    /// own; a fresh id when that would be too long.
    pub(crate) fn derived(&self, suffix: &str) -> Self {
        if self.0.len() + 1 + suffix.len() > Self::MAX_LEN {
            return Self::generate();
        }
        Self(format!("{}-{suffix}", self.0))
    }

    /// The id a server echoed, when it is a valid request id.
    pub(crate) fn from_header(value: &http::HeaderValue) -> Option<Self> {
        Self::new(value.to_str().ok()?).ok()
    }

    /// The id as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for RequestId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_are_unique_and_valid() {
        let a = RequestId::generate();
        let b = RequestId::generate();
        assert_ne!(a, b);
        assert!(RequestId::new(a.as_str()).is_ok());
    }

    #[test]
    fn generated_ids_look_like_uuid_v4() {
        let id = RequestId::generate();
        let parts: Vec<&str> = id.as_str().split('-').collect();
        assert_eq!(
            parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12]
        );
        assert!(parts[2].starts_with('4'), "{id}");
        assert!("89ab".contains(&parts[3][..1]), "{id}");
    }

    #[test]
    fn refuses_empty_long_and_non_header_values() {
        assert!(RequestId::new("").is_err());
        assert!(RequestId::new("x".repeat(255)).is_ok());
        let err = RequestId::new("x".repeat(256)).unwrap_err();
        assert_eq!(err.field(), "X-Request-Id");
        assert!(RequestId::new("a b").is_err());
        assert!(RequestId::new("a\nb").is_err());
    }
}
