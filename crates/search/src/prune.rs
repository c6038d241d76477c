//! For a query of one term, a document's rank depends on few of its
//! occurrences: its fewest typos, its best word position, its best attribute,
//! and its exact matches where the query starts. Keeping only occurrences that
//! improve one of these, as postings are read, leaves every rule's verdict
//! unchanged and the work per document small, whatever a broad word or prefix
//! (`lib`: 32k documents, 2k words) matches.

use tantivy::DocId;

use crate::candidates::Occurrence;
use crate::rank::{position_cost, same_bucket};

#[derive(Debug)]
pub(crate) struct Pruner {
    /// Where the term stands in the query.
    at: u32,
    typos: Vec<u8>,
    cost: Vec<u8>,
    weight: Vec<u16>,
    exact: Vec<bool>,
}

impl Pruner {
    pub fn new(max_doc: DocId, at: u32) -> Self {
        let n = max_doc as usize;
        Self { at, typos: vec![u8::MAX; n], cost: vec![u8::MAX; n], weight: vec![u16::MAX; n], exact: vec![false; n] }
    }

    /// Whether `o`, in an attribute of `weight`, can change `doc`'s rank
    /// given the occurrences kept before it.
    pub fn keep(&mut self, doc: DocId, o: &Occurrence, weight: u16) -> bool {
        let d = doc as usize;
        let mut keep = false;
        let cost = position_cost(o.word(), self.at).min(u32::from(u8::MAX)) as u8;
        if cost < self.cost[d] {
            self.cost[d] = cost;
            keep = true;
        }
        if !o.blocked {
            if o.typos < self.typos[d] {
                self.typos[d] = o.typos;
                keep = true;
            }
            if weight < self.weight[d] {
                self.weight[d] = weight;
                keep = true;
            }
            if o.exact && (!self.exact[d] || same_bucket(o.word(), self.at)) {
                self.exact[d] = true;
                keep = true;
            }
        }
        keep
    }
}
