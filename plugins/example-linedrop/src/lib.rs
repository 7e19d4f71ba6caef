//! `example-linedrop`: marks body lines that match any configured pattern as dropped, with
//! the pattern as the reason, so that `removed` in the output says why. A pattern is matched
//! against the whole trimmed line, case-insensitively; `*` matches any run of characters.
//!
//! ```toml
//! [[stage]]
//! rule = "plugin:target/release/libexample_linedrop.so"
//! patterns = ["Read more:*", "*Exit mobile version*"]
//! ```

use newsdrop_sdk::{Article, Error, Example, Plugin, Verdict, export_plugin};

#[derive(serde::Deserialize)]
pub struct Config {
    pub patterns: Vec<String>,
}

pub struct ExampleLinedrop {
    /// (pattern as written, its lowercased pieces between `*`).
    patterns: Vec<(String, Vec<String>)>,
}

impl Plugin for ExampleLinedrop {
    type Config = Config;

    fn create(config: Config) -> Result<Self, Error> {
        let mut patterns = Vec::new();
        for (i, p) in config.patterns.into_iter().enumerate() {
            if p.trim().trim_matches('*').is_empty() {
                return Err(Error::at_key(
                    format!("patterns[{i}]"),
                    "a pattern that matches every line",
                ));
            }
            let pieces = p
                .trim()
                .to_lowercase()
                .split('*')
                .map(str::to_string)
                .collect();
            patterns.push((p, pieces));
        }
        Ok(ExampleLinedrop { patterns })
    }

    fn apply(&self, article: &mut Article<'_>) -> Result<Verdict, Error> {
        let mut drops = Vec::new();
        for block in article.kept() {
            let line = block.text.trim().to_lowercase();
            if let Some((pattern, _)) = self.patterns.iter().find(|(_, p)| glob(p, &line)) {
                drops.push((block.index, format!("matches pattern `{pattern}`")));
            }
        }
        for (index, reason) in drops {
            article.drop_block(index, &reason)?;
        }
        Ok(Verdict::Continue)
    }

    fn examples() -> Vec<Example> {
        vec![
            Example::new("a matching line is dropped, the others kept")
                .config(r#"patterns = ["Read more:*"]"#)
                .line("The talks went well.")
                .line("READ MORE: Minister visits Paris")
                .expect_kept(0)
                .expect_dropped(1),
            Example::new("a star pattern matches inside the line")
                .config(r#"patterns = ["*mobile version*"]"#)
                .line("Exit mobile version")
                .expect_dropped(0),
            Example::new("a lone star is refused")
                .config(r#"patterns = ["*"]"#)
                .expect_config_error("matches every line"),
        ]
    }
}

/// Whether `line` matches the pattern split at its `*`s.
fn glob(pieces: &[String], line: &str) -> bool {
    let Some((first, rest)) = pieces.split_first() else {
        return false;
    };
    let Some(mut remaining) = line.strip_prefix(first.as_str()) else {
        return false;
    };
    let Some((last, middle)) = rest.split_last() else {
        return remaining.is_empty();
    };
    for piece in middle {
        match remaining.find(piece.as_str()) {
            Some(at) => remaining = &remaining[at + piece.len()..],
            None => return false,
        }
    }
    remaining.ends_with(last.as_str())
}

export_plugin!(ExampleLinedrop);

#[cfg(test)]
mod tests {
    use super::glob;

    fn p(s: &str) -> Vec<String> {
        s.split('*').map(str::to_string).collect()
    }

    #[test]
    fn globs() {
        assert!(glob(&p("read more:*"), "read more: x"));
        assert!(!glob(&p("read more:*"), "please read more: x"));
        assert!(glob(&p("*version*"), "exit mobile version"));
        assert!(glob(&p("exact"), "exact"));
        assert!(!glob(&p("exact"), "exactly"));
        assert!(glob(&p("a*b*c"), "a--b--c"));
    }
}
