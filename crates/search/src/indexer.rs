//! A batch's documents into tantivy documents, on as many threads as the
//! indexing budget gives the writer: each worker parses, flattens and
//! tokenizes its share, and hands the result to tantivy's writer, which takes
//! documents from many threads. A few documents are prepared on the calling
//! thread.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, RwLock};

use serde_json::{Map, Value};
use tantivy::tokenizer::{PreTokenizedString, Token};
use tantivy::{IndexWriter, Searcher, TantivyDocument, Term};

use crate::analyzer::Analyzer;
use crate::document::{flatten, leaf_text, positioned_words, MAX_POSITION};
use crate::index::{live_doc, Fields, COUNT_MARK};
use crate::{Error, Settings};

/// Documents handed to the workers at a time: enough to keep them busy,
/// few enough that a rebuild streaming from disk stays small.
const CHUNK: usize = 2048;
/// Chunks smaller than this are prepared on the calling thread.
const INLINE: usize = 64;

/// Attribute paths and their ids, as documents reveal them.
#[derive(Debug, Default)]
struct FieldIds {
    names: Vec<String>,
    ids: HashMap<String, u32>,
}

/// One batch being indexed.
pub(crate) struct Indexer<'a> {
    fields: Fields,
    writer: &'a IndexWriter,
    /// Threads preparing documents, each a share of a chunk.
    workers: usize,
    /// The committed state, where a replaced document finds its `seq`.
    before: Searcher,
    clear: bool,
    analyzer: Analyzer,
    sorted: HashSet<&'a str>,
    facet_rules: Vec<crate::facets::FilterableRule>,
    geo: bool,
    geojson: bool,
    field_ids: RwLock<FieldIds>,
    next_seq: AtomicU64,
}

impl<'a> Indexer<'a> {
    pub fn new(
        fields: Fields,
        writer: &'a IndexWriter,
        workers: usize,
        before: Searcher,
        settings: &'a Settings,
        clear: bool,
        (names, next_seq): (Vec<String>, u64),
    ) -> Self {
        let ids = names.iter().enumerate().map(|(i, f)| (f.clone(), i as u32)).collect();
        Self {
            fields,
            writer,
            workers: workers.max(1),
            before,
            clear,
            analyzer: Analyzer::new(settings),
            sorted: settings.sort_fields(),
            facet_rules: settings.facet_rules(),
            geo: settings.geo_indexed(),
            geojson: settings.geojson_indexed(),
            field_ids: RwLock::new(FieldIds { names, ids }),
            next_seq: AtomicU64::new(next_seq),
        }
    }

    /// Indexes every change: a document id and the document as it now
    /// stands, or `None` for a deletion.
    pub fn run<S, B>(&self, changes: impl IntoIterator<Item = (S, Option<B>)>) -> Result<(), Error>
    where
        S: AsRef<str> + Send + Sync,
        B: AsRef<[u8]> + Send + Sync,
    {
        let mut chunk = Vec::with_capacity(CHUNK);
        let mut seen = 0;
        for change in changes {
            chunk.push(change);
            if chunk.len() == CHUNK {
                self.chunk(&chunk, seen)?;
                seen += chunk.len() as u64;
                chunk.clear();
            }
        }
        self.chunk(&chunk, seen)?;
        seen += chunk.len() as u64;
        self.next_seq.fetch_add(seen, Ordering::Relaxed);
        Ok(())
    }

    /// Indexes `chunk`, the changes after the first `seen` of the batch.
    fn chunk<S, B>(&self, chunk: &[(S, Option<B>)], seen: u64) -> Result<(), Error>
    where
        S: AsRef<str> + Sync,
        B: AsRef<[u8]> + Sync,
    {
        if chunk.is_empty() {
            return Ok(());
        }
        // A few documents are prepared here: starting threads for them costs
        // more than it saves, on the way from a batch to its webhooks.
        let workers = if chunk.len() < INLINE { 1 } else { self.workers };
        if workers == 1 {
            return self.analyzer.with(|tokenizer| self.part(tokenizer, seen, chunk));
        }
        let failure: Mutex<Option<Error>> = Mutex::new(None);
        let share = chunk.len().div_ceil(workers);
        std::thread::scope(|scope| {
            for (k, part) in chunk.chunks(share).enumerate() {
                let failure = &failure;
                // A new document's `seq` is its place in the batch, whichever
                // worker indexes it.
                let first = seen + (k * share) as u64;
                scope.spawn(move || {
                    let done = self.analyzer.with(|tokenizer| self.part(tokenizer, first, part));
                    if let Err(e) = done {
                        *failure.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
                    }
                });
            }
        });
        match failure.into_inner().unwrap_or_else(|p| p.into_inner()) {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Indexes `part`, whose first change is the batch's `first`.
    fn part<S: AsRef<str>, B: AsRef<[u8]>>(
        &self,
        tokenizer: &charabia::Tokenizer<'_>,
        first: u64,
        part: &[(S, Option<B>)],
    ) -> Result<(), Error> {
        part.iter()
            .enumerate()
            .try_for_each(|(i, (id, doc))| self.change(tokenizer, first + i as u64, id.as_ref(), doc.as_ref()))
    }

    fn change<B: AsRef<[u8]>>(
        &self,
        tokenizer: &charabia::Tokenizer<'_>,
        nth: u64,
        id: &str,
        doc: Option<&B>,
    ) -> Result<(), Error> {
        let term = Term::from_field_text(self.fields.id, id);
        if !self.clear {
            self.writer.delete_term(term.clone());
        }
        let Some(doc) = doc else { return Ok(()) };
        let document: Map<String, Value> =
            serde_json::from_slice(doc.as_ref()).map_err(|e| Error::Damaged(format!("document `{id}`: {e}")))?;
        let seq = match self.seq_of(&term)? {
            Some(seq) => seq,
            None => self.next_seq.load(Ordering::Relaxed) + nth,
        };
        self.writer.add_document(self.document(id, seq, &document, tokenizer))?;
        Ok(())
    }

    /// The `seq` of the live document `term` names, before this batch.
    fn seq_of(&self, term: &Term) -> Result<Option<u64>, Error> {
        for segment in self.before.segment_readers() {
            if let Some(doc) = live_doc(segment, self.fields.id, term)? {
                return Ok(segment.fast_fields().u64("seq")?.first(doc));
            }
        }
        Ok(None)
    }

    fn field_id(&self, path: &str) -> u32 {
        if let Some(&id) = self.field_ids.read().unwrap_or_else(|p| p.into_inner()).ids.get(path) {
            return id;
        }
        let mut map = self.field_ids.write().unwrap_or_else(|p| p.into_inner());
        if let Some(&id) = map.ids.get(path) {
            return id;
        }
        let id = map.names.len() as u32;
        map.names.push(path.to_owned());
        map.ids.insert(path.to_owned(), id);
        id
    }

    fn document(
        &self,
        id: &str,
        seq: u64,
        document: &Map<String, Value>,
        tokenizer: &charabia::Tokenizer<'_>,
    ) -> TantivyDocument {
        let mut doc = TantivyDocument::default();
        let token = |position: u32, text: String| Token {
            offset_from: 0,
            offset_to: 0,
            position: position as usize,
            text,
            position_length: 1,
        };
        let mut tokens: Vec<Token> = Vec::new();
        for attribute in flatten(document) {
            let field_id = self.field_id(&attribute.path);
            if field_id > u32::from(u16::MAX) {
                continue;
            }
            if self.sorted.contains(attribute.path.as_str()) {
                for entry in crate::sortkey::entries(field_id, &attribute.values) {
                    doc.add_bytes(self.fields.sortkeys, &entry);
                }
            }
            let base = field_id << 16;
            let mut count = 0u32;
            let texts: Vec<_> = attribute.values.iter().map(|v| leaf_text(v)).collect();
            positioned_words(tokenizer, texts.iter().map(|t| t.as_ref()), |position, word| {
                count += 1;
                tokens.push(token(base | position, word.lemma().to_owned()));
            });
            if count > 0 {
                tokens.push(token(base | count.min(MAX_POSITION), COUNT_MARK.to_owned()));
            }
        }
        if let Some((lat, lng)) = crate::geo::point(document).filter(|_| self.geo) {
            doc.add_bytes(self.fields.sortkeys, &crate::geo::entry(lat, lng));
        }
        // A value that is no GeoJSON is left out (Meilisearch fails the task).
        if let Some(Ok(shape)) = document.get(crate::geo::GEOJSON).filter(|_| self.geojson).map(crate::geojson::read) {
            doc.add_bytes(self.fields.sortkeys, &shape.entry());
        }
        for term in crate::facets::terms(document, &self.facet_rules) {
            doc.add_text(self.fields.facets, term);
        }
        // tantivy delta-encodes positions: they must come in order.
        tokens.sort_by_key(|t| t.position);
        doc.add_text(self.fields.id, id);
        doc.add_u64(self.fields.seq, seq);
        doc.add_pre_tokenized_text(self.fields.words, PreTokenizedString { text: String::new(), tokens });
        doc
    }

    /// The attribute paths (by id) and the next `seq`, for the commit.
    pub fn finish(self) -> (Vec<String>, u64) {
        let names = self.field_ids.into_inner().unwrap_or_else(|p| p.into_inner()).names;
        (names, self.next_seq.into_inner())
    }
}
