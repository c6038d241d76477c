//! Which words of a text match a query, and where: what highlighting,
//! cropping and `_matchesPosition` are built from.

use charabia::{Token, Tokenizer};
use levenshtein_automata::Distance;

use crate::derive::{allowed_typos, levenshtein};
use crate::query::Query;
use crate::settings::TypoTolerance;

/// A query term as a matcher of document words.
#[derive(Debug)]
enum Wanted {
    Word { word: String, prefix: bool, typos: u8 },
    Phrase(Vec<String>),
}

/// Matches document words against a query's terms and their synonyms.
#[derive(Debug)]
pub struct Matcher {
    wanted: Vec<Wanted>,
}

/// One match in a text: tokens `first..=last` (word indices), and the
/// bytes of the original text to highlight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Match {
    pub first: usize,
    pub last: usize,
    pub byte_start: usize,
    pub byte_len: usize,
    /// Which query term matched (for crop windows with many distinct terms).
    pub term: usize,
}

/// A text cut into its tokens, words numbered.
#[derive(Debug)]
pub struct Tokens<'t> {
    pub all: Vec<Token<'t>>,
    /// Index in `all` of each word token.
    pub words: Vec<usize>,
}

impl<'t> Tokens<'t> {
    pub fn new(tokenizer: &Tokenizer<'_>, text: &'t str) -> Self {
        let all: Vec<Token<'t>> = tokenizer.tokenize(text).collect();
        let words = all.iter().enumerate().filter(|(_, t)| !t.is_separator()).map(|(i, _)| i).collect();
        Self { all, words }
    }
    pub fn word(&self, i: usize) -> &Token<'t> {
        &self.all[self.words[i]]
    }
}

impl Matcher {
    pub fn new(
        query: &Query,
        typo: &TypoTolerance,
        synonyms: &std::collections::BTreeMap<String, Vec<String>>,
    ) -> Self {
        let mut wanted = Vec::new();
        for term in &query.terms {
            if term.is_phrase() {
                wanted.push(Wanted::Phrase(term.words.clone()));
                continue;
            }
            let word = &term.words[0];
            wanted.push(Wanted::Word { word: word.clone(), prefix: term.prefix, typos: allowed_typos(word, typo) });
        }
        // Synonyms highlight as well; multi-word ones as phrases. Their keys
        // are runs of up to three terms next to each other in the query.
        let mut keys = Vec::new();
        for t in 0..query.terms.len() {
            for end in t + 1..=(t + 3).min(query.terms.len()) {
                let run = &query.terms[t..end];
                if !run.windows(2).all(|w| w[0].end() == w[1].position) {
                    break;
                }
                keys.push(run.iter().map(|t| t.words.join(" ")).collect::<Vec<_>>().join(" "));
            }
        }
        for key in keys {
            for (k, alternatives) in synonyms {
                let normalized: Vec<String> = k.split_whitespace().map(crate::analyzer::normalize_word).collect();
                if normalized.join(" ") != key {
                    continue;
                }
                for alternative in alternatives {
                    let words: Vec<String> =
                        alternative.split_whitespace().map(crate::analyzer::normalize_word).collect();
                    wanted.push(match words.len() {
                        1 => Wanted::Word { word: words[0].clone(), prefix: false, typos: 0 },
                        _ => Wanted::Phrase(words),
                    });
                }
            }
        }
        Self { wanted }
    }

    pub fn is_empty(&self) -> bool {
        self.wanted.is_empty()
    }

    /// The matches in `tokens`, in text order, at most one per word.
    pub fn matches(&self, tokens: &Tokens<'_>) -> Vec<Match> {
        let mut out = Vec::new();
        let mut i = 0;
        'words: while i < tokens.words.len() {
            // Phrases first, as Meilisearch tries them first.
            for (term, wanted) in self.wanted.iter().enumerate() {
                if let Wanted::Phrase(words) = wanted {
                    let fits = i + words.len() <= tokens.words.len()
                        && words.iter().enumerate().all(|(k, w)| tokens.word(i + k).lemma() == w);
                    if fits {
                        let (first, last) = (tokens.word(i), tokens.word(i + words.len() - 1));
                        out.push(Match {
                            first: i,
                            last: i + words.len() - 1,
                            byte_start: first.byte_start,
                            byte_len: last.byte_end - first.byte_start,
                            term,
                        });
                        i += words.len();
                        continue 'words;
                    }
                }
            }
            let token = tokens.word(i);
            for (term, wanted) in self.wanted.iter().enumerate() {
                if let Wanted::Word { word, prefix, typos } = wanted {
                    if let Some(bytes) = word_match(token, word, *prefix, *typos) {
                        out.push(Match { first: i, last: i, byte_start: token.byte_start, byte_len: bytes, term });
                        break;
                    }
                }
            }
            i += 1;
        }
        out
    }
}

/// How many bytes of `token` match `word`, if it does: all of them, or for a
/// prefix only as many characters as were typed.
fn word_match(token: &Token<'_>, word: &str, prefix: bool, typos: u8) -> Option<usize> {
    let lemma = token.lemma();
    let whole = token.byte_end - token.byte_start;
    if lemma == word {
        return Some(whole);
    }
    if prefix && lemma.starts_with(word) {
        return Some(token.original_lengths(word.len()).1);
    }
    if typos == 0 {
        return None;
    }
    let dfa = if prefix { levenshtein(typos).build_prefix_dfa(word) } else { levenshtein(typos).build_dfa(word) };
    let Distance::Exact(d) = dfa.eval(lemma) else { return None };
    let same_first = lemma.chars().next() == word.chars().next();
    if !same_first && d > 1.min(typos - 1) {
        return None;
    }
    if prefix {
        let typed = word.chars().count();
        let bytes: usize = lemma.chars().take(typed).map(char::len_utf8).sum();
        return Some(token.original_lengths(bytes).1);
    }
    Some(whole)
}
