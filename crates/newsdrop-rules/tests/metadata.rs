//! The `metadata` rule on whole pages: what it takes from a page's head, and what it does
//! not take from a page without an article.

mod util;

#[test]
fn a_page_without_an_article_takes_no_title_from_its_footer() {
    let page = "\
The Daily Courier
Home | News | World | Business | Sport | Opinion

Calendar of the 2018 season

Round 1: 10 March – Interlagos
Round 2: 8 April – Curitiba
Round 3: 22 April – Velopark
Round 4: 6 May – Londrina

Share this article
Facebook Twitter WhatsApp Email
Terms of use | Privacy policy | Cookie settings
";
    let pipeline = util::default_pipeline();
    let mut a = util::text_article("calendar.txt", page);
    pipeline.run(&mut a).expect("runs");
    assert_eq!(a.body(), "", "no prose, so no article");
    assert_eq!(a.meta.title, None);
    assert!(a.meta.authors.is_empty() && a.meta.published.is_none());
    // The masthead at the top of the page is still the publisher.
    assert_eq!(a.meta.publisher.as_deref(), Some("The Daily Courier"));
}

/// A page as a site's template lays it out: masthead, menu, headline (with the site's
/// name after a bar, in the first test: "TechBeat" is no glued-on summary), article, teasers.
fn site_page(headline: &str) -> String {
    format!(
        "\
TechBeat
Reviews  News  Deals  How To
Advertisement

{headline}

The harbour board said on Tuesday that the new quay would open in the spring, two years \
after work began and a year later than the council had promised when it approved the plan.

Engineers had to rebuild part of the old sea wall, the board said, and the storms of last \
winter held the work up for most of three months while the site was under water.

Advertisement
Recommended
Ferry timetable to change in May
TechBeat is part of Beat Media. © 2025
"
    )
}

fn meta_of(page: &str) -> newsdrop_core::Meta {
    let pipeline = util::default_pipeline();
    let mut a = util::text_article("page.txt", page);
    pipeline.run(&mut a).expect("runs");
    a.meta
}

#[test]
fn the_sites_name_after_the_headline_is_the_publisher_not_the_title() {
    let meta = meta_of(&site_page("Harbour Quay Opens Late | TechBeat"));
    assert_eq!(meta.title.as_deref(), Some("Harbour Quay Opens Late"));
    assert_eq!(meta.publisher.as_deref(), Some("TechBeat"));
    // The menu under the masthead names no publisher: without the headline's suffix to
    // go by, there is none.
    let meta = meta_of(&site_page("Harbour quay opens a year late"));
    assert_eq!(
        meta.title.as_deref(),
        Some("Harbour quay opens a year late")
    );
    assert_eq!(meta.publisher, None);
    // A dash that is the headline's own stays in it.
    let meta = meta_of(&site_page("Harbour Quay Opens - At Last"));
    assert_eq!(meta.title.as_deref(), Some("Harbour Quay Opens - At Last"));
}

/// A JSON input's fields that the reader leaves to the rule: a date in another form than
/// RFC 3339 is read as a page's date is, and a language given by its name stands for its
/// code.
#[test]
fn a_json_inputs_date_and_language_are_read_as_a_pages_are() {
    let meta = |json: &str| {
        let source = util::text_article("story.json", json).source;
        let mut a = newsdrop_read::read_article(json.as_bytes(), source, &Default::default())
            .expect("reads");
        util::default_pipeline().run(&mut a).expect("runs");
        a.meta
    };
    let body = "The harbour board said on Tuesday that the new quay would open in the spring, \
                two years after work began and a year later than the council had promised.";
    let m = meta(&format!(
        r#"{{"body":"{body}","published":"Friday, September 20, 2024 10:15","language":"English"}}"#
    ));
    assert_eq!(m.published.as_deref(), Some("2024-09-20T10:15:00"));
    assert_eq!(m.published_origin.as_deref(), Some("json field published"));
    assert_eq!(m.language.as_deref(), Some("en"));
    // What reads as no date is left out; a stated tag keeps its region.
    let m = meta(&format!(
        r#"{{"body":"{body}","date":"yesterday afternoon","lang":"en_gb"}}"#
    ));
    assert_eq!(m.published, None);
    assert_eq!(m.language.as_deref(), Some("en-GB"));
    // An RSS date keeps its offset; authors are read as a page's stated authors are, and
    // kept as given when that leaves no one.
    let m = meta(&format!(
        r#"{{"body":"{body}","pubDate":"Fri, 20 Sep 2024 10:15:00 +0200",
            "authors":["By Jane Doe and John Smith","Mary Major | Staff Writer","Madonna"]}}"#
    ));
    assert_eq!(m.published.as_deref(), Some("2024-09-20T10:15:00+02:00"));
    assert_eq!(
        m.authors,
        ["Jane Doe", "John Smith", "Mary Major", "Madonna"]
    );
    // With no title, one is made from the first sentence, as for a text dump.
    assert!(m.title_derived);
}

/// A text dump's title is the headline above the article, not the share bar, time stamp,
/// photo credit, agency byline or row of figures between the two; an agency byline names
/// the author.
#[test]
fn the_title_is_the_headline_not_the_chrome_under_it() {
    for (between, author) in [
        ("Copy Link URL Copied!", None),
        ("Share Tweet Submit", None),
        ("Show more sharing options", None),
        ("Today 12:01 AM", None),
        ("Updated Nov 19, 6:55 AM;Posted Nov 19, 6:51 AM", None),
        ("Alex Wong | Getty Images", None),
        ("Workers on the new quay in March. (harbourboard.org)", None),
        ("Patrick Semansky, ASSOCIATED PRESS", None),
        ("By HARBOUR GAZETTE STAFF", None),
        ("Greg Beacham, Ap Sports Writer", Some("Greg Beacham")),
        ("Palm Bay 18 22 13 17 — 70", None),
        ("Bruce Y. Lee Senior Contributor", None),
        ("Follow Bruce Lee on Twitter", None),
    ] {
        let page = format!(
            "Harbour quay opens a year late\n\n{between}\n\n\
             The harbour board said on Tuesday that the new quay would open in the spring, \
             two years after work began and a year later than the council had promised.\n\n\
             Engineers had to rebuild part of the old sea wall, the board said, and the \
             storms of last winter held the work up for most of three months.\n"
        );
        let meta = meta_of(&page);
        assert_eq!(
            meta.title.as_deref(),
            Some("Harbour quay opens a year late"),
            "{between}"
        );
        assert_eq!(
            meta.authors.first().map(String::as_str),
            author,
            "{between}"
        );
    }
}
