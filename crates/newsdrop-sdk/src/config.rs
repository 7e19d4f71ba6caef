//! The stage's config, as the host sends it (a JSON object), decoded into the plugin's
//! `Config` type with every unknown key and the first type error reported by key.

use serde::de::DeserializeOwned;

use crate::Error;

/// Decodes `json` into `T`; each problem names the config key it is about.
pub fn decode<T: DeserializeOwned>(json: &str) -> Result<T, Vec<Error>> {
    let value: serde_json::Value = serde_json::from_str(json)
        .map_err(|e| vec![Error::new(format!("config is not JSON: {e}"))])?;
    let mut unknown = Vec::new();
    let mut track = serde_path_to_error::Track::new();
    let tracked = serde_path_to_error::Deserializer::new(value, &mut track);
    let result: Result<T, _> =
        serde_ignored::deserialize(tracked, |path| unknown.push(ignored_path(&path)));
    let mut errors: Vec<Error> = unknown
        .into_iter()
        .map(|key| {
            let name = key.rsplit('.').next().unwrap_or(&key).to_string();
            Error::at_key(key, format!("unknown key `{name}`"))
        })
        .collect();
    match result {
        Ok(decoded) if errors.is_empty() => Ok(decoded),
        Ok(_) => Err(errors),
        Err(e) => {
            let key = tracked_path(&track.path());
            let message = e.to_string();
            errors.push(if key.is_empty() {
                Error::new(message)
            } else {
                Error::at_key(key, message)
            });
            Err(errors)
        }
    }
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)] // fields are only decoded
    struct Cfg {
        threshold: f64,
        words: Vec<String>,
    }

    #[test]
    fn unknown_keys_name_their_keys() {
        let errors = decode::<Cfg>(r#"{"threshold": 1, "words": [], "wrods": 1, "x": 2}"#)
            .expect_err("must fail");
        let keys: Vec<Option<&str>> = errors.iter().map(Error::key).collect();
        assert_eq!(keys, vec![Some("wrods"), Some("x")], "{errors:?}");
        assert_eq!(errors[0].message(), "unknown key `wrods`");
    }

    #[test]
    fn a_type_error_names_its_key() {
        let errors = decode::<Cfg>(r#"{"threshold": 1, "words": [2]}"#).expect_err("must fail");
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].key(), Some("words[0]"), "{errors:?}");
    }
}
