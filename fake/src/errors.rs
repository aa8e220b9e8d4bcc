//! HubSpot's error bodies, as HubSpot's error-handling guide and recorded traffic show them.

use serde_json::{Value, json};

/// An error answer: status and body (the correlation id is added when it is sent).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ApiError {
    pub status: u16,
    pub body: Value,
}

impl ApiError {
    fn new(status: u16, category: Option<&str>, message: impl Into<String>) -> Self {
        let mut body = json!({"status": "error", "message": message.into()});
        if let Some(category) = category {
            body["category"] = category.into();
        }
        Self { status, body }
    }

    pub fn with(mut self, key: &str, value: Value) -> Self {
        self.body[key] = value;
        self
    }

    /// 400 `VALIDATION_ERROR` with a message.
    pub fn validation(message: impl Into<String>) -> Self {
        Self::new(400, Some("VALIDATION_ERROR"), message)
    }

    /// 400 for a body that is not JSON.
    pub fn malformed_json(error: &serde_json::Error) -> Self {
        Self::validation(format!(
            "Invalid input JSON on line {}, column {}: {error}",
            error.line(),
            error.column()
        ))
    }

    /// 415 for a body sent with another content type.
    pub fn unsupported_media_type(content_type: Option<&str>) -> Self {
        Self::new(
            415,
            Some("VALIDATION_ERROR"),
            format!(
                "Unsupported Media Type: expected application/json, got {}",
                content_type.unwrap_or("no Content-Type")
            ),
        )
    }

    /// 400 for property values HubSpot rejects, in its `Property values were not valid` wrapper.
    pub fn invalid_properties(problems: &[PropertyProblem]) -> Self {
        let inner: Vec<Value> = problems
            .iter()
            .map(|p| {
                json!({"isValid": false, "message": p.message, "error": p.code, "name": p.name,
                       "localizedErrorMessage": p.message, "portalId": crate::PORTAL_ID})
            })
            .collect();
        let errors: Vec<Value> = problems
            .iter()
            .map(|p| json!({"message": p.message, "code": p.code, "context": {"propertyName": [p.name]}}))
            .collect();
        Self::validation(format!(
            "Property values were not valid: {}",
            Value::Array(inner)
        ))
        .with("errors", Value::Array(errors))
    }

    /// 404 for an id that is not numeric.
    pub fn not_numeric(id: &str) -> Self {
        Self::new(
            404,
            Some("OBJECT_NOT_FOUND"),
            "Object not found.  objectId are usually numeric.",
        )
        .with("context", json!({"id": [id]}))
    }

    /// 404 for a deal that does not exist (HubSpot's category here is uncertain; we send
    /// `OBJECT_NOT_FOUND` so the body fits HubSpot's own `Error` schema).
    pub fn not_found() -> Self {
        Self::new(404, Some("OBJECT_NOT_FOUND"), "resource not found")
    }

    /// 405 for a method a known path does not take.
    pub fn method_not_allowed(method: &str) -> Self {
        Self::new(
            405,
            Some("VALIDATION_ERROR"),
            format!("HTTP method {method} is not supported by this resource"),
        )
    }

    /// 410 for a version HubSpot has retired (the fake's calendar, `--as-of`).
    pub fn gone(message: impl Into<String>) -> Self {
        Self::new(410, Some("GONE"), message)
    }

    /// 409 for something that already exists (a property name).
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(409, Some("CONFLICT"), message)
    }

    /// 414 for a request URL longer than HubSpot serves.
    pub fn uri_too_long(length: usize) -> Self {
        Self::new(
            414,
            Some("VALIDATION_ERROR"),
            format!(
                "The request URL is {length} bytes, longer than the {} HubSpot serves: ask for \
                 fewer properties, or send them in a batch read's body",
                hubspot_deals::limits::URL_BYTES
            ),
        )
    }

    /// 401 without usable credentials.
    pub fn unauthenticated() -> Self {
        Self::new(
            401,
            Some("INVALID_AUTHENTICATION"),
            "Authentication credentials not found. This API supports OAuth 2.0 authentication and \
             you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview",
        )
    }

    /// 401 for an expired OAuth access token.
    pub fn expired(minutes_ago: i64) -> Self {
        Self::new(
            401,
            Some("EXPIRED_AUTHENTICATION"),
            format!("The OAuth token used to make this call expired {minutes_ago} minute(s) ago."),
        )
    }

    /// 403 when the token lacks the scope the operation needs.
    pub fn missing_scopes(required: &str) -> Self {
        Self::new(
            403,
            Some("MISSING_SCOPES"),
            "This app hasn't been granted all required scopes to make this call. Read more about \
             required scopes here: https://developers.hubspot.com/scopes.",
        )
        .with(
            "errors",
            json!([{"message": "One or more of the following scopes are required.",
                    "context": {"requiredGranularScopes": [required]}}]),
        )
        .with(
            "links",
            json!({"scopes": "https://developers.hubspot.com/scopes"}),
        )
    }

    /// 429 for the ten-second budget: HubSpot's body has no `category`.
    pub fn ten_secondly_limit(group: &str) -> Self {
        Self::new(
            429,
            None,
            "You have reached your ten_secondly_rolling limit.",
        )
        .with("errorType", "RATE_LIMIT".into())
        .with("policyName", "TEN_SECONDLY_ROLLING".into())
        .with(
            "groupName",
            format!("publicapi:api-calls-ten-secondly:{group}").into(),
        )
    }

    /// 429 for the daily budget.
    pub fn daily_limit(group: &str) -> Self {
        Self::new(429, None, "You have reached your daily limit.")
            .with("errorType", "RATE_LIMIT".into())
            .with("policyName", "DAILY".into())
            .with(
                "groupName",
                format!("publicapi:api-calls-daily:{group}").into(),
            )
    }

    /// 429 for the search budget: no `errorType` or `policyName`, category `RATE_LIMITS`.
    pub fn search_limit() -> Self {
        Self::new(
            429,
            Some("RATE_LIMITS"),
            "You have reached your secondly limit.",
        )
    }

    /// A 5xx with a JSON body.
    pub fn server(status: u16) -> Self {
        Self::new(
            status,
            Some("INTERNAL_ERROR"),
            "Internal error (injected by the fake HubSpot)",
        )
    }
}

/// One rejected property value.
#[derive(Debug, Clone)]
pub(crate) struct PropertyProblem {
    pub name: String,
    pub code: &'static str,
    pub message: String,
}

impl PropertyProblem {
    pub fn missing(name: &str) -> Self {
        Self {
            name: name.into(),
            code: "PROPERTY_DOESNT_EXIST",
            message: format!("Property \"{name}\" does not exist"),
        }
    }

    /// A property the account's rules require for this write.
    pub fn required(name: &str, why: &str) -> Self {
        Self {
            name: name.into(),
            code: "REQUIRED_PROPERTY",
            message: format!("\"{name}\" is required: {why}"),
        }
    }

    pub fn read_only(name: &str) -> Self {
        Self {
            name: name.into(),
            code: "READ_ONLY_VALUE",
            message: format!("\"{name}\" is a read only property; its value cannot be set."),
        }
    }

    /// A value its property's type cannot read (`code` as HubSpot names the type's check).
    pub fn invalid_value(name: &str, code: &'static str, message: String) -> Self {
        Self {
            name: name.into(),
            code,
            message,
        }
    }

    pub fn invalid_option(name: &str, value: &str, allowed: &[String]) -> Self {
        let options: Vec<String> = allowed
            .iter()
            .map(|v| format!("label: \"{v}\"\nvalue: \"{v}\""))
            .collect();
        Self {
            name: name.into(),
            code: "INVALID_OPTION",
            message: format!(
                "{value} was not one of the allowed options: [{}]",
                options.join(", ")
            ),
        }
    }
}

/// A handler's answer: status and body (`None` for 204).
pub(crate) type Answer = Result<(u16, Option<serde_json::Value>), ApiError>;
