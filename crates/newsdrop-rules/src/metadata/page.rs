//! Metadata the page states about itself: `<title>`, `<meta>` (Open Graph, Twitter, Dublin
//! Core, `article:*`), JSON-LD (`NewsArticle` and friends) and `<time datetime>`, as the
//! reader collected them in [`Page`].
//!
//! Stated facts win over guesses from the text. JSON-LD `articleBody` is never used: it is
//! often partial; the body comes from the blocks.

use newsdrop_core::article::json_ld_referenced;
use newsdrop_core::{Meta, Page};
use serde_json::Value;

/// What the page states.
#[derive(Debug, Default)]
pub struct Facts {
    pub title: Option<String>,
    pub published: Option<(String, String)>,
    pub authors: Vec<String>,
    pub publisher: Option<String>,
    pub url: Option<String>,
    pub language: Option<String>,
}

fn meta<'a>(page: &'a Page, names: &[&str]) -> Option<(&'a str, &'a str)> {
    for name in names {
        if let Some((n, v)) = page
            .meta
            .iter()
            .find(|(n, v)| n.eq_ignore_ascii_case(name) && !v.trim().is_empty())
        {
            return Some((n.as_str(), v.trim()));
        }
    }
    None
}

/// A stated timestamp normalised to RFC 3339 (date, local date-time, or with offset).
pub fn normalise_time(s: &str) -> Option<String> {
    let s = s.trim();
    if let Ok(ts) = s.parse::<jiff::Timestamp>() {
        // Keep the page's own offset when it gives one.
        return Some(
            fixed_offset(s).unwrap_or_else(|| ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()),
        );
    }
    if s.len() == 10
        && let Ok(d) = s.parse::<jiff::civil::Date>()
    {
        return Some(d.to_string());
    }
    if let Ok(dt) = s.parse::<jiff::civil::DateTime>() {
        return Some(dt.strftime("%Y-%m-%dT%H:%M:%S").to_string());
    }
    // RSS's `pubDate` and e-mail's form, with its offset: "Fri, 20 Sep 2024 10:15:00 +0200".
    if let Ok(zoned) = jiff::fmt::rfc2822::parse(s) {
        return Some(zoned.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string());
    }
    super::dates::find(s).map(|f| super::head::format(&f, None))
}

/// "2019-11-19T10:48:00+05:00" keeps its offset (jiff's Timestamp would make it UTC).
fn fixed_offset(s: &str) -> Option<String> {
    let ts: jiff::Timestamp = s.parse().ok()?;
    let tail = s.get(s.len().checked_sub(6)?..)?;
    let (sign, rest) = tail.split_at(1);
    let (h, m) = rest.split_once(':')?;
    let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
    let secs = (h * 3600 + m * 60)
        * if sign == "-" {
            -1
        } else if sign == "+" {
            1
        } else {
            return None;
        };
    let off = jiff::tz::Offset::from_seconds(secs).ok()?;
    Some(
        ts.to_zoned(jiff::tz::TimeZone::fixed(off))
            .strftime("%Y-%m-%dT%H:%M:%S%:z")
            .to_string(),
    )
}

/// Reads the page's own statements.
pub fn facts(page: &Page) -> Facts {
    let mut f = Facts::default();
    let nodes: Vec<Value> = page
        .json_ld
        .iter()
        .filter_map(|s| serde_json::from_str::<Value>(s).ok())
        .flat_map(flatten_ld)
        .collect();
    // The story's node: an article's rather than the page's that holds it (a `WebPage`
    // node, first in many graphs, has no author).
    let ld = nodes
        .iter()
        .find(|v| article_kind(v) == Some(Kind::Story))
        .or_else(|| nodes.iter().find(|v| article_kind(v).is_some()));

    f.title = meta(page, &["og:title", "twitter:title"])
        .map(|(_, v)| v.to_string())
        .or_else(|| ld.and_then(|v| str_of(v.get("headline"))))
        .or_else(|| page.title.clone())
        .map(|t| squeeze(&t));

    // The first statement that reads as a date and is not a placeholder ("0001-01-01" in
    // a JSON-LD template): one that is gives way to the next. A JSON input's dates come
    // first (it has no head).
    let json_dates = page
        .stated_dates
        .iter()
        .map(|(key, v)| (v.clone(), format!("json field {key}")));
    let stated_times = json_dates
        .chain(
            meta(
                page,
                &[
                    "article:published_time",
                    "article:published",
                    "og:published_time",
                    "datePublished",
                    "pubdate",
                    "publishdate",
                    "date",
                    "dc.date",
                    "dcterms.created",
                    "sailthru.date",
                ],
            )
            .map(|(n, v)| (v.to_string(), format!("meta {n}"))),
        )
        .chain(
            ld.and_then(|v| str_of(v.get("datePublished")))
                .map(|s| (s, "json-ld datePublished".to_string())),
        )
        .chain(
            page.times
                .first()
                .map(|t| (t.clone(), "time element".to_string())),
        );
    let stated: Vec<(String, String)> = stated_times
        .filter_map(|(s, origin)| normalise_time(&s).map(|n| (n, origin)))
        .filter(|(n, _)| !Meta::is_placeholder_date(n))
        .collect();
    // A date alone gives way to a later statement of the same day with its time.
    f.published = stated.first().cloned().map(|first| {
        if first.0.len() != 10 {
            return first;
        }
        let timed = stated
            .iter()
            .find(|(n, _)| n.len() > 10 && n.starts_with(&first.0));
        timed.cloned().unwrap_or(first)
    });

    // The publisher: the first stated name that is not a web address; a host name
    // ("newsnation.in") when addresses are all there is.
    let mut publishers: Vec<String> = Vec::new();
    for name in ["og:site_name", "application-name"] {
        if let Some((_, v)) = meta(page, &[name]) {
            publishers.push(v.to_string());
        }
    }
    if let Some(v) = ld {
        publishers.extend(
            v.get("publisher")
                .map(|p| json_ld_referenced(p, &nodes).unwrap_or(p))
                .and_then(|p| str_of(p.get("name")).or_else(|| str_of(Some(p)))),
        );
    }
    f.publisher = publishers
        .iter()
        .find(|p| host_of(p).is_none())
        .cloned()
        .or_else(|| publishers.iter().find_map(|p| host_of(p)));

    let publisher = f.publisher.as_deref();
    if let Some(v) = ld {
        f.authors = names_of(v.get("author"), &nodes)
            .iter()
            .flat_map(|a| super::byline::stated(a, publisher))
            .collect();
    }
    if f.authors.is_empty()
        && let Some((_, a)) = meta(page, &["author", "article:author", "byl", "dc.creator"])
    {
        f.authors = super::byline::stated(a, publisher);
    }
    f.url = page
        .canonical
        .clone()
        .or_else(|| meta(page, &["og:url"]).map(|(_, v)| v.to_string()));
    f.language = page
        .lang
        .as_ref()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty());
    // "Best tech gadgets of 2019 | ZDNet": the site's name is not part of the headline.
    let mut names = publishers;
    names.extend(f.url.as_deref().and_then(host_of));
    if let Some(title) = f.title.as_mut() {
        title.truncate(without_site(title, &names));
    }
    f
}

/// The length of `title` without a site's name after its last bar or dash ("… - IGN",
/// "… | National Review"), when the name is one of `names` (the publisher as stated, the
/// host of the page's address: `9to5Mac` for `9to5mac.com`), letters and digits compared
/// in lower case; the whole title otherwise, or when what would remain is one word.
fn without_site(title: &str, names: &[String]) -> usize {
    let key = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect()
    };
    let Some((cut, name)) = super::head::trailing_name(title) else {
        return title.len();
    };
    let site = key(name);
    let named = !site.is_empty()
        && names.iter().any(|n| {
            // A host stands for its name with or without its last part ("sportsnet.ca").
            let host_name = n.rsplit_once('.').map(|(h, _)| key(h));
            key(n) == site || host_name.as_deref() == Some(site.as_str())
        });
    if named { cut } else { title.len() }
}

/// The host of a web address ("https://www.newsnation.in/" → "newsnation.in"); `None` for
/// anything that is not one.
fn host_of(s: &str) -> Option<String> {
    let s = s.trim();
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"))
        .or_else(|| s.strip_prefix("www.").map(|_| s))?;
    let host = rest.split(['/', '?', '#']).next()?;
    let host = host.strip_prefix("www.").unwrap_or(host);
    (!host.is_empty() && !host.contains(' ')).then(|| host.to_string())
}

fn flatten_ld(v: Value) -> Vec<Value> {
    match v {
        Value::Array(items) => items.into_iter().flat_map(flatten_ld).collect(),
        Value::Object(ref o) if o.contains_key("@graph") => match o.get("@graph") {
            Some(Value::Array(items)) => items.clone(),
            _ => vec![v],
        },
        other => vec![other],
    }
}

/// What a JSON-LD node that can hold the article's facts is.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    /// `NewsArticle`, `Article`, `BlogPosting`, `Report` …
    Story,
    /// The `WebPage` the story is on.
    Page,
}

fn article_kind(v: &Value) -> Option<Kind> {
    let kinds = match v.get("@type") {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => return None,
    };
    if kinds
        .iter()
        .any(|k| k.ends_with("Article") || *k == "BlogPosting" || *k == "Report")
    {
        Some(Kind::Story)
    } else {
        kinds.contains(&"WebPage").then_some(Kind::Page)
    }
}

fn str_of(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        _ => None,
    }
}

/// The names `v` gives: a string, an object's `name` (or the `name` of the node it refers
/// to, [`json_ld_referenced`]), or those of each item of an array.
fn names_of(v: Option<&Value>, graph: &[Value]) -> Vec<String> {
    match v.map(|v| json_ld_referenced(v, graph).unwrap_or(v)) {
        Some(Value::String(s)) if !s.trim().is_empty() => vec![s.trim().to_string()],
        Some(Value::Object(o)) => str_of(o.get("name")).into_iter().collect(),
        Some(Value::Array(a)) => a.iter().flat_map(|x| names_of(Some(x), graph)).collect(),
        _ => Vec::new(),
    }
}

fn squeeze(t: &str) -> String {
    t.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_and_json_ld() {
        let page = Page {
            title: Some("Site | Story".into()),
            meta: vec![
                ("og:title".into(), "The Story".into()),
                ("article:published_time".into(), "2019-11-19T10:48:00+05:00".into()),
                ("og:site_name".into(), "The Site".into()),
            ],
            json_ld: vec![r#"{"@context":"https://schema.org","@type":"NewsArticle","headline":"H","author":[{"@type":"Person","name":"Jane Roe"}],"articleBody":"partial"}"#.into()],
            ..Page::default()
        };
        let f = facts(&page);
        assert_eq!(f.title.as_deref(), Some("The Story"));
        assert_eq!(
            f.published,
            Some((
                "2019-11-19T10:48:00+05:00".into(),
                "meta article:published_time".into()
            ))
        );
        assert_eq!(f.authors, vec!["Jane Roe".to_string()]);
        assert_eq!(f.publisher.as_deref(), Some("The Site"));
    }

    /// WordPress's Yoast: a graph whose `WebPage` node comes first, and whose article node
    /// names its author and publisher by reference to other nodes.
    #[test]
    fn json_ld_references_are_followed_to_the_nodes_they_name() {
        let graph = r#"{"@context":"https://schema.org","@graph":[
            {"@type":"WebPage","@id":"https://x/a","name":"A | X","datePublished":"2019-11-19T09:00:00+00:00"},
            {"@type":"Article","@id":"https://x/a#article","headline":"A",
             "datePublished":"2019-11-19T09:01:42+05:30",
             "author":{"@id":"https://x/#/schema/person/1"},"publisher":{"@id":"https://x/#org"}},
            {"@type":["Person"],"@id":"https://x/#/schema/person/1","name":"Anna Menin"},
            {"@type":"Organization","@id":"https://x/#org","name":"City Paper"}]}"#;
        let f = facts(&Page {
            json_ld: vec![graph.into()],
            ..Page::default()
        });
        assert_eq!(f.authors, vec!["Anna Menin".to_string()]);
        assert_eq!(f.publisher.as_deref(), Some("City Paper"));
        assert_eq!(
            f.published.map(|(date, _)| date).as_deref(),
            Some("2019-11-19T09:01:42+05:30"),
            "the article's date, not the page's"
        );
    }

    #[test]
    fn a_placeholder_date_gives_way_to_the_next_statement() {
        let page = |meta: &[(&str, &str)], ld: &str| Page {
            meta: meta
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            json_ld: vec![ld.into()],
            times: vec!["2019-11-19T10:02:00-05:00".into()],
            ..Page::default()
        };
        let ld = r#"{"@type":"NewsArticle","datePublished":"0001-01-01T00:00:00Z"}"#;
        let f = facts(&page(&[], ld));
        assert_eq!(
            f.published,
            Some(("2019-11-19T10:02:00-05:00".into(), "time element".into()))
        );
        // The New York Times' `<meta property="article:published">`.
        let f = facts(&page(
            &[("article:published", "2019-11-19T11:00:09.000Z")],
            ld,
        ));
        assert_eq!(
            f.published,
            Some((
                "2019-11-19T11:00:09Z".into(),
                "meta article:published".into()
            ))
        );
        // A date alone takes the time a later statement gives the same day.
        let ld = r#"{"@type":"NewsArticle","datePublished":"2019-11-19T03:05:00"}"#;
        let f = facts(&page(&[("article:published", "2019-11-19")], ld));
        assert_eq!(
            f.published,
            Some(("2019-11-19T03:05:00".into(), "json-ld datePublished".into()))
        );
        for placeholder in ["1970-01-01T00:00:00Z", "2999-01-01", "1900-01-01"] {
            assert!(Meta::is_placeholder_date(placeholder), "{placeholder}");
        }
        assert!(!Meta::is_placeholder_date("1970-01-02"));
        assert!(!Meta::is_placeholder_date("2019-11-19"));
    }

    #[test]
    fn the_sites_name_after_a_headline_is_cut() {
        let page = |title: &str, site: Option<&str>, url: &str| Page {
            meta: site
                .map(|s| ("og:site_name".to_string(), s.to_string()))
                .into_iter()
                .collect(),
            title: Some(title.into()),
            canonical: Some(url.into()),
            ..Page::default()
        };
        for (title, site, url, want) in [
            (
                "Best tech gadgets of 2019 | ZDNet",
                None,
                "https://www.zdnet.com/a",
                "Best tech gadgets of 2019",
            ),
            (
                "The Impeachment Clock | National Review",
                Some("National Review"),
                "https://x.org/a",
                "The Impeachment Clock",
            ),
            (
                "Leafs win again - Sportsnet.ca",
                None,
                "https://www.sportsnet.ca/a",
                "Leafs win again",
            ),
            (
                "Apple's new Mac Pro - 9to5Mac",
                None,
                "https://9to5mac.com/a",
                "Apple's new Mac Pro",
            ),
            // Not the site's name: part of the headline.
            (
                "Brexit - what happens next",
                Some("The Site"),
                "https://site.com/a",
                "Brexit - what happens next",
            ),
            // One word would remain: that is no headline.
            (
                "Home | ZDNet",
                None,
                "https://www.zdnet.com/",
                "Home | ZDNet",
            ),
        ] {
            assert_eq!(
                facts(&page(title, site, url)).title.as_deref(),
                Some(want),
                "{title}"
            );
        }
    }

    #[test]
    fn publishers_are_names_not_addresses() {
        let page = |site: &str, ld: &str| Page {
            meta: vec![("og:site_name".into(), site.into())],
            json_ld: vec![ld.into()],
            ..Page::default()
        };
        let ld = r#"{"@type":"NewsArticle","publisher":{"name":"Hawaii News Now"},"author":"By JANE ROE, AP Writer"}"#;
        let f = facts(&page("https://www.hawaiinewsnow.com", ld));
        assert_eq!(f.publisher.as_deref(), Some("Hawaii News Now"));
        assert_eq!(f.authors, vec!["Jane Roe".to_string()]);
        let f = facts(&page(
            "https://www.newsnation.in/",
            r#"{"@type":"NewsArticle"}"#,
        ));
        assert_eq!(f.publisher.as_deref(), Some("newsnation.in"));
        assert_eq!(host_of("The Site"), None);
    }

    #[test]
    fn times_normalise() {
        assert_eq!(
            normalise_time("2019-11-19T05:48:00Z").as_deref(),
            Some("2019-11-19T05:48:00Z")
        );
        assert_eq!(normalise_time("2019-11-19").as_deref(), Some("2019-11-19"));
        // RFC 2822 keeps its offset; what RFC 3339 would refuse is made RFC 3339.
        assert_eq!(
            normalise_time("Fri, 20 Sep 2024 10:15:00 +0200").as_deref(),
            Some("2024-09-20T10:15:00+02:00")
        );
        assert_eq!(
            normalise_time("2024-09-20 10:15:00+02:00").as_deref(),
            Some("2024-09-20T10:15:00+02:00")
        );
        assert_eq!(
            normalise_time("2024-09-20T10:15:00+0530").as_deref(),
            Some("2024-09-20T04:45:00Z")
        );
        assert_eq!(
            normalise_time("2019-11-19T10:48:00").as_deref(),
            Some("2019-11-19T10:48:00")
        );
    }
}
