//! The words of the index a query word stands for: itself, the words one or
//! two typos away (as `typoTolerance` allows), and the words it begins when
//! it is the prefix being typed. tantivy's term dictionary is walked with the
//! Levenshtein automata tantivy itself uses.

use std::sync::OnceLock;

use levenshtein_automata::{Distance, LevenshteinAutomatonBuilder, DFA, SINK_STATE};
use tantivy::postings::TermInfo;
use tantivy::termdict::TermDictionary;

use crate::settings::TypoTolerance;

/// A word of the index that a query word matched.
#[derive(Debug, Clone)]
pub(crate) struct Derivation {
    pub info: TermInfo,
    pub typos: u8,
    /// The very word typed, not a typo or a longer word it begins.
    pub exact: bool,
}

/// How many typos a query word may have: by its length in characters, none
/// for numbers when `disableOnNumbers`, none for `disableOnWords`.
pub(crate) fn allowed_typos(word: &str, typo: &TypoTolerance) -> u8 {
    if !typo.enabled || typo.disable_on_words.contains(word) {
        return 0;
    }
    if typo.disable_on_numbers && word.chars().all(|c| c.is_ascii_digit()) {
        return 0;
    }
    let len = word.chars().count();
    let sizes = typo.min_word_size_for_typos;
    if len >= usize::from(sizes.two_typos) {
        2
    } else if len >= usize::from(sizes.one_typo) {
        1
    } else {
        0
    }
}

/// The automaton builder for up to `typos` (1 or 2) edits, transpositions
/// counting one, as Meilisearch builds them. Built once: a two-typo builder
/// takes milliseconds to make.
pub(crate) fn levenshtein(typos: u8) -> &'static LevenshteinAutomatonBuilder {
    static BUILDERS: OnceLock<[LevenshteinAutomatonBuilder; 2]> = OnceLock::new();
    let builders =
        BUILDERS.get_or_init(|| [LevenshteinAutomatonBuilder::new(1, true), LevenshteinAutomatonBuilder::new(2, true)]);
    &builders[usize::from(typos.clamp(1, 2)) - 1]
}

/// One search's Levenshtein automata, built once and walked over every
/// segment's dictionary (building one costs more than walking it).
#[derive(Default)]
pub(crate) struct Automata(std::cell::RefCell<std::collections::HashMap<(String, bool, u8), std::rc::Rc<DFA>>>);

impl Automata {
    fn get(&self, word: &str, prefix: bool, typos: u8) -> std::rc::Rc<DFA> {
        let mut built = self.0.borrow_mut();
        let key = (word.to_owned(), prefix, typos);
        built
            .entry(key)
            .or_insert_with(|| {
                let builder = levenshtein(typos);
                std::rc::Rc::new(if prefix { builder.build_prefix_dfa(word) } else { builder.build_dfa(word) })
            })
            .clone()
    }
}

/// Walks a term dictionary with a Levenshtein DFA.
struct Lev<'a>(&'a DFA);

impl tantivy_fst::Automaton for Lev<'_> {
    type State = u32;
    fn start(&self) -> u32 {
        self.0.initial_state()
    }
    fn is_match(&self, state: &u32) -> bool {
        matches!(self.0.distance(*state), Distance::Exact(_))
    }
    fn can_match(&self, state: &u32) -> bool {
        *state != SINK_STATE
    }
    fn accept(&self, state: &u32, byte: u8) -> u32 {
        self.0.transition(*state, byte)
    }
}

/// The derivations of `word` in `dict`.
///
/// As Meilisearch: a word that keeps the first letter may have up to
/// `max_typos` typos; one that changes the first letter at most one, and
/// only where two are allowed (a typo on the first letter counts double).
pub(crate) fn derive(
    dict: &TermDictionary,
    word: &str,
    prefix: bool,
    max_typos: u8,
    automata: &Automata,
) -> std::io::Result<Vec<Derivation>> {
    let mut out = Vec::new();
    if max_typos == 0 {
        if let Some(info) = dict.get(word)? {
            out.push(Derivation { info, typos: 0, exact: true });
        }
        if prefix {
            let mut stream = dict.range().gt(word.as_bytes()).lt(successor(word)).into_stream()?;
            while stream.advance() {
                out.push(Derivation { info: stream.value().clone(), typos: 0, exact: false });
            }
        }
        return Ok(out);
    }
    // As Meilisearch: the full budget only among words with the same first
    // letter (a range of the dictionary), one typo elsewhere, counted as two.
    let first_len = word.chars().next().map_or(0, char::len_utf8);
    let first = &word.as_bytes()[..first_len];
    let after_first = successor(std::str::from_utf8(first).unwrap_or_default());
    let same_first = automata.get(word, prefix, max_typos);
    let mut stream = dict.search(Lev(&same_first)).ge(first).lt(&after_first).into_stream()?;
    while stream.advance() {
        let Distance::Exact(typos) = same_first.eval(stream.key()) else { continue };
        let exact = stream.key() == word.as_bytes();
        out.push(Derivation { info: stream.value().clone(), typos, exact });
    }
    if max_typos == 2 {
        let one = automata.get(word, prefix, 1);
        for range in [dict.search(Lev(&one)).lt(first), dict.search(Lev(&one)).ge(&after_first)] {
            let mut stream = range.into_stream()?;
            while stream.advance() {
                if matches!(one.eval(stream.key()), Distance::Exact(1)) {
                    out.push(Derivation { info: stream.value().clone(), typos: 2, exact: false });
                }
            }
        }
    }
    Ok(out)
}

/// The smallest byte string greater than every string starting with `word`.
pub(crate) fn successor(word: &str) -> Vec<u8> {
    let mut bytes = word.as_bytes().to_vec();
    while let Some(last) = bytes.pop() {
        if last < u8::MAX {
            bytes.push(last + 1);
            return bytes;
        }
    }
    vec![u8::MAX; word.len() + 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typo_budget_follows_length_numbers_and_words() {
        let mut t = TypoTolerance::default();
        assert_eq!(allowed_typos("hell", &t), 0);
        assert_eq!(allowed_typos("hello", &t), 1);
        assert_eq!(allowed_typos("wonderful", &t), 2);
        assert_eq!(allowed_typos("123456789", &t), 2);
        t.disable_on_numbers = true;
        assert_eq!(allowed_typos("123456789", &t), 0);
        t.disable_on_words.insert("wonderful".into());
        assert_eq!(allowed_typos("wonderful", &t), 0);
        t.enabled = false;
        assert_eq!(allowed_typos("hello", &t), 0);
    }

    #[test]
    fn successor_bounds_the_prefix_range() {
        assert_eq!(successor("ab"), b"ac");
        assert!(successor("a").as_slice() > "azzzz".as_bytes());
    }
}
