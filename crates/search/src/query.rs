//! The query string as Meilisearch reads it: words, `"phrases"`, `-negated`
//! words and phrases, query positions, and whether the last word is a prefix.

use charabia::{SeparatorKind, TokenKind, Tokenizer};

/// Meilisearch reads at most this many terms of a query.
pub const MAX_TERMS: usize = 10;

/// One term of a query: a word, or a phrase whose words must follow each
/// other.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    /// Normalized words; one for a plain word.
    pub words: Vec<String>,
    /// Where the term starts in the query, counted as document positions are
    /// (stop words take a place, a hard separator jumps by 8).
    pub position: u32,
    /// The last word of a query typed on: matches any word it starts.
    pub prefix: bool,
}

impl Term {
    pub fn is_phrase(&self) -> bool {
        self.words.len() > 1
    }
    /// Its number of words.
    pub fn word_count(&self) -> u32 {
        self.words.len() as u32
    }
    /// The query position just after the term.
    pub fn end(&self) -> u32 {
        self.position + self.word_count()
    }
}

/// A parsed query.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    pub terms: Vec<Term>,
    /// Words and phrases no hit may contain.
    pub excluded: Vec<Vec<String>>,
}

impl Query {
    /// No term to look for: a placeholder search.
    pub fn is_placeholder(&self) -> bool {
        self.terms.is_empty()
    }
}

/// A phrase being read, or the next word being negated.
#[derive(Default)]
struct Open {
    phrase: Option<(Vec<String>, u32)>,
    negated: bool,
}

/// Reads `q`. `prefix_search` is the index's `prefixSearch` setting.
pub fn parse(q: &str, tokenizer: &Tokenizer<'_>, prefix_search: bool) -> Query {
    let mut query = Query::default();
    let mut open = Open::default();
    let mut position = 0u32;
    let mut gap = 0u32;
    let mut started = false;
    let mut last_was_word = false;
    let mut tokens = tokenizer.tokenize(q).peekable();
    while let Some(token) = tokens.next() {
        match token.kind {
            TokenKind::Separator(kind) => {
                last_was_word = false;
                gap = gap.max(if kind == SeparatorKind::Hard { 8 } else { 1 });
                let original = &q[token.byte_start..token.byte_end];
                for (i, c) in original.char_indices() {
                    match c {
                        '"' => match open.phrase.take() {
                            Some((words, at)) => close_phrase(&mut query, words, at, std::mem::take(&mut open.negated)),
                            None => open.phrase = Some((Vec::new(), position + u32::from(started) * gap.max(1))),
                        },
                        // `-` right before a word, after a space or at the start, negates it.
                        '-' if open.phrase.is_none() => {
                            let before = q[..token.byte_start + i].chars().last();
                            open.negated = before.is_none_or(char::is_whitespace);
                        }
                        _ if open.phrase.is_none() => open.negated = false,
                        _ => {}
                    }
                }
            }
            TokenKind::Word | TokenKind::StopWord => {
                if started {
                    position += gap.max(1);
                }
                started = true;
                gap = 0;
                last_was_word = true;
                let is_last = tokens.peek().is_none();
                let word = token.lemma().to_owned();
                if let Some((words, _)) = &mut open.phrase {
                    if token.kind == TokenKind::Word {
                        words.push(word);
                    }
                } else if std::mem::take(&mut open.negated) {
                    if token.kind == TokenKind::Word {
                        query.excluded.push(vec![word]);
                    }
                } else if (token.kind == TokenKind::Word || is_last) && query.terms.len() < MAX_TERMS {
                    query.terms.push(Term { words: vec![word], position, prefix: false });
                }
            }
            TokenKind::Unknown => {}
        }
    }
    if let Some((words, at)) = open.phrase.take() {
        close_phrase(&mut query, words, at, open.negated);
    }
    // Typing goes on at the end: the last word is a prefix unless the query
    // ends with a separator.
    if let Some(last) = query.terms.last_mut() {
        last.prefix = prefix_search && last_was_word && !last.is_phrase() && last.end() == position + 1;
    }
    query
}

fn close_phrase(query: &mut Query, words: Vec<String>, at: u32, negated: bool) {
    if words.is_empty() {
        return;
    }
    if negated {
        query.excluded.push(words);
    } else if query.terms.len() < MAX_TERMS {
        query.terms.push(Term { words, position: at, prefix: false });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(q: &str) -> Query {
        parse(q, &charabia::TokenizerBuilder::<Vec<u8>>::new().into_tokenizer(), true)
    }

    fn words(q: &Query) -> Vec<String> {
        q.terms.iter().map(|t| t.words.join(" ") + if t.prefix { "*" } else { "" }).collect()
    }

    #[test]
    fn words_phrases_negations_and_prefix() {
        assert_eq!(words(&p("Hello Wörld")), ["hello", "world*"]);
        assert_eq!(words(&p("hello world ")), ["hello", "world"]);
        let q = p(r#"the "Big Lebowski" -bad -"very bad" dude"#);
        assert_eq!(words(&q), ["the", "big lebowski", "dude*"]);
        assert_eq!(q.excluded, [vec!["bad".to_owned()], vec!["very".to_owned(), "bad".to_owned()]]);
        assert_eq!(words(&p(r#""unclosed phrase"#)), ["unclosed phrase"]);
        assert_eq!(words(&p("a - b")), ["a", "b*"]);
        assert_eq!(words(&p("well-known")), ["well", "known*"]);
        assert_eq!(words(&p("1 2 3 4 5 6 7 8 9 10 11 12")).len(), MAX_TERMS);
    }

    #[test]
    fn positions_count_like_documents() {
        let q = p("quick brown. fox");
        let at: Vec<u32> = q.terms.iter().map(|t| t.position).collect();
        assert_eq!(at, [0, 1, 9]);
    }
}
