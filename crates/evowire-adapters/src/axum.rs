//! [`Evowire<T>`]: an axum extractor and response for `application/evowire` bodies, the
//! counterpart of axum's `Json<T>`.
//!
//! As an extractor it checks the `Content-Type`, buffers the body within axum's body size
//! limit and decodes it with [`DecodeOptions`]; it rejects with an [`EvowireRejection`]:
//!
//! | status | when |
//! |--------|------|
//! | 415 Unsupported Media Type | the `Content-Type` is not `application/evowire` (parameters such as `; v=2` are allowed) |
//! | 413 Payload Too Large | the body exceeds the limit: axum's [`DefaultBodyLimit`](::axum::extract::DefaultBodyLimit), 2 MB unless a layer sets another |
//! | 400 Bad Request | the body does not decode; the text names the error and its byte offset |
//!
//! The decode limits are the [`DecodeOptions`] found in the request's extensions, so an
//! `Extension(DecodeOptions)` layer sets them for a router; without one the defaults apply.
//! As a response, `Evowire<T>` encodes `T` and sets `Content-Type: application/evowire`
//! (a value that cannot be encoded gives 500 with the error's text).
//!
//! # Examples
//!
//! ```
//! use axum::extract::DefaultBodyLimit;
//! use axum::routing::post;
//! use axum::{Extension, Router};
//! use evowire_adapters::axum::Evowire;
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Deserialize)]
//! struct Order { id: u64, qty: u32 }
//!
//! #[derive(Serialize)]
//! struct Receipt { id: u64, accepted: bool }
//!
//! async fn order(Evowire(order): Evowire<Order>) -> Evowire<Receipt> {
//!     Evowire(Receipt { id: order.id, accepted: order.qty > 0 })
//! }
//!
//! let app: Router = Router::new()
//!     .route("/order", post(order))
//!     .layer(DefaultBodyLimit::max(64 * 1024))
//!     .layer(Extension(evowire::DecodeOptions::new().with_max_depth(16)));
//! # drop(app);
//! ```

use std::fmt;
use std::ops::{Deref, DerefMut};

use ::axum::extract::rejection::BytesRejection;
use ::axum::extract::{FromRequest, Request};
use ::axum::http::header::{self, HeaderMap, HeaderValue};
use ::axum::http::StatusCode;
use ::axum::response::{IntoResponse, Response};
use bytes::Bytes;
use evowire::DecodeOptions;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::CONTENT_TYPE;

/// An `application/evowire` body: an extractor that decodes `T`, a response that encodes
/// it. See the [module docs](self) for the rejections and limits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Evowire<T>(pub T);

impl<T> Deref for Evowire<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> DerefMut for Evowire<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

impl<T> From<T> for Evowire<T> {
    fn from(value: T) -> Self {
        Evowire(value)
    }
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Evowire<T> {
    type Rejection = EvowireRejection;

    async fn from_request(req: Request, state: &S) -> Result<Self, EvowireRejection> {
        if !is_evowire(req.headers()) {
            let found = req
                .headers()
                .get(header::CONTENT_TYPE)
                .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned());
            return Err(EvowireRejection::UnsupportedContentType { found });
        }
        let options = req
            .extensions()
            .get::<DecodeOptions>()
            .copied()
            .unwrap_or_default();
        let body = Bytes::from_request(req, state)
            .await
            .map_err(EvowireRejection::Body)?;
        options
            .from_slice(&body)
            .map(Evowire)
            .map_err(EvowireRejection::Decode)
    }
}

/// Whether the request says its body is `application/evowire` (case-insensitive, any
/// parameters after a `;`).
fn is_evowire(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(header::CONTENT_TYPE) else {
        return false;
    };
    let essence = value.as_bytes().split(|&b| b == b';').next().unwrap_or(&[]);
    essence
        .trim_ascii()
        .eq_ignore_ascii_case(CONTENT_TYPE.as_bytes())
}

impl<T: Serialize> IntoResponse for Evowire<T> {
    fn into_response(self) -> Response {
        match evowire::to_vec(&self.0) {
            Ok(body) => (
                [(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE))],
                body,
            )
                .into_response(),
            Err(err) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("failed to encode the evowire response: {err}"),
            )
                .into_response(),
        }
    }
}

/// Why an [`Evowire<T>`] extractor refused a request. As a response it is the status
/// below with [`body_text`](Self::body_text) as a plain-text body.
#[derive(Debug)]
#[non_exhaustive]
pub enum EvowireRejection {
    /// 415: the `Content-Type` header is missing or not `application/evowire`.
    UnsupportedContentType {
        /// The header's value, if there was one.
        found: Option<String>,
    },
    /// The body could not be buffered: 413 when it exceeds the body size limit, 400 when
    /// reading it failed.
    Body(BytesRejection),
    /// 400: the body is not a valid evowire value of the expected type.
    Decode(evowire::Error),
}

impl EvowireRejection {
    /// The response status: 415, 413 or 400.
    pub fn status(&self) -> StatusCode {
        match self {
            EvowireRejection::UnsupportedContentType { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            EvowireRejection::Body(rejection) => rejection.status(),
            EvowireRejection::Decode(_) => StatusCode::BAD_REQUEST,
        }
    }

    /// The text of the response body, the same as `Display`.
    pub fn body_text(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for EvowireRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EvowireRejection::UnsupportedContentType { found: Some(found) } => write!(
                f,
                "expected a request with `Content-Type: {CONTENT_TYPE}`, found `{found}`"
            ),
            EvowireRejection::UnsupportedContentType { found: None } => write!(
                f,
                "expected a request with `Content-Type: {CONTENT_TYPE}`, found no content type"
            ),
            EvowireRejection::Body(rejection) => f.write_str(&rejection.body_text()),
            EvowireRejection::Decode(err) => write!(f, "failed to decode the evowire body: {err}"),
        }
    }
}

impl std::error::Error for EvowireRejection {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            EvowireRejection::UnsupportedContentType { .. } => None,
            EvowireRejection::Body(rejection) => Some(rejection),
            EvowireRejection::Decode(err) => Some(err),
        }
    }
}

impl IntoResponse for EvowireRejection {
    fn into_response(self) -> Response {
        (self.status(), self.body_text()).into_response()
    }
}
