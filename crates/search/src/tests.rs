//! Rankings compared with what Meilisearch 1.50 answered for the same
//! documents and queries (captured from the real binary): order, and
//! `_rankingScore` to the last digit where it was recorded.

use serde_json::{json, Value};

use crate::{MatchingStrategy, SearchIndex, SearchRequest, Settings};

fn movies() -> Vec<Value> {
    vec![
        json!({"id":1,"title":"The Dark Knight","overview":"Batman raises the stakes in his war on crime in Gotham City with the help of Lieutenant Jim Gordon and District Attorney Harvey Dent.","genres":["Action","Crime","Drama"],"year":2008}),
        json!({"id":2,"title":"Dark Waters","overview":"A corporate defense attorney takes on an environmental lawsuit against a chemical company that exposes a lengthy history of pollution.","genres":["Drama","Thriller"],"year":2019}),
        json!({"id":3,"title":"Knight and Day","overview":"A fugitive couple goes on a glamorous and sometimes deadly adventure across the globe while dodging a dark knight of the agency.","genres":["Action","Comedy"],"year":2010}),
        json!({"id":4,"title":"The Batman","overview":"In his second year of fighting crime, Batman uncovers corruption in Gotham City that connects to his own family while facing the Riddler.","genres":["Crime","Mystery"],"year":2022}),
        json!({"id":5,"title":"Batman Begins","overview":"Driven by tragedy, billionaire Bruce Wayne dedicates his life to uncovering and defeating the corruption that plagues his home, Gotham City.","genres":["Action","Crime"],"year":2005}),
        json!({"id":6,"title":"Midnight in Paris","overview":"While on a trip to Paris with his fiancee's family, a nostalgic screenwriter finds himself mysteriously going back to the 1920s every day at midnight.","genres":["Comedy","Fantasy","Romance"],"year":2011}),
    ]
}

pub(crate) fn index_of(docs: &[Value], settings: &Settings) -> (tempfile::TempDir, SearchIndex) {
    let dir = tempfile::tempdir().unwrap();
    let index = SearchIndex::open(dir.path()).unwrap();
    let changes: Vec<(String, Option<Vec<u8>>)> =
        docs.iter().map(|d| (d["id"].to_string(), Some(serde_json::to_vec(d).unwrap()))).collect();
    index.apply(1, settings, false, changes).unwrap();
    (dir, index)
}

fn search(index: &SearchIndex, settings: &Settings, q: &str, strategy: MatchingStrategy) -> Vec<(String, f64)> {
    let request = SearchRequest { q: Some(q.into()), limit: 20, matching_strategy: strategy, ..Default::default() };
    index.search(settings, &request).unwrap().hits.into_iter().map(|h| (h.id, h.score)).collect()
}

fn ids(hits: &[(String, f64)]) -> Vec<&str> {
    hits.iter().map(|(id, _)| id.as_str()).collect()
}

fn assert_scores(hits: &[(String, f64)], expected: &[(&str, f64)]) {
    assert_eq!(ids(hits), expected.iter().map(|(id, _)| *id).collect::<Vec<_>>());
    for ((id, got), (_, want)) in hits.iter().zip(expected) {
        assert!((got - want).abs() < 1e-9, "{id}: score {got}, Meilisearch {want}");
    }
}

#[test]
fn orders_and_scores_like_meilisearch() {
    let settings = Settings::default();
    let (_dir, index) = index_of(&movies(), &settings);
    let last = MatchingStrategy::Last;
    assert_eq!(ids(&search(&index, &settings, "dark knight", last)), ["1", "3", "2"]);
    assert_scores(
        &search(&index, &settings, "batman", last),
        &[("1", 0.9848484848484849), ("5", 0.9848484848484849), ("4", 0.9242424242424242)],
    );
    assert_scores(
        &search(&index, &settings, "batman gotham", last)[..2],
        &[("1", 0.8657407407407407), ("4", 0.8597883597883598)],
    );
    assert_scores(
        &search(&index, &settings, "\"gotham city\"", last),
        &[("1", 0.7878787878787878), ("4", 0.696969696969697), ("5", 0.6515151515151515)],
    );
    assert_eq!(ids(&search(&index, &settings, "batman -begins", last)), ["1", "4"]);
    assert_eq!(ids(&search(&index, &settings, "-batman", last)), ["2", "3", "6"]);
    assert_eq!(ids(&search(&index, &settings, "\"dark knight\" -waters", last)), ["1", "3"]);
    assert_eq!(ids(&search(&index, &settings, "-\"dark knight\"", last)), ["2", "4", "5", "6"]);
}

#[test]
fn matching_strategies_like_meilisearch() {
    let settings = Settings::default();
    let (_dir, index) = index_of(&movies(), &settings);
    assert!(search(&index, &settings, "dark knight paris", MatchingStrategy::All).is_empty());
    assert_scores(
        &search(&index, &settings, "dark knight paris", MatchingStrategy::Last),
        &[("1", 0.6631393298059964), ("3", 0.6565255731922398), ("2", 0.3282828282828283)],
    );
    assert_scores(
        &search(&index, &settings, "dark knight paris", MatchingStrategy::Frequency),
        &[("6", 0.32323232323232326)],
    );
    assert_eq!(ids(&search(&index, &settings, "dark knight", MatchingStrategy::Frequency)), ["1", "3"]);
    assert_eq!(ids(&search(&index, &settings, "knight paris", MatchingStrategy::Frequency)), ["6"]);
    assert_eq!(ids(&search(&index, &settings, "knight paris", MatchingStrategy::Last)), ["3", "1"]);
    assert_eq!(ids(&search(&index, &settings, "batman knight paris", MatchingStrategy::Frequency)), ["6"]);
}

#[test]
fn typos_and_attributes_to_search_on() {
    let settings = Settings::default();
    let (_dir, index) = index_of(&movies(), &settings);
    let request = SearchRequest { q: Some("batmen".into()), limit: 1, ..Default::default() };
    let ranked = index.search(&settings, &request).unwrap();
    assert_eq!(ranked.hits[0].id, "1");
    assert_eq!(ranked.hits[0].details["typo"], json!({"order": 1, "typoCount": 1, "maxTypoCount": 1, "score": 0.5}));
    assert_eq!(ranked.candidates, 3);
    let request = SearchRequest {
        q: Some("batman".into()),
        limit: 20,
        attributes_to_search_on: Some(vec!["title".into()]),
        ..Default::default()
    };
    let found: Vec<String> = index.search(&settings, &request).unwrap().hits.into_iter().map(|h| h.id).collect();
    assert_eq!(found, ["5", "4"]);
}
