//! The per-query hot path of name screening, compiled: candidate generation through the token-key
//! index and the precise alignment score of every candidate.
//!
//! `services/watchlists/domain/scoring.py` is the reference: every rule here (token similarity, the
//! greedy one-to-one alignment, the single-part cap) is the same arithmetic in the same order, so a
//! name scores the same float either way (tests/watchlists/domain/test_index.py holds both to it).
//! Names where one side may write two tokens as one word are reported back unscored: Python scores
//! those few with `scoring.name_score`, which joins the tokens first.

use std::cell::RefCell;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use rapidfuzz::distance::{indel, jaro_winkler};
// The keys are short tokens and small integers from our own lists, not attacker-chosen: a fast unkeyed
// hash is safe here and costs a fraction of the default SipHash on the hot path.
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

/// `scoring._MERGE_MIN`: only a token this long can be the joined form of two or three others.
const MERGE_MIN: usize = 5;

/// A token as Python's `scoring.Token` carries it: (text, skeleton, phonetic, weight, vowelless).
type TokenArgs = (String, String, String, f64, bool);

/// Per name: the score, how many parts matched, and the aligned (query index, name index, similarity).
type Scored = (f64, u32, Vec<(u32, u32, f64)>);

struct Token {
    text: String,
    skeleton: String,
    phonetic: String,
    weight: f64,
    vowelless: bool,
}

impl Token {
    fn from_args((text, skeleton, phonetic, weight, vowelless): TokenArgs) -> PyResult<Self> {
        if text.is_empty() {
            return Err(PyValueError::new_err("a name token is empty"));
        }
        if !text.is_ascii() || !skeleton.is_ascii() || !phonetic.is_ascii() {
            // Normalisation transliterates every script to ASCII; anything else is a caller's bug.
            return Err(PyValueError::new_err(format!("name token {text:?} is not ASCII")));
        }
        Ok(Token { text, skeleton, phonetic, weight, vowelless })
    }

    /// The index keys of a token: the token, its consonant skeleton ("s:") and its metaphone code ("p:").
    fn keys(&self) -> Vec<String> {
        let mut keys = vec![self.text.clone()];
        if self.skeleton.len() >= 3 {
            keys.push(format!("s:{}", self.skeleton));
        }
        if self.phonetic.len() >= 3 {
            keys.push(format!("p:{}", self.phonetic));
        }
        keys
    }
}

/// A query token with its comparators built once: it is compared with every candidate's tokens.
struct QueryToken {
    token: Token,
    jaro: jaro_winkler::BatchComparator<u8>,
    indel: indel::BatchComparator<u8>,
}

impl QueryToken {
    fn new(token: Token) -> Self {
        let jaro = jaro_winkler::BatchComparator::new(token.text.bytes());
        let indel = indel::BatchComparator::new(token.text.bytes());
        QueryToken { token, jaro, indel }
    }

    /// `scoring._similarity` (and `token_similarity`'s equal-text shortcut).
    fn similarity(&self, b: &Token) -> f64 {
        let a = &self.token;
        if a.text == b.text {
            return 1.0;
        }
        let jaro = self.jaro.normalized_similarity(b.text.bytes());
        let mut sim = (jaro + self.indel.normalized_similarity(b.text.bytes())) / 2.0;
        let same_skeleton = a.skeleton == b.skeleton;
        if sim < 0.9 && same_skeleton && (a.skeleton.len() >= 3 || a.vowelless || b.vowelless) {
            sim = 0.9;
        } else if sim < 0.88 && jaro >= 0.8 && same_skeleton {
            sim = 0.88;
        } else if sim < 0.88 && a.phonetic == b.phonetic && a.phonetic.len() >= 2 {
            sim = 0.88;
        }
        let (x, y) = (a.text.as_bytes(), b.text.as_bytes());
        if (x.len() == 1 || y.len() == 1) && x[0] == y[0] && sim < 0.8 {
            sim = 0.8; // an initial stands for the whole given name
        }
        sim
    }
}

/// Adjacent runs of two and three tokens written as one word (`batch._joins`).
fn joins(texts: &[&str]) -> HashSet<String> {
    let mut out = HashSet::default();
    for size in [2, 3] {
        if texts.len() >= size {
            for start in 0..=texts.len() - size {
                out.insert(texts[start..start + size].concat());
            }
        }
    }
    out
}

struct Name {
    ids: Vec<u32>,
    total: f64,
    parts: u32,
    joins: HashSet<String>,
    long: Vec<String>,
}

#[derive(Clone, Copy)]
struct Weights {
    single_part_cap: f64,
    token_min: f64,
    extra_cost: f64,
    sharpness: f64,
    part_min: f64,
    part_weight: f64,
}

struct Query {
    tokens: Vec<QueryToken>,
    total: f64,
    joins: HashSet<String>,
    long: Vec<String>,
}

impl Query {
    fn new(args: Vec<TokenArgs>) -> PyResult<Self> {
        let tokens = args.into_iter().map(|a| Token::from_args(a).map(QueryToken::new)).collect::<PyResult<Vec<_>>>()?;
        // Summed left to right from zero, as Python's sum() does: the same float.
        let total = tokens.iter().fold(0.0, |acc, t| acc + t.token.weight);
        let texts: Vec<&str> = tokens.iter().map(|t| t.token.text.as_str()).collect();
        let joins = joins(&texts);
        let long = texts.iter().filter(|t| t.len() >= MERGE_MIN).map(|t| t.to_string()).collect();
        Ok(Query { tokens, total, joins, long })
    }
}

#[derive(Default)]
struct Scratch {
    sums: Vec<f64>,
    seen: Vec<u32>,
    round: u32,
}

thread_local! {
    // Summing a query's IDF weights per name touches a few thousand of the ~100k names; the arrays
    // live on between queries and only the touched slots are reset. One per thread: retro-screening
    // runs in a worker thread beside live screening.
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Listed names as vocabulary ids, the posting lists of their token keys, and the scoring rules.
#[pyclass(frozen, module = "services.watchlists.domain._namecore")]
struct NameCore {
    vocab: Vec<Token>,
    names: Vec<Name>,
    postings: HashMap<String, Vec<u32>>,
    size: f64,
    max_postings: usize,
    relative_floor: f64,
    part_weight: f64,
}

impl NameCore {
    fn idf(&self, df: usize) -> f64 {
        (1.0 + self.size / (df.max(1) as f64)).ln()
    }

    fn candidates_of(&self, query: &Query, limit: usize) -> Vec<(u32, f64)> {
        let per_token: Vec<Vec<&Vec<u32>>> = query
            .tokens
            .iter()
            .map(|t| t.token.keys().iter().filter_map(|k| self.postings.get(k)).collect::<Vec<_>>())
            .filter(|hits| !hits.is_empty())
            .collect();
        let Some(rarest) = per_token.iter().flatten().map(|ids| ids.len()).min() else {
            return Vec::new();
        };
        // Frequent keys add little evidence but cost the most; use them only if nothing rarer exists.
        let cap = self.max_postings.max(rarest);
        let mut touched: Vec<u32> = Vec::new();
        SCRATCH.with_borrow_mut(|scratch| {
            if scratch.sums.len() < self.names.len() {
                scratch.sums = vec![0.0; self.names.len()];
                scratch.seen = vec![0; self.names.len()];
                scratch.round = 0;
            }
            for hits in &per_token {
                let usable: Vec<&Vec<u32>> = hits.iter().copied().filter(|ids| ids.len() <= cap).collect();
                let Some(df) = usable.iter().map(|ids| ids.len()).min() else {
                    continue;
                };
                let weight = self.idf(df);
                if scratch.round == u32::MAX {
                    scratch.seen.iter_mut().for_each(|s| *s = 0);
                    scratch.round = 0;
                }
                scratch.round += 1;
                let round = scratch.round;
                for ids in usable {
                    for &id in ids {
                        let slot = id as usize;
                        // Each query token counts once per name, however many of its keys hit it.
                        if scratch.seen[slot] == round {
                            continue;
                        }
                        scratch.seen[slot] = round;
                        if scratch.sums[slot] == 0.0 {
                            touched.push(id);
                        }
                        scratch.sums[slot] += weight;
                    }
                }
            }
            let mut ranked: Vec<(u32, f64)> = touched.iter().map(|&id| (id, scratch.sums[id as usize])).collect();
            for &id in &touched {
                scratch.sums[id as usize] = 0.0;
            }
            // Best first; equal overlaps in name order, so a query always gets the same candidates.
            let order = |a: &(u32, f64), b: &(u32, f64)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
            if ranked.len() > limit {
                ranked.select_nth_unstable_by(limit, order);
                ranked.truncate(limit);
            }
            ranked.sort_unstable_by(order);
            // Names sharing far less than the best one cannot outscore it on a name that has to match in full.
            let bar = ranked.first().map_or(0.0, |best| best.1 * self.relative_floor);
            ranked.retain(|c| c.1 >= bar);
            ranked
        })
    }

    /// True when `scoring.name_score` would join tokens of one side before aligning.
    fn joined(&self, query: &Query, name: &Name) -> bool {
        let (q_len, c_len) = (query.tokens.len(), name.ids.len());
        (q_len < c_len && query.long.iter().any(|t| name.joins.contains(t)))
            || (c_len < q_len && name.long.iter().any(|t| query.joins.contains(t)))
    }

    /// `scoring.align` + the single-part cap of `scoring.name_score`, on tokens that need no joining.
    fn align(&self, query: &Query, name: &Name, w: &Weights, memo: &mut HashMap<(usize, u32), f64>) -> Scored {
        let mut sims: Vec<(f64, u32, u32)> = Vec::new();
        for (i, q) in query.tokens.iter().enumerate() {
            for (j, &id) in name.ids.iter().enumerate() {
                // Candidates share tokens (given names, "muhammad"): each pair is compared once per query.
                let sim = *memo.entry((i, id)).or_insert_with(|| q.similarity(&self.vocab[id as usize]));
                if sim >= w.token_min {
                    sims.push((sim, i as u32, j as u32));
                }
            }
        }
        let (mut score, matched, pairs) = if sims.is_empty() {
            (0.0, 0, Vec::new())
        } else {
            self.greedy(&mut sims, query, name, w)
        };
        if name.parts >= 2 && matched < 2 {
            score = score.min(w.single_part_cap);
        }
        (score, matched, pairs)
    }

    /// `scoring.greedy`: best-first one-to-one alignment (ties broken as Python's tuple sort does).
    fn greedy(&self, sims: &mut [(f64, u32, u32)], query: &Query, name: &Name, w: &Weights) -> Scored {
        sims.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(b.1.cmp(&a.1)).then(b.2.cmp(&a.2)));
        let mut used_q = vec![false; query.tokens.len()];
        let mut used_c = vec![false; name.ids.len()];
        let mut numerator = 0.0;
        let mut matched_c_weight = 0.0;
        let mut strong = 0;
        let mut pairs = Vec::new();
        for &(sim, i, j) in sims.iter() {
            let (iu, ju) = (i as usize, j as usize);
            if used_q[iu] || used_c[ju] {
                continue;
            }
            used_q[iu] = true;
            used_c[ju] = true;
            let c_weight = self.vocab[name.ids[ju] as usize].weight;
            let earned = if w.sharpness == 1.0 { sim } else { sim.powf(w.sharpness) };
            numerator += earned * (query.tokens[iu].token.weight + c_weight);
            matched_c_weight += c_weight;
            pairs.push((i, j, sim));
            if sim >= w.part_min && c_weight >= w.part_weight {
                strong += 1;
            }
        }
        let denominator = query.total + matched_c_weight + w.extra_cost * (name.total - matched_c_weight);
        let score = if denominator != 0.0 { numerator / denominator } else { 0.0 };
        (score, strong, pairs)
    }

    fn score_of(&self, query: &Query, name_ids: &[u32], bar: Option<f64>, w: &Weights)
                -> PyResult<Vec<(u32, Option<Scored>)>> {
        let mut out = Vec::new();
        let mut memo = HashMap::default();
        for &id in name_ids {
            let name = self.names.get(id as usize).ok_or_else(|| PyValueError::new_err(format!("no name {id}")))?;
            if query.tokens.is_empty() || self.joined(query, name) {
                out.push((id, None));
                continue;
            }
            let scored = self.align(query, name, w, &mut memo);
            if bar.is_none_or(|bar| scored.0 >= bar) {
                out.push((id, Some(scored)));
            }
        }
        Ok(out)
    }
}

#[pymethods]
impl NameCore {
    /// `vocab`: every distinct token once; `names`: each name as vocabulary ids, in build order.
    #[new]
    #[pyo3(signature = (vocab, names, max_postings=400, relative_floor=0.5, part_weight=0.3))]
    fn new(vocab: Vec<TokenArgs>, names: Vec<Vec<u32>>, max_postings: usize, relative_floor: f64,
           part_weight: f64) -> PyResult<Self> {
        let vocab = vocab.into_iter().map(Token::from_args).collect::<PyResult<Vec<_>>>()?;
        let mut lists: HashMap<String, Vec<u32>> = HashMap::default();
        let mut rows = Vec::with_capacity(names.len());
        for (name_id, ids) in names.into_iter().enumerate() {
            let mut tokens = Vec::with_capacity(ids.len());
            for &id in &ids {
                tokens.push(vocab.get(id as usize).ok_or_else(|| {
                    PyValueError::new_err(format!("name {name_id} refers to token {id}, beyond the vocabulary"))
                })?);
            }
            let keys: HashSet<String> = tokens.iter().flat_map(|t| t.keys()).collect();
            for key in keys {
                lists.entry(key).or_default().push(name_id as u32);
            }
            let texts: Vec<&str> = tokens.iter().map(|t| t.text.as_str()).collect();
            rows.push(Name {
                total: tokens.iter().fold(0.0, |acc, t| acc + t.weight),
                parts: tokens.iter().filter(|t| t.weight >= part_weight).count() as u32,
                joins: joins(&texts),
                long: texts.iter().filter(|t| t.len() >= MERGE_MIN).map(|t| t.to_string()).collect(),
                ids,
            });
        }
        Ok(NameCore {
            vocab,
            size: rows.len().max(1) as f64,
            names: rows,
            postings: lists,
            max_postings,
            relative_floor,
            part_weight,
        })
    }

    /// Top names by summed IDF of the query tokens they share a key with, best first.
    fn candidates(&self, query: Vec<TokenArgs>, limit: usize) -> PyResult<Vec<(u32, f64)>> {
        Ok(self.candidates_of(&Query::new(query)?, limit))
    }

    /// The alignment of every name id (in order) that reaches ``bar`` (all when it is None). A name
    /// whose tokens may need joining comes back as (id, None): score it with `scoring.name_score`.
    #[pyo3(signature = (query, name_ids, bar, single_part_cap, token_min, extra_cost, sharpness, part_min))]
    #[allow(clippy::too_many_arguments)]
    fn score(&self, query: Vec<TokenArgs>, name_ids: Vec<u32>, bar: Option<f64>, single_part_cap: f64,
             token_min: f64, extra_cost: f64, sharpness: f64, part_min: f64)
             -> PyResult<Vec<(u32, Option<Scored>)>> {
        let weights = Weights { single_part_cap, token_min, extra_cost, sharpness, part_min,
                                part_weight: self.part_weight };
        self.score_of(&Query::new(query)?, &name_ids, bar, &weights)
    }

    /// `candidates` then `score` in one call: the whole per-query path of a screening.
    #[pyo3(signature = (query, limit, bar, single_part_cap, token_min, extra_cost, sharpness, part_min))]
    #[allow(clippy::too_many_arguments)]
    fn screen(&self, query: Vec<TokenArgs>, limit: usize, bar: Option<f64>, single_part_cap: f64,
              token_min: f64, extra_cost: f64, sharpness: f64, part_min: f64)
              -> PyResult<Vec<(u32, Option<Scored>)>> {
        let query = Query::new(query)?;
        let ids: Vec<u32> = self.candidates_of(&query, limit).into_iter().map(|c| c.0).collect();
        let weights = Weights { single_part_cap, token_min, extra_cost, sharpness, part_min,
                                part_weight: self.part_weight };
        self.score_of(&query, &ids, bar, &weights)
    }

    /// `scoring._similarity` of two tokens (for tests that hold this core to the Python reference).
    #[staticmethod]
    fn similarity(a: TokenArgs, b: TokenArgs) -> PyResult<f64> {
        Ok(QueryToken::new(Token::from_args(a)?).similarity(&Token::from_args(b)?))
    }
}

#[pymodule]
fn _namecore(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<NameCore>()?;
    Ok(())
}
