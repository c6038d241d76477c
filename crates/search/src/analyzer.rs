//! Text to words, as Meilisearch splits and normalizes it: charabia with the
//! index's stop words, separators and dictionary.

use charabia::{Tokenizer, TokenizerBuilder};

use crate::Settings;

/// The tokenizer settings of one index, owned, so that a charabia
/// [`Tokenizer`] (which borrows them) can be built where it is used.
#[derive(Debug, Clone)]
pub struct Analyzer {
    stop_words: Option<fst::Set<Vec<u8>>>,
    /// The whole separator list, when the settings change charabia's.
    separators: Option<Vec<String>>,
    dictionary: Vec<String>,
}

impl Analyzer {
    pub fn new(settings: &Settings) -> Self {
        // As given, as Meilisearch keeps them: charabia matches stop words
        // before lower-casing, so `The` is a word where `the` is a stop word.
        let stop_words = (!settings.stop_words.is_empty())
            .then(|| fst::Set::from_iter(settings.stop_words.iter()).unwrap_or_default());
        let separators =
            (!settings.separator_tokens.is_empty() || !settings.non_separator_tokens.is_empty()).then(|| {
                let mut list: Vec<String> = charabia::separators::DEFAULT_SEPARATORS
                    .iter()
                    .map(|s| s.to_string())
                    .filter(|s| !settings.non_separator_tokens.contains(s))
                    .collect();
                list.extend(settings.separator_tokens.iter().cloned());
                list.sort();
                list.dedup();
                list
            });
        Self { stop_words, separators, dictionary: settings.dictionary.iter().cloned().collect() }
    }

    /// Runs `f` with a tokenizer built for these settings. Building is cheap
    /// without custom separators or dictionary; with them it compiles an
    /// automaton, so callers tokenize many texts inside one call.
    pub fn with<R>(&self, f: impl FnOnce(&Tokenizer<'_>) -> R) -> R {
        let separators: Option<Vec<&str>> = self.separators.as_ref().map(|s| s.iter().map(String::as_str).collect());
        let dictionary: Vec<&str> = self.dictionary.iter().map(String::as_str).collect();
        let mut builder = TokenizerBuilder::new();
        if let Some(stop_words) = &self.stop_words {
            builder.stop_words(stop_words);
        }
        if let Some(separators) = &separators {
            builder.separators(separators);
        }
        if !dictionary.is_empty() {
            builder.words_dict(&dictionary);
        }
        builder.create_char_map(true);
        let tokenizer = builder.build();
        f(&tokenizer)
    }
}

/// A word as the index stores it (lower-cased, accents folded, ...).
pub fn normalize_word(word: &str) -> String {
    let tokenizer = TokenizerBuilder::<Vec<u8>>::new().into_tokenizer();
    tokenizer.tokenize(word).map(|t| t.lemma().to_owned()).collect()
}
