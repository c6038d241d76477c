//! One search index on disk: a tantivy index fed with pre-positioned words,
//! and the map of attribute paths to the ids its positions name.
//!
//! Every word of a document sits in one tantivy field, `words`, at position
//! `field_id << 16 | word_position`: proximity, attribute and word-position
//! ranking all read these positions, and `searchableAttributes` only chooses
//! at query time which field ids count, so changing it needs no re-indexing.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

use serde::{Deserialize, Serialize};
use tantivy::schema::{Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST, STRING};
use tantivy::{DocId, DocSet, SegmentReader, TERMINATED};
use tantivy::{IndexReader, IndexWriter, ReloadPolicy, Term};
use tracing::debug;

use crate::indexer::Indexer;
use crate::{Error, Settings};

/// Counts each attribute's words, for "the attribute is exactly the query":
/// this term sits at `field_id << 16 | number_of_words` of every field that
/// has words.
pub(crate) const COUNT_MARK: &str = "\u{0}";

/// Bytes of indexing memory tantivy may use per indexing thread, by default.
const MEMORY_PER_THREAD: usize = 64 * 1024 * 1024;
/// tantivy refuses less per thread.
const MIN_MEMORY_PER_THREAD: usize = 15_000_000;
/// ... and this much or more (4 GiB).
const MAX_MEMORY_PER_THREAD: usize = (u32::MAX - (1 << 20)) as usize;

/// What one index's writer may use while indexing: threads, and memory in
/// all (`--max-indexing-threads`, `--max-indexing-memory`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexingBudget {
    /// tantivy's indexing threads, each with its own segment.
    pub threads: usize,
    /// Threads preparing a large batch's documents for them (parsing,
    /// flattening, tokenizing), for the length of the batch.
    pub workers: usize,
    pub memory: usize,
}

impl Default for IndexingBudget {
    /// tantivy on half the cores (at least one, at most four), 64 MiB each,
    /// as Meilisearch's indexer leaves the other half to searches and to the
    /// rest of the server: on two cores a second tantivy thread added a
    /// segment, so a merge, to every small commit, and measured a third more
    /// on the webhook latency's p50. Preparing documents takes every core
    /// while a large batch lasts (on one of two cores, imports lost a third).
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let threads = (cores / 2).clamp(1, 4);
        Self { threads, workers: cores, memory: threads * MEMORY_PER_THREAD }
    }
}

impl IndexingBudget {
    /// The budget options ask for, made workable: fewer threads when the
    /// memory cannot give each the least tantivy takes (15 MB), and never
    /// less than that for one. A thread count given is the workers' too.
    pub fn new(threads: Option<usize>, memory: Option<usize>) -> Self {
        let default = Self::default();
        let workers = threads.unwrap_or(default.workers).max(1);
        let threads = threads.unwrap_or(default.threads).max(1);
        let memory = memory.unwrap_or(threads * MEMORY_PER_THREAD).max(MIN_MEMORY_PER_THREAD);
        let threads = threads.min(memory / MIN_MEMORY_PER_THREAD).max(1);
        // tantivy also refuses 4 GiB or more per thread.
        Self { threads, workers, memory: memory.min(threads * MAX_MEMORY_PER_THREAD) }
    }
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields {
    pub id: Field,
    pub words: Field,
    /// Order of first insertion, kept when a document is replaced: ties
    /// between equally ranked documents go to the older, as in Meilisearch.
    pub seq: Field,
    /// Values to order by: see [`crate::sortkey`].
    pub sortkeys: Field,
    /// Values to filter on: see [`crate::facets`].
    pub facets: Field,
}

fn schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let id = builder.add_text_field("id", STRING | FAST);
    let words = builder.add_text_field(
        "words",
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer("raw")
                .set_fieldnorms(false)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        ),
    );
    let seq = builder.add_u64_field("seq", FAST);
    let sortkeys = builder.add_bytes_field("sortkeys", FAST);
    let facets = builder.add_text_field("facets", STRING);
    (builder.build(), Fields { id, words, seq, sortkeys, facets })
}

/// What a commit records beside the documents: the documents version it
/// reflects and the attribute paths in order of first appearance.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Payload {
    /// How the index is laid out: an index of another format is built again
    /// from the documents (absent: format 0, before numbers had levels).
    #[serde(default)]
    pub format: u32,
    pub version: u64,
    pub fields: Vec<String>,
    /// The `seq` of the next new document.
    pub next_seq: u64,
}

/// The layout this build writes: 1 added coarse levels of number terms.
const FORMAT: u32 = 1;

impl Default for Payload {
    fn default() -> Self {
        Self { format: FORMAT, version: 0, fields: Vec::new(), next_seq: 0 }
    }
}

/// One index's search structures; shared by readers and the one writer.
pub struct SearchIndex {
    dir: PathBuf,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    /// Threads preparing a large batch's documents for the writer.
    workers: usize,
    pub(crate) fields: Fields,
    /// As of the last commit; attribute ids only ever grow.
    state: RwLock<Arc<Payload>>,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex").field("dir", &self.dir).finish_non_exhaustive()
    }
}

impl SearchIndex {
    /// Opens the index in `dir`, creating an empty one if there is none.
    pub fn open(dir: &Path) -> Result<Self, Error> {
        Self::open_with(dir, IndexingBudget::default())
    }

    /// [`SearchIndex::open`], indexing within `budget`.
    pub fn open_with(dir: &Path, budget: IndexingBudget) -> Result<Self, Error> {
        std::fs::create_dir_all(dir)?;
        let (schema, fields) = schema();
        let mmap = tantivy::directory::MmapDirectory::open(dir)?;
        let index = tantivy::Index::open_or_create(mmap, schema.clone())?;
        if index.schema() != schema {
            return Err(Error::Damaged(format!("{}: unexpected schema", dir.display())));
        }
        let writer: IndexWriter = index.writer_with_num_threads(budget.threads, budget.memory)?;
        // Merge as soon as two segments of a size exist: every segment costs
        // each query a dictionary walk per word, and merges run in the
        // background, after the batch is committed.
        let mut merges = tantivy::indexer::LogMergePolicy::default();
        merges.set_min_num_segments(2);
        writer.set_merge_policy(Box::new(merges));
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        let payload: Payload = match index.load_metas()?.payload {
            Some(json) => serde_json::from_str(&json).map_err(|e| Error::Damaged(e.to_string()))?,
            None => Payload::default(),
        };
        if payload.format != FORMAT {
            return Err(Error::Damaged(format!("{}: built in format {}, not {FORMAT}", dir.display(), payload.format)));
        }
        Ok(Self {
            dir: dir.to_owned(),
            reader,
            writer: Mutex::new(writer),
            workers: budget.workers,
            fields,
            state: RwLock::new(Arc::new(payload)),
        })
    }

    /// The documents version the last commit reflects (0: never written).
    pub fn version(&self) -> u64 {
        self.payload().version
    }

    pub(crate) fn payload(&self) -> Arc<Payload> {
        self.state.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub(crate) fn searcher(&self) -> tantivy::Searcher {
        self.reader.searcher()
    }

    /// Applies one batch of changes and commits them as `version`; readers
    /// see all of it or none. With `clear`, every document goes first. Each
    /// change is a document id and the document as it now stands (its JSON),
    /// or `None` if it was deleted.
    pub fn apply<S: AsRef<str> + Send + Sync, B: AsRef<[u8]> + Send + Sync>(
        &self,
        version: u64,
        settings: &Settings,
        clear: bool,
        changes: impl IntoIterator<Item = (S, Option<B>)>,
    ) -> Result<(), Error> {
        let mut writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let mut payload = Payload::clone(&self.payload());
        let result = (|| {
            if clear {
                // A delete operation, not `delete_all_documents`: that one
                // drops the segment list outright, and under load a re-index
                // lost documents of its own commit (seen with concurrent
                // merges); a query delete goes through the ordered delete
                // queue that merges honour.
                writer.delete_query(Box::new(tantivy::query::AllQuery))?;
            }
            let indexer = Indexer::new(
                self.fields,
                &writer,
                self.workers,
                self.reader.searcher(),
                settings,
                clear,
                (std::mem::take(&mut payload.fields), payload.next_seq),
            );
            indexer.run(changes)?;
            (payload.fields, payload.next_seq) = indexer.finish();
            payload.version = version;
            let mut commit = writer.prepare_commit()?;
            commit.set_payload(&serde_json::to_string(&payload).map_err(|e| Error::Damaged(e.to_string()))?);
            commit.commit()?;
            Ok(())
        })();
        if let Err(e) = result {
            // Back to the last commit, so that the next batch starts clean.
            writer.rollback()?;
            return Err(e);
        }
        self.reader.reload()?;
        *self.state.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(payload);
        debug!(dir = %self.dir.display(), version, "search index committed");
        Ok(())
    }

    /// Merges every segment into one and removes the files no commit needs
    /// any more: `POST /indexes/{uid}/compact`. Readers see the same
    /// documents before and after.
    pub fn compact(&self) -> Result<(), Error> {
        let mut writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        // A background merge may take some of the segments first (tantivy
        // then refuses the merge): read the list again and retry.
        let mut attempts = 0;
        loop {
            let segments = writer.index().searchable_segment_ids()?;
            if segments.len() <= 1 {
                break;
            }
            match writer.merge(&segments).wait() {
                Ok(_) => break,
                Err(tantivy::TantivyError::InvalidArgument(_)) if attempts < 10 => {
                    attempts += 1;
                    std::thread::sleep(std::time::Duration::from_millis(10 * attempts));
                }
                Err(e) => return Err(e.into()),
            }
        }
        writer.garbage_collect_files().wait()?;
        drop(writer);
        self.reader.reload()?;
        Ok(())
    }

    /// Number of live documents in the last commit.
    pub fn number_of_documents(&self) -> u64 {
        self.searcher().num_docs()
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

/// The live document holding `term` (a unique id) in `segment`.
pub(crate) fn live_doc(segment: &SegmentReader, field: Field, term: &Term) -> Result<Option<DocId>, Error> {
    let inverted = segment.inverted_index(field)?;
    let Some(mut postings) = inverted.read_postings(term, IndexRecordOption::Basic)? else {
        return Ok(None);
    };
    let mut doc = postings.doc();
    while doc != TERMINATED {
        if !segment.is_deleted(doc) {
            return Ok(Some(doc));
        }
        doc = postings.advance();
    }
    Ok(None)
}

#[cfg(test)]
mod budget {
    use super::IndexingBudget;

    #[test]
    fn budgets_are_made_workable() {
        assert_eq!(
            IndexingBudget::new(Some(2), None),
            IndexingBudget { threads: 2, workers: 2, memory: 128 * 1024 * 1024 }
        );
        // 20 MB cannot feed four threads of at least 15 MB: one thread.
        assert_eq!(
            IndexingBudget::new(Some(4), Some(20_000_000)),
            IndexingBudget { threads: 1, workers: 4, memory: 20_000_000 }
        );
        let least = IndexingBudget::new(None, Some(1));
        assert_eq!((least.threads, least.memory), (1, 15_000_000));
        assert_eq!(least.workers, IndexingBudget::default().workers, "workers need no indexing memory");
        let default = IndexingBudget::default();
        assert!(default.threads <= default.workers.div_ceil(2).max(1), "half the cores: {default:?}");
        assert_eq!(IndexingBudget::new(Some(0), Some(64_000_000)).threads, 1);
        let big = IndexingBudget::new(Some(2), Some(16 << 30));
        assert!(big.memory / big.threads < 1 << 32, "{big:?}");
    }
}
