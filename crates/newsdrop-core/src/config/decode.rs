//! The one place where TOML becomes typed config, and where every problem becomes a
//! [`ConfigError`] with file, line and key.
//!
//! serde stops at the first error, but an operator fixing a config wants all of them at once.
//! So decoding collects: unknown keys (anywhere, at any depth) through `serde_ignored`, and
//! type errors through `serde_path_to_error`, removing each bad key and decoding again until
//! the rest is clean. Line numbers come from a spanned parse of the same source.

use std::collections::HashMap;
use std::fmt;

use serde::de::DeserializeOwned;

/// One config problem, located.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The config file, or `<embedded default>`.
    pub file: String,
    /// 1-based line; 0 when the problem has no place in the file (a missing section).
    pub line: usize,
    pub column: usize,
    /// Dotted key path such as `intake.settle_ms` or `stage[2].gazetteers`.
    pub key: String,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if self.line > 0 {
            write!(f, ":{}:{}", self.line, self.column)?;
        }
        if !self.key.is_empty() {
            write!(f, ": key `{}`", self.key)?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Every problem found in one config, in file order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

/// Where each key of a config source sits: key path → (line, column), both 1-based.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyLines {
    pub file: String,
    lines: HashMap<String, (usize, usize)>,
}

impl KeyLines {
    /// An empty map for a config that has no file (the embedded default).
    pub fn none(file: &str) -> Self {
        KeyLines {
            file: file.to_string(),
            lines: HashMap::new(),
        }
    }

    /// Parses `src` with spans and records every key's position. A syntax error comes back
    /// as the single error it is: nothing after it can be trusted.
    pub fn parse(src: &str, file: &str) -> Result<Self, ConfigError> {
        let root = toml::de::DeTable::parse(src).map_err(|e| {
            let (line, column) = e.span().map_or((0, 0), |s| line_col(src, s.start));
            ConfigError {
                file: file.to_string(),
                line,
                column,
                key: String::new(),
                message: e.message().trim().to_string(),
            }
        })?;
        let mut lines = HashMap::new();
        walk_table(&LineIndex::new(src), root.get_ref(), "", &mut lines);
        Ok(KeyLines {
            file: file.to_string(),
            lines,
        })
    }

    /// An error at a place in the source (a value the parser refused after the keys were
    /// read), named by the key whose line it is on: the last one to start before it.
    pub fn error_at(
        &self,
        (line, column): (usize, usize),
        message: impl Into<String>,
    ) -> ConfigError {
        let key = self
            .lines
            .iter()
            .filter(|(_, (l, c))| *l == line && *c <= column)
            .max_by_key(|(_, (_, c))| *c)
            .map(|(key, _)| key.clone())
            .unwrap_or_default();
        ConfigError {
            file: self.file.clone(),
            line,
            column,
            key,
            message: message.into(),
        }
    }

    /// An error at `key`, placed at the nearest line the source gives for it or a parent.
    pub fn error(&self, key: &str, message: impl Into<String>) -> ConfigError {
        let mut probe = key;
        let (line, column) = loop {
            if let Some(&pos) = self.lines.get(probe) {
                break pos;
            }
            match parent_key(probe) {
                Some(parent) => probe = parent,
                None => break (0, 0),
            }
        };
        ConfigError {
            file: self.file.clone(),
            line,
            column,
            key: key.to_string(),
            message: message.into(),
        }
    }
}

fn parent_key(key: &str) -> Option<&str> {
    let cut = key.rfind(['.', '['])?;
    Some(&key[..cut])
}

pub(super) fn line_col(src: &str, offset: usize) -> (usize, usize) {
    LineIndex::new(src).line_col(offset)
}

/// Start offsets of the lines of a source, so that placing each of many keys (a gazetteer
/// has tens of thousands) costs a binary search, not a scan from the top.
struct LineIndex<'a> {
    src: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    fn new(src: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(src.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { src, starts }
    }

    /// 1-based (line, column); the column counts bytes, as before.
    fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.src.len());
        let line = self.starts.partition_point(|&s| s <= offset);
        let start = self.starts[line.saturating_sub(1)];
        (line, offset - start + 1)
    }
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

fn walk_table(
    src: &LineIndex<'_>,
    table: &toml::de::DeTable<'_>,
    prefix: &str,
    out: &mut HashMap<String, (usize, usize)>,
) {
    for (key, value) in table {
        let path = join(prefix, key.get_ref());
        out.insert(path.clone(), src.line_col(key.span().start));
        walk_value(src, value.get_ref(), &path, out);
    }
}

fn walk_value(
    src: &LineIndex<'_>,
    value: &toml::de::DeValue<'_>,
    path: &str,
    out: &mut HashMap<String, (usize, usize)>,
) {
    match value {
        toml::de::DeValue::Table(t) => walk_table(src, t, path, out),
        toml::de::DeValue::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let item_path = format!("{path}[{i}]");
                out.insert(item_path.clone(), src.line_col(item.span().start));
                walk_value(src, item.get_ref(), &item_path, out);
            }
        }
        _ => {}
    }
}

/// Decodes `value` into `T`, reporting every unknown key and every bad value under `prefix`.
pub fn decode<T: DeserializeOwned>(
    value: toml::Value,
    prefix: &str,
    lines: &KeyLines,
) -> Result<T, Vec<ConfigError>> {
    let mut value = value;
    let mut errors = Vec::new();
    // Each round removes one bad key, so a config with many mistakes still terminates.
    for _ in 0..64 {
        let mut unknown = Vec::new();
        let mut track = serde_path_to_error::Track::new();
        let tracked = serde_path_to_error::Deserializer::new(value.clone(), &mut track);
        let result: Result<T, _> = serde_ignored::deserialize(tracked, |path| {
            unknown.push(ignored_path(&path));
        });
        for key in unknown {
            let full = join(prefix, &key);
            if !errors.iter().any(|e: &ConfigError| e.key == full) {
                let name = key.rsplit('.').next().unwrap_or(&key).to_string();
                errors.push(lines.error(&full, format!("unknown key `{name}`")));
            }
        }
        match result {
            Ok(decoded) if errors.is_empty() => return Ok(decoded),
            Ok(_) => break,
            Err(e) => {
                let path = tracked_path(&track.path());
                let full = if path.is_empty() {
                    prefix.to_string()
                } else {
                    join(prefix, &path)
                };
                errors.push(lines.error(&full, clean_message(&e.to_string())));
                if path.is_empty() || !remove_path(&mut value, &path) {
                    break;
                }
            }
        }
    }
    errors.sort_by_key(|e| (e.line, e.column));
    Err(errors)
}

/// serde messages carry toml's own location prose; keep only the first line.
fn clean_message(message: &str) -> String {
    message.lines().next().unwrap_or(message).trim().to_string()
}

fn ignored_path(path: &serde_ignored::Path<'_>) -> String {
    use serde_ignored::Path;
    match path {
        Path::Root => String::new(),
        Path::Seq { parent, index } => format!("{}[{index}]", ignored_path(parent)),
        Path::Map { parent, key } => join(&ignored_path(parent), key),
        Path::Some { parent }
        | Path::NewtypeStruct { parent }
        | Path::NewtypeVariant { parent } => ignored_path(parent),
    }
}

fn tracked_path(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            Segment::Map { key } => out = join(&out, key),
            Segment::Enum { variant } => out = join(&out, variant),
            Segment::Unknown => {}
        }
    }
    out
}

/// Removes the value at a `a.b[2].c` path; false when it is not there.
fn remove_path(value: &mut toml::Value, path: &str) -> bool {
    let mut steps: Vec<Step> = Vec::new();
    for part in path.split('.') {
        let (key, rest) = part.split_once('[').map_or((part, ""), |(k, r)| (k, r));
        if !key.is_empty() {
            steps.push(Step::Key(key.to_string()));
        }
        for index in rest.split('[') {
            if let Ok(i) = index.trim_end_matches(']').parse::<usize>() {
                steps.push(Step::Index(i));
            }
        }
    }
    let Some((last, parents)) = steps.split_last() else {
        return false;
    };
    let mut node = value;
    for step in parents {
        let next = match (step, node) {
            (Step::Key(k), toml::Value::Table(t)) => t.get_mut(k),
            (Step::Index(i), toml::Value::Array(a)) => a.get_mut(*i),
            _ => None,
        };
        match next {
            Some(n) => node = n,
            None => return false,
        }
    }
    match (last, node) {
        (Step::Key(k), toml::Value::Table(t)) => t.remove(k).is_some(),
        // Removing an array item would shift the indices of later errors: stop there instead.
        _ => false,
    }
}

enum Step {
    Key(String),
    Index(usize),
}
