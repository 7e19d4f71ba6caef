//! Gazetteer files: the TOML schema (`[[country]]`, `[[person]]`, `[[org]]`, `[[topic]]`,
//! `[[place]]`, `[settings]`), loading with every error located, and merging several files
//! into one entity list.
//!
//! Decoding goes through `newsdrop_core::config::decode`, the same path as the main config,
//! so an unknown key, a wrong type, a duplicate id or an empty string is reported with the
//! gazetteer's file, line and key (`person[4].short[0]`). Files are merged in order: an id
//! seen again in a later file extends that entity (its lists are added to, its name
//! replaced), which is how `config/gazetteers/news.toml` adds combining forms and vetoes to
//! the built-in countries.

use std::collections::HashMap;

use newsdrop_core::ConfigError;
use newsdrop_core::config::{KeyLines, decode};
use serde::Deserialize;

/// The kinds a gazetteer can define, in the order tags are listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Country,
    Person,
    Org,
    Place,
    Topic,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::Country,
        Kind::Person,
        Kind::Org,
        Kind::Place,
        Kind::Topic,
    ];

    /// The table name in a gazetteer file, and the id prefix before `:`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Country => "country",
            Kind::Person => "person",
            Kind::Org => "org",
            Kind::Place => "place",
            Kind::Topic => "topic",
        }
    }
}

/// `[settings]` of a gazetteer file. The values describe the matching rules; this tagger
/// implements exactly those of the reference file, so other values are errors rather than
/// silently ignored.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RawSettings {
    pub schema: Option<u32>,
    pub case: Option<String>,
    pub fold_diacritics: Option<bool>,
    pub allow_possessive: Option<bool>,
    pub split_hyphens: Option<bool>,
    pub whitespace: Option<String>,
    pub overlap: Option<String>,
    pub fuzzy: Option<FuzzySettings>,
}

/// The optional fuzzy pass for person names.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default)]
pub struct FuzzySettings {
    pub enabled: bool,
    /// Kinds it applies to; only `person` is supported.
    pub kinds: Vec<String>,
    /// Only `jaro-winkler`.
    pub metric: String,
    /// Jaro–Winkler similarity the surname must reach.
    pub min_score: f64,
    /// Surnames shorter than this (in characters) are never matched fuzzily.
    pub min_len: usize,
}

impl Default for FuzzySettings {
    fn default() -> Self {
        FuzzySettings {
            enabled: false,
            kinds: vec!["person".to_string()],
            metric: "jaro-winkler".to_string(),
            min_score: 0.93,
            min_len: 6,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawFile {
    settings: Option<RawSettings>,
    country: Vec<RawEntity>,
    person: Vec<RawEntity>,
    org: Vec<RawEntity>,
    place: Vec<RawEntity>,
    topic: Vec<RawEntity>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawEntity {
    id: String,
    name: String,
    aliases: Vec<String>,
    variants: Vec<String>,
    demonyms: Vec<String>,
    combining: Vec<String>,
    combining_except: Vec<String>,
    acronyms: Vec<String>,
    short: Vec<String>,
    exclude: Vec<String>,
    keywords: Vec<String>,
    #[allow(dead_code)] // a cross-reference for people, never used for matching
    wikidata: Option<String>,
    /// Place only: the ISO code of the country it lies in. Informational: a city never
    /// implies a country tag.
    #[allow(dead_code)]
    country: Option<String>,
}

/// Which list of an entity a string came from; decides how it is matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Form {
    Name,
    Alias,
    Variant,
    Demonym,
    Combining,
    CombiningExcept,
    Acronym,
    Short,
    Exclude,
    Keyword,
}

impl Form {
    pub fn as_str(self) -> &'static str {
        match self {
            Form::Name => "name",
            Form::Alias => "aliases",
            Form::Variant => "variants",
            Form::Demonym => "demonyms",
            Form::Combining => "combining",
            Form::CombiningExcept => "combining_except",
            Form::Acronym => "acronyms",
            Form::Short => "short",
            Form::Exclude => "exclude",
            Form::Keyword => "keywords",
        }
    }
}

/// One match string of an entity, with the file it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub text: String,
    pub form: Form,
    /// Index into [`Gazetteers::files`].
    pub file: usize,
}

/// One entity after merging.
#[derive(Debug, Clone)]
pub struct Entity {
    pub id: String,
    pub kind: Kind,
    pub label: String,
    pub entries: Vec<Entry>,
}

/// Every entity of every file, merged by id, plus the files' settings.
#[derive(Debug, Default)]
pub struct Gazetteers {
    /// File labels as configured (`builtin:countries`, `gazetteers/people.toml`).
    pub files: Vec<String>,
    pub entities: Vec<Entity>,
    /// The last `fuzzy` setting any file gave.
    pub fuzzy: Option<FuzzySettings>,
    by_id: HashMap<String, usize>,
}

impl Gazetteers {
    /// Adds one file's source; `label` names it in errors and in tag `rule`s.
    pub fn add(&mut self, label: &str, src: &str) -> Result<(), Vec<ConfigError>> {
        let lines = KeyLines::parse(src, label).map_err(|e| vec![e])?;
        let value: toml::Value = toml::from_str(src).map_err(|e| {
            vec![ConfigError {
                file: label.to_string(),
                line: 0,
                column: 0,
                key: String::new(),
                message: e.message().to_string(),
            }]
        })?;
        // Unknown keys and bad values first; when only unknown keys are wrong, the lenient
        // decode still lets the checks below report their problems in the same pass.
        let mut errors = Vec::new();
        let raw: RawFile = match decode(value.clone(), "", &lines) {
            Ok(raw) => raw,
            Err(e) => {
                errors = e;
                match value.try_into() {
                    Ok(raw) => raw,
                    Err(_) => return Err(errors),
                }
            }
        };
        if let Some(settings) = &raw.settings {
            check_settings(settings, &lines, &mut errors);
            if let Some(f) = &settings.fuzzy {
                self.fuzzy = Some(f.clone());
            }
        }
        let file = self.files.len();
        self.files.push(label.to_string());
        let mut seen: HashMap<&str, String> = HashMap::new();
        let tables = [
            (Kind::Country, &raw.country),
            (Kind::Person, &raw.person),
            (Kind::Org, &raw.org),
            (Kind::Place, &raw.place),
            (Kind::Topic, &raw.topic),
        ];
        for (kind, list) in tables {
            for (i, e) in list.iter().enumerate() {
                let key = format!("{}[{i}]", kind.as_str());
                let before = errors.len();
                check_entity(kind, e, &key, &lines, &mut errors);
                // A place may list alternate names as repeated entries of its id (the
                // GeoNames-derived files do); anywhere else a repeated id is a mistake.
                if kind == Kind::Place && seen.contains_key(e.id.as_str()) {
                    if errors.len() == before && before == 0 {
                        self.merge_alternate(e, file);
                    }
                    continue;
                }
                if let Some(first) = seen.get(e.id.as_str()) {
                    errors.push(lines.error(
                        &format!("{key}.id"),
                        format!("duplicate id `{}` (first at `{first}`)", e.id),
                    ));
                } else {
                    seen.insert(&e.id, key.clone());
                }
                if errors.len() == before && before == 0 {
                    self.merge(kind, e, file);
                }
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            errors.sort_by_key(|e| (e.line, e.column));
            Err(errors)
        }
    }

    /// A repeated `[[place]]` entry: its strings become alternate names, the label stays.
    fn merge_alternate(&mut self, e: &RawEntity, file: usize) {
        if let Some(&i) = self.by_id.get(&e.id) {
            let ent = &mut self.entities[i];
            for text in std::iter::once(&e.name)
                .chain(&e.aliases)
                .chain(&e.variants)
            {
                if !ent.entries.iter().any(|x| x.text == *text) {
                    ent.entries.push(Entry {
                        text: text.clone(),
                        form: Form::Alias,
                        file,
                    });
                }
            }
        }
    }

    fn merge(&mut self, kind: Kind, e: &RawEntity, file: usize) {
        let slot = match self.by_id.get(&e.id) {
            Some(&i) => {
                let ent = &mut self.entities[i];
                ent.label = e.name.clone();
                i
            }
            None => {
                self.entities.push(Entity {
                    id: e.id.clone(),
                    kind,
                    label: e.name.clone(),
                    entries: Vec::new(),
                });
                self.by_id.insert(e.id.clone(), self.entities.len() - 1);
                self.entities.len() - 1
            }
        };
        let ent = &mut self.entities[slot];
        let mut push = |text: &String, form: Form| {
            if !ent
                .entries
                .iter()
                .any(|x| x.text == *text && x.form == form)
            {
                ent.entries.push(Entry {
                    text: text.clone(),
                    form,
                    file,
                });
            }
        };
        // Topic names are labels only: "Energy" or "Climate" alone is no evidence of a topic.
        if kind != Kind::Topic {
            push(&e.name, Form::Name);
        }
        let lists = [
            (&e.aliases, Form::Alias),
            (&e.variants, Form::Variant),
            (&e.demonyms, Form::Demonym),
            (&e.combining, Form::Combining),
            (&e.combining_except, Form::CombiningExcept),
            (&e.acronyms, Form::Acronym),
            (&e.short, Form::Short),
            (&e.exclude, Form::Exclude),
            (&e.keywords, Form::Keyword),
        ];
        for (list, form) in lists {
            for s in list {
                push(s, form);
            }
        }
    }
}

fn check_settings(s: &RawSettings, lines: &KeyLines, errors: &mut Vec<ConfigError>) {
    let mut expect = |key: &str, ok: bool, what: &str| {
        if !ok {
            errors.push(lines.error(&format!("settings.{key}"), what.to_string()));
        }
    };
    if let Some(v) = s.schema {
        expect("schema", v == 1, "unsupported schema: expected 1");
    }
    if let Some(v) = &s.case {
        expect("case", v == "smart", "expected \"smart\"");
    }
    if let Some(v) = s.fold_diacritics {
        expect(
            "fold_diacritics",
            v,
            "diacritics are always folded: expected true",
        );
    }
    if let Some(v) = s.allow_possessive {
        expect(
            "allow_possessive",
            v,
            "possessives are always allowed: expected true",
        );
    }
    if let Some(v) = s.split_hyphens {
        expect("split_hyphens", v, "hyphens always split: expected true");
    }
    if let Some(v) = &s.whitespace {
        expect("whitespace", v == "collapse", "expected \"collapse\"");
    }
    if let Some(v) = &s.overlap {
        expect(
            "overlap",
            v == "leftmost-longest",
            "expected \"leftmost-longest\"",
        );
    }
    if let Some(f) = &s.fuzzy {
        for e in check_fuzzy(f) {
            errors.push(lines.error(&format!("settings.fuzzy.{}", e.0), e.1));
        }
    }
}

/// Problems with a fuzzy setting, as (key, message).
pub fn check_fuzzy(f: &FuzzySettings) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    if f.kinds.iter().any(|k| k != "person") {
        out.push(("kinds", "only [\"person\"] is supported".to_string()));
    }
    if f.metric != "jaro-winkler" {
        out.push(("metric", "expected \"jaro-winkler\"".to_string()));
    }
    if !(0.5..=1.0).contains(&f.min_score) {
        out.push(("min_score", "must be between 0.5 and 1.0".to_string()));
    }
    if f.min_len < 3 {
        out.push(("min_len", "must be at least 3".to_string()));
    }
    out
}

fn check_entity(
    kind: Kind,
    e: &RawEntity,
    key: &str,
    lines: &KeyLines,
    errors: &mut Vec<ConfigError>,
) {
    let prefix = format!("{}:", kind.as_str());
    match e.id.strip_prefix(&prefix) {
        None => errors.push(lines.error(
            &format!("{key}.id"),
            format!("id must start with `{prefix}`, got `{}`", e.id),
        )),
        Some(rest) if rest.trim().is_empty() || rest.contains(char::is_whitespace) => {
            errors.push(lines.error(
                &format!("{key}.id"),
                format!("id `{}` needs a name after `{prefix}` and no spaces", e.id),
            ));
        }
        Some(_) => {}
    }
    if e.name.trim().is_empty() {
        errors.push(lines.error(&format!("{key}.name"), "required and must not be empty"));
    }
    let lists: [(&str, &Vec<String>); 9] = [
        ("aliases", &e.aliases),
        ("variants", &e.variants),
        ("demonyms", &e.demonyms),
        ("combining", &e.combining),
        ("combining_except", &e.combining_except),
        ("acronyms", &e.acronyms),
        ("short", &e.short),
        ("exclude", &e.exclude),
        ("keywords", &e.keywords),
    ];
    for (name, list) in lists {
        for (j, s) in list.iter().enumerate() {
            if s.trim().is_empty() {
                errors.push(lines.error(&format!("{key}.{name}[{j}]"), "empty string"));
            }
        }
        let only = |k: Kind| kind != k && !list.is_empty();
        let misplaced = match name {
            "demonyms" | "combining" | "combining_except" => only(Kind::Country),
            "keywords" => only(Kind::Topic),
            _ => false,
        };
        if misplaced {
            errors.push(lines.error(
                &format!("{key}.{name}"),
                format!("`{name}` is not allowed in [[{}]]", kind.as_str()),
            ));
        }
    }
    if kind != Kind::Place && e.country.is_some() {
        errors.push(lines.error(
            &format!("{key}.country"),
            format!("`country` is not allowed in [[{}]]", kind.as_str()),
        ));
    }
    if kind == Kind::Topic && e.keywords.is_empty() {
        errors.push(lines.error(&format!("{key}.keywords"), "a topic needs keywords"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(src: &str) -> Result<Gazetteers, Vec<ConfigError>> {
        let mut g = Gazetteers::default();
        g.add("people.toml", src)?;
        Ok(g)
    }

    #[test]
    fn duplicate_ids_empty_strings_and_unknown_keys_name_file_line_and_key() {
        let src = "[[person]]\nid = \"person:a\"\nname = \"A B\"\nshort = [\"\"]\n\n\
                   [[person]]\nid = \"person:a\"\nname = \"A C\"\nnickname = [\"x\"]\n";
        let errors = load(src).expect_err("must fail");
        let got: Vec<(usize, &str)> = errors.iter().map(|e| (e.line, e.key.as_str())).collect();
        assert_eq!(
            got,
            vec![
                (4, "person[0].short[0]"),
                (7, "person[1].id"),
                (9, "person[1].nickname")
            ],
            "{errors:?}"
        );
        assert!(errors.iter().all(|e| e.file == "people.toml"));
        assert!(errors[1].message.contains("duplicate id `person:a`"));
        assert!(
            errors[2]
                .to_string()
                .starts_with("people.toml:9:1: key `person[1].nickname`")
        );
    }

    #[test]
    fn ids_must_carry_their_kind_and_lists_their_kind() {
        let src = "[[org]]\nid = \"country:XX\"\nname = \"X\"\ndemonyms = [\"Xian\"]\n";
        let errors = load(src).expect_err("must fail");
        let keys: Vec<&str> = errors.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(keys, vec!["org[0].id", "org[0].demonyms"]);
    }

    #[test]
    fn a_later_file_extends_an_entity_by_id() {
        let mut g = Gazetteers::default();
        g.add(
            "a.toml",
            "[[country]]\nid = \"country:PK\"\nname = \"Pakistan\"\n",
        )
        .expect("a");
        g.add(
            "b.toml",
            "[[country]]\nid = \"country:PK\"\nname = \"Pakistan\"\ncombining = [\"Pak\"]\n",
        )
        .expect("b");
        assert_eq!(g.entities.len(), 1);
        let forms: Vec<(&str, Form, usize)> = g.entities[0]
            .entries
            .iter()
            .map(|e| (e.text.as_str(), e.form, e.file))
            .collect();
        assert_eq!(
            forms,
            vec![("Pakistan", Form::Name, 0), ("Pak", Form::Combining, 1)]
        );
    }

    #[test]
    fn settings_other_than_the_implemented_rules_are_errors() {
        let errors = load("[settings]\nschema = 2\ncase = \"insensitive\"\n").expect_err("fail");
        let keys: Vec<&str> = errors.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(keys, vec!["settings.schema", "settings.case"]);
    }
}
