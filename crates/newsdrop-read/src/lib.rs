//! Reading: the bytes of a dropped file become an [`Article`] with text blocks.
//!
//! bytes → (gunzip) → text (BOM, UTF-8, else a detected legacy encoding) → blocks by format
//! (`.txt`/`.md` lines, `.html` DOM, `.json` fields). Pure: the caller reads the file and
//! checks its size on disk first; this crate never panics on any input (a proptest checks).
//!
//! Modules: `decode` turns bytes into clean text (gzip, binary sniffing,
//! encodings); `text`, `markdown`, `html` and `json` turn text into blocks, one per format.

mod decode;
mod html;
mod json;
mod markdown;
mod text;

use newsdrop_core::{Article, Format, Source};

/// Limits the reader enforces on the bytes it is given.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest input accepted, before and after gzip decompression.
    pub max_bytes: u64,
}

impl Limits {
    /// The default size limit, 10 MiB (the same as the config's default).
    pub const DEFAULT_MAX_BYTES: u64 = 10 * 1024 * 1024;
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: Self::DEFAULT_MAX_BYTES,
        }
    }
}

/// The most blocks (lines, paragraphs) an article may have. A news article has hundreds;
/// a page dump a few thousand. What has more is a list or a log, and reading it would cost
/// without bound: 10 MB of one-letter lines made 5 million blocks and 1.7 GB. Readers stop
/// once they have more, and the file fails with [`ReadError::TooManyBlocks`].
pub const MAX_BLOCKS: usize = 200_000;

/// Whether a reader has made more blocks than [`MAX_BLOCKS`] and can stop.
fn over_block_limit(blocks: &[newsdrop_core::Block]) -> bool {
    blocks.len() > MAX_BLOCKS
}

/// Why a file could not be read. Each message is meant for `failed/<file>.error.json`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    #[error("empty file")]
    Empty,
    #[error("file is {size} bytes, over the limit of {limit} bytes")]
    TooLarge { size: u64, limit: u64 },
    /// A gzip file whose content is over the limit: how much over is not known, since the
    /// reader stops decompressing past the limit rather than inflate a gzip bomb.
    #[error(
        "gzip file of {packed} bytes unpacks to more than the limit of {limit} bytes (unpacking stopped there)"
    )]
    UnpackedTooLarge { packed: u64, limit: u64 },
    #[error("binary file: {0}")]
    Binary(String),
    #[error(
        "unsupported file type {0:?}: expected .txt, .md, .html, .htm or .json, optionally .gz"
    )]
    Unsupported(String),
    #[error("gzip: {0}")]
    Gzip(String),
    #[error("text encoding: {0}")]
    Encoding(String),
    #[error("malformed JSON: {0}")]
    Json(String),
    #[error(
        "more than {MAX_BLOCKS} lines or paragraphs: not an article (a list or a log?), and too large to read"
    )]
    TooManyBlocks,
}

/// The format of a file from its name, and whether it is gzip-compressed.
///
/// The extension is matched case-insensitively after stripping one trailing `.gz`; the
/// error carries the extension found (with its dot), or the name if it has none.
pub fn format_of(name: &str) -> Result<(Format, bool), ReadError> {
    let file = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let lower = file.to_ascii_lowercase();
    let (stem, gz) = match lower.strip_suffix(".gz") {
        Some(stem) => (stem, true),
        None => (lower.as_str(), false),
    };
    let Some((_, ext)) = stem.rsplit_once('.') else {
        return Err(ReadError::Unsupported(file.to_string()));
    };
    let format = match ext {
        "txt" => Format::Text,
        "md" | "markdown" => Format::Markdown,
        "html" | "htm" => Format::Html,
        "json" => Format::Json,
        _ => return Err(ReadError::Unsupported(format!(".{ext}"))),
    };
    Ok((format, gz))
}

/// Reads `bytes` dropped as `source.name` into an article; sets `source.encoding`.
///
/// Checks, in order: a supported name, not empty, not over `limits.max_bytes`, then for
/// `.gz` a bounded gunzip (the limit applies to the decompressed bytes too), then no binary
/// format, then decodable text; then parses by format.
pub fn read_article(
    bytes: &[u8],
    mut source: Source,
    limits: &Limits,
) -> Result<Article, ReadError> {
    let (format, gz) = format_of(&source.name)?;
    if bytes.is_empty() {
        return Err(ReadError::Empty);
    }
    let size = bytes.len() as u64;
    if size > limits.max_bytes {
        return Err(ReadError::TooLarge {
            size,
            limit: limits.max_bytes,
        });
    }
    let inflated;
    let bytes = if gz {
        inflated = decode::gunzip(bytes, limits.max_bytes)?;
        if inflated.is_empty() {
            return Err(ReadError::Empty);
        }
        inflated.as_slice()
    } else {
        bytes
    };
    decode::sniff_binary(bytes)?;
    let decoded = decode::decode(bytes, format == Format::Html)?;
    let text = decoded.text;
    if matches!(format, Format::Text | Format::Markdown) && text.trim().is_empty() {
        return Err(ReadError::Empty);
    }
    source.encoding = decoded.encoding.to_string();
    let mut article = Article::new(source, format);
    match format {
        Format::Text => article.blocks = text::blocks(&text)?,
        Format::Markdown => article.blocks = markdown::blocks(&text),
        Format::Html => (article.blocks, article.page) = html::read(&text),
        Format::Json => (article.blocks, article.meta, article.page) = json::read(&text)?,
    }
    if over_block_limit(&article.blocks) {
        return Err(ReadError::TooManyBlocks);
    }
    Ok(article)
}
