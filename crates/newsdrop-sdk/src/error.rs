//! The plugin's error: a message, and for config errors the key it is about, so that the
//! daemon can point at the line of the config file.

use std::fmt;

/// An error from `create` (a config problem) or `apply` (this article fails).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    key: Option<String>,
    message: String,
}

impl Error {
    pub fn new(message: impl fmt::Display) -> Error {
        Error {
            key: None,
            message: message.to_string(),
        }
    }

    /// An error about one key of the stage's config (`threshold`, `keywords.topic:x`).
    pub fn at_key(key: impl Into<String>, message: impl fmt::Display) -> Error {
        Error {
            key: Some(key.into()),
            message: message.to_string(),
        }
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    pub fn key(&self) -> Option<&str> {
        self.key.as_deref()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.key {
            Some(key) => write!(f, "key `{key}`: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl<E: std::error::Error> From<E> for Error {
    fn from(e: E) -> Error {
        Error::new(e)
    }
}
