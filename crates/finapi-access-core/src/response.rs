//! What every successful call returns: the value, the status and the request id.

use http::StatusCode;

use crate::request_id::RequestId;

/// A successful answer: the decoded value with its HTTP status and request id.
///
/// Derefs to the value; [`into_inner`](Self::into_inner) takes it out.
#[derive(Debug, Clone)]
pub struct ApiResponse<T> {
    value: T,
    status: StatusCode,
    request_id: RequestId,
}

impl<T> ApiResponse<T> {
    pub(crate) fn new(value: T, status: StatusCode, request_id: RequestId) -> Self {
        Self {
            value,
            status,
            request_id,
        }
    }

    /// The decoded value.
    pub fn value(&self) -> &T {
        &self.value
    }

    /// The value, without status and request id.
    pub fn into_inner(self) -> T {
        self.value
    }

    /// The HTTP status finAPI answered with.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The request id finAPI echoed (or the one sent, if the server echoed none).
    pub fn request_id(&self) -> &RequestId {
        &self.request_id
    }

    /// Maps the value, keeping status and request id.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> ApiResponse<U> {
        ApiResponse {
            value: f(self.value),
            status: self.status,
            request_id: self.request_id,
        }
    }
}

impl<T> std::ops::Deref for ApiResponse<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

/// What a call gives: the answer, or the error.
pub(crate) type CallResult<T> = Result<ApiResponse<T>, crate::error::Error>;
