//! Config: the TOML an operator writes, validated in one place.
//!
//! Every section has defaults in code, and `config/default.toml` (embedded in the binary,
//! written by `newsdrop init`) spells the same defaults out with comments; a test keeps the
//! two equal. A config file overrides only what it sets: a section it leaves out keeps its
//! defaults, and without `[[stage]]` tables the default pipeline runs.
//!
//! Paths in a config file are relative to the file's folder; with the embedded default they
//! are relative to the working directory.

mod decode;

use std::path::{Path, PathBuf};

use serde::Deserialize;

pub use decode::{ConfigError, ConfigErrors, KeyLines, decode};

/// The commented default config, as `newsdrop init` writes it.
pub const DEFAULT_TOML: &str = include_str!("../../../../config/default.toml");

/// Label used in errors for the embedded default config.
pub const EMBEDDED: &str = "<embedded default>";

/// The whole config, after decoding.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub paths: Paths,
    pub intake: Intake,
    pub workers: Workers,
    pub output: Output,
    pub store: Store,
    pub http: Http,
    /// `[[stage]]` tables in pipeline order.
    pub stages: Vec<StageSpec>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            paths: Paths::default(),
            intake: Intake::default(),
            workers: Workers::default(),
            output: Output::default(),
            store: Store::default(),
            http: Http::default(),
            stages: default_pipeline(),
        }
    }
}

/// The folders newsdrop works in.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Paths {
    /// Where producers drop files.
    pub inbox: PathBuf,
    /// Where `<id>.json` files appear.
    pub outbox: PathBuf,
    /// Where inputs go once emitted (when `output.on_success = "archive"`).
    pub archive: PathBuf,
    /// Where failed inputs go, each beside a `.error.json`.
    pub failed: PathBuf,
    /// The ledger, the dedup index and the work folder.
    pub state: PathBuf,
}

impl Default for Paths {
    fn default() -> Self {
        Paths {
            inbox: "inbox".into(),
            outbox: "outbox".into(),
            archive: "archive".into(),
            failed: "failed".into(),
            state: ".newsdrop".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Intake {
    /// A file written in place is taken once its size and mtime have been stable this long.
    pub settle_ms: u64,
    /// The inbox is scanned at start-up, after an event-queue overflow and this often.
    pub scan_interval_secs: u64,
    /// Larger files fail without being read (the limit applies to gzip's output too).
    pub max_file_bytes: u64,
    /// Claimed files waiting for a worker; a burst beyond this waits in the inbox.
    pub queue_capacity: usize,
    /// Watch subfolders of the inbox too (the subfolder is the article's `source.folder`).
    pub recursive: bool,
}

impl Default for Intake {
    fn default() -> Self {
        Intake {
            settle_ms: 1000,
            scan_interval_secs: 30,
            max_file_bytes: 10 * 1024 * 1024,
            queue_capacity: 256,
            recursive: true,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Workers {
    /// Pipeline threads; 0 means one per core.
    pub threads: usize,
    /// On SIGTERM, how long in-flight articles may take to finish.
    pub drain_timeout_secs: u64,
    /// While a backlog drains, log done/remaining/rate this often; 0 never.
    pub progress_secs: u64,
}

impl Default for Workers {
    fn default() -> Self {
        Workers {
            threads: 0,
            drain_timeout_secs: 30,
            progress_secs: 5,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Output {
    /// What happens to an input once its article is emitted.
    pub on_success: OnSuccess,
    /// Add the dropped blocks, with the rule that dropped each, as `removed`.
    pub removed: bool,
    /// Also append every article to this JSON Lines file.
    pub jsonl: Option<PathBuf>,
    /// Also insert every article into this table of the PostgreSQL store's database
    /// (`name` or `schema.name`; created if missing).
    pub table: Option<String>,
}

impl Default for Output {
    fn default() -> Self {
        Output {
            on_success: OnSuccess::Archive,
            removed: false,
            jsonl: None,
            table: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OnSuccess {
    /// Move the input to the archive folder.
    Archive,
    /// Delete the input.
    Delete,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Store {
    pub kind: StoreKind,
    /// The PostgreSQL connection string (`postgresql://user:password@host:port/db` or
    /// `host=… dbname=…`); only with `kind = "postgres"`.
    pub url: Option<String>,
    /// Most connections to PostgreSQL this daemon holds at once.
    pub pool_size: usize,
    /// A file whose processing was interrupted this many times (a crash, a kill) is
    /// quarantined in `failed/` instead of being tried again.
    pub max_attempts: u32,
}

impl Default for Store {
    fn default() -> Self {
        Store {
            kind: StoreKind::Sqlite,
            url: None,
            pool_size: 8,
            max_attempts: 3,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StoreKind {
    /// SQLite in WAL mode under the state folder.
    Sqlite,
    /// A PostgreSQL database, shared by every daemon configured with the same `url`.
    Postgres,
}

/// The operator's HTTP endpoint: `/metrics` (Prometheus text), `/health`, `/ready`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(default)]
pub struct Http {
    /// Address to serve on, such as `127.0.0.1:9464`; none (the default) serves nothing.
    /// Port 0 takes a free port, which the start-up log names.
    pub listen: Option<std::net::SocketAddr>,
}

/// One `[[stage]]` table: the rule it runs and that rule's own config.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct StageSpec {
    /// A built-in rule name, or `plugin:PATH` (relative to the config file).
    pub rule: String,
    /// A name for logs and errors; defaults to the rule.
    #[serde(default)]
    pub name: Option<String>,
    /// Every other key: the rule's config, checked by the rule.
    #[serde(flatten)]
    pub options: toml::Table,
}

impl StageSpec {
    pub fn new(rule: &str) -> Self {
        StageSpec {
            rule: rule.to_string(),
            name: None,
            options: toml::Table::new(),
        }
    }

    pub fn display_name(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.rule)
    }
}

/// The pipeline that runs when a config has no `[[stage]]` tables.
pub fn default_pipeline() -> Vec<StageSpec> {
    let mut tagging = StageSpec::new("tagging");
    tagging.options.insert(
        "gazetteers".to_string(),
        toml::Value::Array(vec!["builtin:countries".into(), "builtin:news".into()]),
    );
    vec![
        StageSpec::new("metadata"),
        StageSpec::new("boilerplate"),
        tagging,
        StageSpec::new("dedup"),
    ]
}

/// A decoded config with what is needed to place errors and resolve paths.
#[derive(Debug, Clone)]
pub struct LoadedConfig {
    pub config: Config,
    /// Key positions in the source, for rules that report errors in their own options.
    pub lines: KeyLines,
    /// The config file, when there is one.
    pub file: Option<PathBuf>,
    /// Folder that relative paths resolve against.
    pub base_dir: PathBuf,
}

impl LoadedConfig {
    /// The embedded default, with paths relative to `base_dir` (the working directory).
    pub fn embedded(base_dir: &Path) -> Self {
        LoadedConfig {
            config: Config::default(),
            lines: KeyLines::none(EMBEDDED),
            file: None,
            base_dir: base_dir.to_path_buf(),
        }
    }

    /// Decodes config text read from `file`; relative paths resolve against its folder.
    pub fn parse(src: &str, file: &Path) -> Result<Self, InvalidConfig> {
        let label = file.display().to_string();
        let syntax = |e: ConfigError| InvalidConfig {
            errors: ConfigErrors(vec![e]),
            partial: None,
        };
        let lines = KeyLines::parse(src, &label).map_err(syntax)?;
        // The keys are read: what fails now is a value, such as an integer past i64.
        let table: toml::Table = toml::from_str(src).map_err(|e| {
            let at = e.span().map_or((0, 0), |s| decode::line_col(src, s.start));
            syntax(lines.error_at(at, e.message().trim()))
        })?;
        // Section by section, so that one bad section does not hide the errors of the
        // others, and the stages still reach their rules for checking.
        let mut errors = Vec::new();
        let mut config = Config::default();
        for (key, value) in table {
            match key.as_str() {
                "paths" => section(&mut config.paths, value, &key, &lines, &mut errors),
                "intake" => section(&mut config.intake, value, &key, &lines, &mut errors),
                "workers" => section(&mut config.workers, value, &key, &lines, &mut errors),
                "output" => section(&mut config.output, value, &key, &lines, &mut errors),
                "store" => section(&mut config.store, value, &key, &lines, &mut errors),
                "http" => section(&mut config.http, value, &key, &lines, &mut errors),
                "stage" => section(&mut config.stages, value, &key, &lines, &mut errors),
                other => errors.push(lines.error(other, format!("unknown key `{other}`"))),
            }
        }
        errors.extend(validate(&config, file, &lines));
        errors.sort_by_key(|e| (e.line, e.column));
        let loaded = LoadedConfig {
            config,
            lines,
            file: Some(file.to_path_buf()),
            base_dir: file.parent().map(Path::to_path_buf).unwrap_or_default(),
        };
        if errors.is_empty() {
            Ok(loaded)
        } else {
            Err(InvalidConfig {
                errors: ConfigErrors(errors),
                partial: Some(Box::new(loaded)),
            })
        }
    }

    /// `path` resolved against the config's folder.
    pub fn resolve(&self, path: &Path) -> PathBuf {
        self.base_dir.join(path)
    }

    /// The label errors use for this config.
    pub fn label(&self) -> &str {
        &self.lines.file
    }
}

/// A config with errors, and as much of it as could be decoded (defaults in place of the
/// sections that failed), so that the stages' own options can be checked too.
#[derive(Debug, Clone)]
pub struct InvalidConfig {
    pub errors: ConfigErrors,
    /// `None` after a syntax error.
    pub partial: Option<Box<LoadedConfig>>,
}

fn section<T: serde::de::DeserializeOwned>(
    slot: &mut T,
    value: toml::Value,
    key: &str,
    lines: &KeyLines,
    errors: &mut Vec<ConfigError>,
) {
    match decode(value, key, lines) {
        Ok(decoded) => *slot = decoded,
        Err(mut e) => errors.append(&mut e),
    }
}

/// `name` or `schema.name`, each part a plain SQL identifier (so it needs no quoting rules).
pub fn is_table_name(name: &str) -> bool {
    let part = |p: &str| {
        p.chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && p.len() <= 63
    };
    let parts: Vec<&str> = name.split('.').collect();
    parts.len() <= 2 && parts.iter().all(|p| part(p))
}

/// `path` with `.` left out and `..` taken back, as written (no file system look-up): enough
/// to compare the folders of one config, which are relative to the same place.
fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir if out.file_name().is_some() => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Whether intake would read `path` (lexical, as `inbox` is): it is inside the inbox, and
/// not under a hidden name there.
fn read_by_intake(inbox: &Path, path: &Path) -> bool {
    path.strip_prefix(inbox)
        .ok()
        .and_then(|rest| rest.components().next())
        .is_some_and(|first| !first.as_os_str().to_string_lossy().starts_with('.'))
}

/// Checks that span sections: values serde accepts but newsdrop cannot run with.
fn validate(config: &Config, file: &Path, lines: &KeyLines) -> Vec<ConfigError> {
    let mut errors = Vec::new();
    let mut positive = |key: &str, value: u64| {
        if value == 0 {
            errors.push(lines.error(key, "must be greater than 0"));
        }
    };
    positive(
        "intake.scan_interval_secs",
        config.intake.scan_interval_secs,
    );
    positive("intake.max_file_bytes", config.intake.max_file_bytes);
    positive("intake.queue_capacity", config.intake.queue_capacity as u64);
    positive("store.max_attempts", u64::from(config.store.max_attempts));
    positive("store.pool_size", config.store.pool_size as u64);
    // The queue's slots are allocated when it is made, and each worker is a thread.
    let mut at_most = |key: &str, value: u64, most: u64| {
        if value > most {
            errors.push(lines.error(key, format!("must be at most {most}")));
        }
    };
    at_most(
        "intake.queue_capacity",
        config.intake.queue_capacity as u64,
        1 << 20,
    );
    at_most("workers.threads", config.workers.threads as u64, 1024);
    // Times are added to the clock: one of millions of years overflows it (the intake
    // thread panicked). A day is more than any of them needs.
    const DAY_SECS: u64 = 24 * 60 * 60;
    let i = &config.intake;
    at_most("intake.settle_ms", i.settle_ms, DAY_SECS * 1000);
    at_most("intake.scan_interval_secs", i.scan_interval_secs, DAY_SECS);
    let w = &config.workers;
    at_most("workers.drain_timeout_secs", w.drain_timeout_secs, DAY_SECS);
    at_most("workers.progress_secs", w.progress_secs, DAY_SECS);

    let store = &config.store;
    match (store.kind, &store.url) {
        (StoreKind::Postgres, None) => errors.push(lines.error(
            "store.kind",
            "`kind = \"postgres\"` needs `url`, the database's connection string",
        )),
        (StoreKind::Sqlite, Some(_)) => errors.push(lines.error(
            "store.url",
            "is only used with `kind = \"postgres\"`; the SQLite store lives in the state folder",
        )),
        _ => {}
    }
    if let Some(table) = &config.output.table {
        if store.kind != StoreKind::Postgres {
            errors.push(lines.error(
                "output.table",
                "writes to the PostgreSQL store's database: it needs `store.kind = \"postgres\"`",
            ));
        }
        if !is_table_name(table) {
            errors.push(lines.error(
                "output.table",
                "must be a table name (`articles` or `schema.articles`: letters, digits, `_`)",
            ));
        }
    }

    let p = &config.paths;
    let named = [
        ("paths.inbox", &p.inbox),
        ("paths.outbox", &p.outbox),
        ("paths.archive", &p.archive),
        ("paths.failed", &p.failed),
        ("paths.state", &p.state),
    ];
    for (i, (key, path)) in named.iter().enumerate() {
        if let Some((other, _)) = named[..i].iter().find(|(_, q)| q == path) {
            errors.push(lines.error(key, format!("is the same folder as `{other}`")));
        }
    }
    // Intake reads the inbox's subfolders: a folder newsdrop writes inside it would be read
    // back as articles, the error records of failed ones failing in turn without end. A
    // hidden one (the state folder `.newsdrop`, say) is never read.
    let inbox = lexical(&p.inbox);
    for (key, path) in &named[1..] {
        if read_by_intake(&inbox, &lexical(path)) && **path != p.inbox {
            errors.push(lines.error(
                key,
                "is inside the inbox (`paths.inbox`): intake would read what newsdrop writes \
                 there as articles; put it beside the inbox, or give it a hidden name",
            ));
        }
    }
    // So would the config file itself be taken, and failed as no article. The folders are
    // still relative to the config's folder here.
    let base = file.parent().unwrap_or(Path::new(""));
    let absolute = |path: &Path| std::path::absolute(path).map(|path| lexical(&path));
    if let (Ok(inbox), Ok(file)) = (absolute(&base.join(&p.inbox)), absolute(file))
        && read_by_intake(&inbox, &file)
    {
        errors.push(lines.error(
            "paths.inbox",
            format!(
                "holds this config file ({}): intake would take it as an article; keep the \
                 config beside the inbox, or in a hidden folder in it",
                file.display()
            ),
        ));
    }

    let mut seen: Vec<&str> = Vec::new();
    for (i, stage) in config.stages.iter().enumerate() {
        if stage.rule.trim().is_empty() {
            errors.push(lines.error(&format!("stage[{i}].rule"), "must name a rule"));
        }
        let name = stage.display_name();
        if seen.contains(&name) {
            errors.push(lines.error(
                &format!("stage[{i}]"),
                format!("a second stage named `{name}`: give one a distinct `name`"),
            ));
        }
        seen.push(name);
    }
    errors.sort_by_key(|e| (e.line, e.column));
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(src: &str) -> Result<LoadedConfig, ConfigErrors> {
        LoadedConfig::parse(src, Path::new("/etc/newsdrop/newsdrop.toml")).map_err(|e| e.errors)
    }

    #[test]
    fn the_commented_default_file_equals_the_code_defaults() {
        let loaded = parse(DEFAULT_TOML).expect("default.toml must parse");
        assert_eq!(loaded.config, Config::default());
    }

    #[test]
    fn a_section_left_out_keeps_its_defaults_and_the_default_pipeline() {
        let loaded = parse("[intake]\nsettle_ms = 250\n").expect("valid");
        assert_eq!(loaded.config.intake.settle_ms, 250);
        assert_eq!(
            loaded.config.intake.max_file_bytes,
            Intake::default().max_file_bytes
        );
        assert_eq!(loaded.config.paths, Paths::default());
        assert_eq!(loaded.config.stages, default_pipeline());
        assert_eq!(
            loaded.resolve(Path::new("inbox")),
            Path::new("/etc/newsdrop/inbox")
        );
    }

    #[test]
    fn every_unknown_key_is_reported_with_file_line_and_key() {
        let src = "[intake]\nsettel_ms = 5\n\n[output]\njsnl = \"x\"\n\n[bogus]\na = 1\n";
        let errors = parse(src).expect_err("must fail").0;
        let got: Vec<(usize, &str)> = errors.iter().map(|e| (e.line, e.key.as_str())).collect();
        assert_eq!(
            got,
            vec![(2, "intake.settel_ms"), (5, "output.jsnl"), (7, "bogus")]
        );
        assert!(
            errors[0]
                .to_string()
                .starts_with("/etc/newsdrop/newsdrop.toml:2:1: key `intake.settel_ms`")
        );
    }

    #[test]
    fn type_errors_are_all_reported_alongside_unknown_keys() {
        let src = "[intake]\nsettle_ms = \"soon\"\nqueue_capacity = -3\n[workers]\nthreds = 2\n";
        let errors = parse(src).expect_err("must fail").0;
        let keys: Vec<&str> = errors.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(
            keys,
            vec![
                "intake.settle_ms",
                "intake.queue_capacity",
                "workers.threds"
            ]
        );
        assert_eq!(errors[0].line, 2);
        assert_eq!(errors[1].line, 3);
    }

    #[test]
    fn a_syntax_error_gives_its_line() {
        let errors = parse("[intake]\nsettle_ms = = 3\n")
            .expect_err("must fail")
            .0;
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].line, 2);
    }

    #[test]
    fn stages_keep_their_own_keys_for_the_rule_and_names_must_be_distinct() {
        let src = "[[stage]]\nrule = \"tagging\"\ngazetteers = [\"a.toml\"]\n\n[[stage]]\nrule = \"tagging\"\n";
        let errors = parse(src).expect_err("duplicate names").0;
        assert_eq!(errors[0].key, "stage[1]");
        assert_eq!(errors[0].line, 5, "the second [[stage]] header");
        let ok =
            parse("[[stage]]\nrule = \"tagging\"\ngazetteers = [\"a.toml\"]\n").expect("valid");
        assert_eq!(ok.config.stages.len(), 1);
        assert!(ok.config.stages[0].options.contains_key("gazetteers"));
        assert!(!ok.config.stages[0].options.contains_key("rule"));
    }

    #[test]
    fn the_postgres_store_needs_a_url_and_the_table_sink_needs_the_postgres_store() {
        let errors = parse("[store]\nkind = \"postgres\"\n")
            .expect_err("no url")
            .0;
        assert_eq!(errors[0].key, "store.kind");
        let errors = parse("[output]\ntable = \"articles\"\n")
            .expect_err("sqlite")
            .0;
        assert_eq!(errors[0].key, "output.table");
        let errors = parse(
            "[store]\nkind = \"postgres\"\nurl = \"host=db\"\n[output]\ntable = \"a; drop\"\n",
        )
        .expect_err("bad name")
        .0;
        assert_eq!(errors[0].key, "output.table");
        let ok = parse(
            "[store]\nkind = \"postgres\"\nurl = \"host=db\"\npool_size = 2\n[output]\ntable = \"news.articles\"\n",
        )
        .expect("valid");
        assert_eq!(ok.config.store.kind, StoreKind::Postgres);
        assert_eq!(ok.config.output.table.as_deref(), Some("news.articles"));
    }

    #[test]
    fn http_listen_is_off_by_default_and_a_bad_address_names_its_line_and_key() {
        assert_eq!(Config::default().http.listen, None);
        let ok = parse("[http]\nlisten = \"127.0.0.1:9464\"\n").expect("valid");
        assert_eq!(
            ok.config.http.listen,
            Some(std::net::SocketAddr::from(([127, 0, 0, 1], 9464)))
        );
        let errors = parse("[intake]\nsettle_ms = 5\n[http]\nlisten = \"localhost\"\nport = 1\n")
            .expect_err("must fail")
            .0;
        let got: Vec<(usize, &str)> = errors.iter().map(|e| (e.line, e.key.as_str())).collect();
        assert_eq!(got, vec![(4, "http.listen"), (5, "http.port")]);
    }

    #[test]
    fn a_folder_newsdrop_writes_inside_the_inbox_is_an_error_unless_hidden() {
        let keys = |src: &str| -> Vec<String> {
            parse(src)
                .err()
                .map_or_else(Vec::new, |e| e.0.into_iter().map(|e| e.key).collect())
        };
        assert_eq!(
            keys("[paths]\ninbox = \".\"\n"),
            [
                "paths.outbox",
                "paths.archive",
                "paths.failed",
                "paths.inbox"
            ],
            "the defaults beside `.`: all inside it but the hidden state folder, and so is \
             the config file"
        );
        assert_eq!(
            keys("[paths]\ninbox = \"\"\n").len(),
            4,
            "an empty path is `.`"
        );
        assert_eq!(
            keys("[paths]\noutbox = \"inbox/./out\"\n"),
            ["paths.outbox"]
        );
        assert!(keys("[paths]\nfailed = \"inbox/../failed-too\"\n").is_empty());
        assert!(keys("[paths]\nstate = \"inbox/.state\"\n").is_empty());
    }

    #[test]
    fn a_config_file_inside_the_inbox_is_an_error() {
        let at = |file: &str, src: &str| {
            LoadedConfig::parse(src, Path::new(file))
                .err()
                .map(|e| e.errors.0.iter().map(|e| e.key.clone()).collect::<Vec<_>>())
        };
        // Folders outside the inbox, the config in it.
        let outside = "[paths]\ninbox = \".\"\noutbox = \"../out\"\narchive = \"../archive\"\n\
                       failed = \"../failed\"\nstate = \"../state\"\n";
        assert_eq!(
            at("/srv/news/inbox/newsdrop.toml", outside),
            Some(vec!["paths.inbox".to_string()])
        );
        assert_eq!(
            at(
                "/srv/news/inbox/site/newsdrop.toml",
                "[paths]\ninbox = \"..\"\n"
            ),
            Some(vec!["paths.inbox".to_string()])
        );
        // Beside the inbox, or hidden in it: fine.
        assert_eq!(at("/srv/news/newsdrop.toml", ""), None);
        assert_eq!(
            at(
                "/srv/news/inbox/.conf/newsdrop.toml",
                "[paths]\ninbox = \"..\"\noutbox = \"../../out\"\narchive = \"../../archive\"\nfailed = \"../../failed\"\nstate = \"../../state\"\n"
            ),
            None
        );
    }

    #[test]
    fn a_queue_or_a_pool_too_large_to_allocate_is_an_error() {
        let errors = parse("[intake]\nqueue_capacity = 4000000000\n[workers]\nthreads = 100000\n")
            .expect_err("must fail")
            .0;
        let got: Vec<&str> = errors.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(got, ["intake.queue_capacity", "workers.threads"]);
    }

    #[test]
    fn times_past_a_day_are_errors_and_integers_past_toml_name_their_key() {
        let src = "[intake]\nsettle_ms = 9223372036854775807\nscan_interval_secs = 86401\n\
                   [workers]\ndrain_timeout_secs = 86400\nprogress_secs = 100000\n";
        let errors = parse(src).expect_err("must fail").0;
        let got: Vec<(usize, &str)> = errors.iter().map(|e| (e.line, e.key.as_str())).collect();
        assert_eq!(
            got,
            [
                (2, "intake.settle_ms"),
                (3, "intake.scan_interval_secs"),
                (6, "workers.progress_secs")
            ]
        );

        // Past what a TOML integer holds: the parser's error, placed at its key.
        let src = "[intake]\nsettle_ms = 5\n\n[workers]\nthreads = 2\n progress_secs = 18446744073709551615\n";
        let errors = parse(src).expect_err("must fail").0;
        assert_eq!(errors.len(), 1);
        let e = &errors[0];
        assert_eq!(
            (e.line, e.key.as_str()),
            (6, "workers.progress_secs"),
            "{e}"
        );
        assert!(e.message.contains("too large"), "{e}");
    }

    #[test]
    fn same_folder_twice_is_an_error() {
        let errors = parse("[paths]\noutbox = \"inbox\"\n")
            .expect_err("must fail")
            .0;
        assert_eq!(errors[0].key, "paths.outbox");
    }
}
