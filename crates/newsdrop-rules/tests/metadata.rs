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
