//! The screener's per-transfer graph work, compiled: the sliding-window transfer graph and the
//! heuristics that run over it for every transfer.
//!
//! The Python modules in `services/screener/domain/` (graph.py, fans.py, scatter.py, cycles.py,
//! layering.py, exposure.py, structuring.py, velocity.py) are the reference. Every step here is the
//! same: the same edges in the same order, the same scan limits, the same float arithmetic in the
//! same order, even the same quirks (a late transfer's account may leave the graph while its edge is
//! still in the window). Fed the same transfers, both give the same findings to the last bit, which
//! `tests/screener/domain/test_graph_core.py` checks on crafted patterns and on whole AMLSim graphs.
//! A finding is handed back as plain data; Python turns it into an explained `Hit` with the same
//! report functions the reference uses.

use std::collections::VecDeque;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;

use pyo3::exceptions::{PyKeyError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyTuple;
use pyo3::IntoPyObjectExt;
// Keys are account and transfer ids from the exchanges, hashed by the million on the hot path. A
// fast unkeyed hash would let a hostile exchange craft colliding ids, but ingest already bounds an
// id's length and each lookup touches one short bucket; SipHash would cost a third of the core.
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

const SCAN_LIMIT: usize = 64; // graph.SCAN_LIMIT
const HISTORY_LIMIT: usize = 256; // fans.HISTORY_LIMIT
const SEARCH_BUDGET: i64 = 256; // cycles.SEARCH_BUDGET
const FUNDING_LIMIT: usize = 8; // scatter.FUNDING_LIMIT
const HOUR: f64 = 3600.0;
const DAY: f64 = 86400.0;

type Name = Rc<str>;

/// One transfer in the window (graph.Edge), plus whether the multigraph still holds it.
struct Edge {
    tid: Name,
    src: Name,
    dst: Name,
    amount: f64,
    ts: f64,
    value: f64,
    currency: Name,
    /// networkx's copy of the edge: it leaves with the global queue, or earlier with its account.
    in_nx: bool,
}

/// An entry of a node's in- or out-queue: the edge's sequence number and its time (kept here so the
/// queue can be trimmed after the edge itself left the window).
#[derive(Clone, Copy)]
struct Ref {
    seq: u64,
    ts: f64,
}

/// graph.Node, plus the networkx adjacency of the account (distinct counterparties with a count of
/// edges each) and the edges trimmed from its queues that networkx still holds.
struct Node {
    first_seen: f64,
    in_edges: VecDeque<Ref>,
    out_edges: VecDeque<Ref>,
    listed: bool,
    tainted: VecDeque<(f64, i64, f64, Name)>,
    chain: Vec<Name>,
    succ: HashMap<Name, u32>,
    pred: HashMap<Name, u32>,
    limbo: Vec<u64>,
}

impl Node {
    fn new(ts: f64) -> Self {
        Node {
            first_seen: ts,
            in_edges: VecDeque::new(),
            out_edges: VecDeque::new(),
            listed: false,
            tainted: VecDeque::new(),
            chain: Vec::new(),
            succ: HashMap::default(),
            pred: HashMap::default(),
            limbo: Vec::new(),
        }
    }
}

/// The transfer being screened (graph_screen.to_edge); `seq` is None when the graph did not take it.
struct Current {
    src: Name,
    dst: Name,
    amount: f64,
    ts: f64,
    value: f64,
    currency: Name,
    seq: Option<u64>,
}

fn missing(account: &str) -> PyErr {
    PyKeyError::new_err(account.to_owned()) // what `graph.nodes[account]` raises in the reference
}

/// graph.TransferGraph. Edges live in one queue in arrival order and are named by sequence number.
struct Graph {
    window: f64,
    store: VecDeque<Edge>,
    base: u64,
    ids: HashSet<Name>,
    nodes: HashMap<Name, Node>,
    watermark: f64,
    /// graph.TransferGraph.started: the earliest time of any transfer taken in.
    started: f64,
}

impl Graph {
    fn edge(&self, seq: u64) -> &Edge {
        &self.store[(seq - self.base) as usize]
    }

    fn node(&self, account: &str) -> PyResult<&Node> {
        self.nodes.get(account).ok_or_else(|| missing(account))
    }

    fn payers(&self, account: &str) -> usize {
        self.nodes.get(account).map_or(0, |n| n.pred.len())
    }

    fn payees(&self, account: &str) -> usize {
        self.nodes.get(account).map_or(0, |n| n.succ.len())
    }

    fn ensure(&mut self, account: &Name, ts: f64) -> &mut Node {
        self.nodes.entry(account.clone()).or_insert_with(|| Node::new(ts))
    }

    fn add(&mut self, tid: &Name, cur: &Current) -> Option<u64> {
        if self.ids.contains(tid) || cur.ts < self.watermark - self.window {
            return None;
        }
        if cur.ts > self.watermark {
            self.watermark = cur.ts;
            self.evict(cur.ts - self.window);
        }
        self.ids.insert(tid.clone());
        if cur.ts < self.started {
            self.started = cur.ts;
        }
        let seq = self.base + self.store.len() as u64;
        self.store.push_back(Edge {
            tid: tid.clone(),
            src: cur.src.clone(),
            dst: cur.dst.clone(),
            amount: cur.amount,
            ts: cur.ts,
            value: cur.value,
            currency: cur.currency.clone(),
            in_nx: true,
        });
        let entry = Ref { seq, ts: cur.ts };
        self.ensure(&cur.src, cur.ts).out_edges.push_back(entry);
        self.ensure(&cur.dst, cur.ts).in_edges.push_back(entry);
        *self.nodes.get_mut(&cur.src).expect("ensured").succ.entry(cur.dst.clone()).or_insert(0) += 1;
        *self.nodes.get_mut(&cur.dst).expect("ensured").pred.entry(cur.src.clone()).or_insert(0) += 1;
        Some(seq)
    }

    fn forget_pair(&mut self, src: &str, dst: &str) {
        fn decrement(map: &mut HashMap<Name, u32>, key: &str) {
            if let Some(count) = map.get_mut(key) {
                *count -= 1;
                if *count == 0 {
                    map.remove(key);
                }
            }
        }
        if let Some(node) = self.nodes.get_mut(src) {
            decrement(&mut node.succ, dst);
        }
        if let Some(node) = self.nodes.get_mut(dst) {
            decrement(&mut node.pred, src);
        }
    }

    fn evict(&mut self, cutoff: f64) {
        match self.store.front() {
            Some(first) if first.ts < cutoff => {}
            _ => return,
        }
        let mut touched: Vec<Name> = Vec::new();
        let mut seen: HashSet<Name> = HashSet::default();
        while self.store.front().is_some_and(|e| e.ts < cutoff) {
            let old = self.store.pop_front().expect("checked");
            self.base += 1;
            self.ids.remove(&old.tid);
            if old.in_nx {
                self.forget_pair(&old.src, &old.dst);
            }
            for account in [old.src, old.dst] {
                if seen.insert(account.clone()) {
                    touched.push(account);
                }
            }
        }
        for account in &touched {
            self.trim(account, cutoff);
        }
    }

    fn trim(&mut self, account: &Name, cutoff: f64) {
        let base = self.base;
        let Some(node) = self.nodes.get_mut(account) else { return };
        for queue in [&mut node.in_edges, &mut node.out_edges] {
            while let Some(first) = queue.front().copied() {
                if first.ts >= cutoff {
                    break;
                }
                queue.pop_front();
                if first.seq >= base {
                    node.limbo.push(first.seq); // still in the window (a late arrival): networkx keeps it
                }
            }
        }
        while node.tainted.front().is_some_and(|t| t.0 < cutoff) {
            node.tainted.pop_front();
        }
        node.limbo.retain(|&seq| seq >= base);
        if !node.in_edges.is_empty() || !node.out_edges.is_empty() || node.listed {
            return;
        }
        // networkx's remove_node: every edge it still holds at this account goes with it.
        let node = self.nodes.remove(account).expect("present");
        for nbr in node.succ.keys() {
            if let Some(other) = self.nodes.get_mut(nbr) {
                other.pred.remove(account);
            }
        }
        for nbr in node.pred.keys() {
            if let Some(other) = self.nodes.get_mut(nbr) {
                other.succ.remove(account);
            }
        }
        for seq in node.limbo {
            self.store[(seq - base) as usize].in_nx = false;
        }
    }

    /// graph.newest / graph.recent: the newest edges at or after `since`, at most `limit`.
    fn newest(refs: &VecDeque<Ref>, since: f64, limit: usize) -> Vec<u64> {
        let mut found = Vec::new();
        for entry in refs.iter().rev() {
            if entry.ts < since || found.len() >= limit {
                break;
            }
            found.push(entry.seq);
        }
        found
    }

    /// exposure.taint_share
    fn taint_share(&self, node: &Node) -> Option<(i64, f64, Name)> {
        if node.listed {
            return Some((0, 1.0, Rc::from("")));
        }
        if node.tainted.is_empty() {
            return None;
        }
        let mut inflow = 0.0;
        for entry in &node.in_edges {
            inflow += self.edge(entry.seq).amount;
        }
        let hops = node.tainted.iter().map(|t| t.1).min().expect("not empty");
        let source = node.tainted.iter().find(|t| t.1 == hops).expect("the minimum").3.clone();
        let mut tainted = 0.0;
        for t in &node.tainted {
            tainted += t.2;
        }
        let share = if inflow > 0.0 { py_min(1.0, tainted / inflow) } else { 0.0 };
        Some((hops, share, source))
    }
}

/// Python's max(a, b) and min(a, b): the first argument unless the second is strictly beyond it.
fn py_max(a: f64, b: f64) -> f64 {
    if b > a {
        b
    } else {
        a
    }
}

fn py_min(a: f64, b: f64) -> f64 {
    if b < a {
        b
    } else {
        a
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Direct,
    Indirect,
    FanIn,
    FanOut,
    ScatterGather,
    GatherScatter,
    Cycle,
    PassThrough,
    PeelChain,
    Structuring,
    SplitTransfers,
    VelocitySpike,
    NewAccountValue,
}

impl Kind {
    fn parse(rule_id: &str) -> PyResult<(Kind, &'static [&'static str])> {
        Ok(match rule_id {
            "graph.exposure.direct" => (Kind::Direct, &[]),
            "graph.exposure.indirect" => (Kind::Indirect, &["max_hops", "min_share"]),
            "graph.fan_in" => (Kind::FanIn, &["window_hours", "min_counterparties", "amount_tolerance", "min_rise"]),
            "graph.fan_out" => (Kind::FanOut, &["window_hours", "min_counterparties", "amount_tolerance", "min_rise"]),
            "graph.scatter_gather" => (Kind::ScatterGather, &["window_hours", "min_intermediaries"]),
            "graph.gather_scatter" => {
                (Kind::GatherScatter, &["window_hours", "min_sources", "min_destinations", "min_rise"])
            }
            "graph.cycle" => (
                Kind::Cycle,
                &["window_hours", "max_hops", "amount_tolerance", "max_branching", "max_lag_hours"],
            ),
            "graph.pass_through" => (Kind::PassThrough, &["window_minutes", "min_share_out", "max_share_out"]),
            "graph.peel_chain" => (Kind::PeelChain, &["window_hours", "max_peel_share", "min_hops"]),
            "graph.structuring" => (Kind::Structuring, &["margin", "min_transfers", "window_hours"]),
            "graph.split_transfers" => (Kind::SplitTransfers, &["window_hours", "min_transfers"]),
            "graph.velocity_spike" => (Kind::VelocitySpike, &["factor", "min_transfers", "min_history_days"]),
            "graph.new_account_value" => (Kind::NewAccountValue, &["max_age_days", "min_observed_days"]),
            other => return Err(PyValueError::new_err(format!("unknown graph rule {other:?}"))),
        })
    }
}

/// Every setting a graph rule reads, by its index in `Settings::values`.
const PARAMETERS: [&str; 22] = ["window_hours", "min_counterparties", "amount_tolerance", "min_rise", "min_intermediaries", "min_sources", "min_destinations", "max_hops", "max_branching", "max_lag_hours", "window_minutes", "min_share_out", "max_share_out", "max_peel_share", "min_hops", "margin", "min_transfers", "factor", "min_history_days", "max_age_days", "min_share", "min_observed_days"];
const WINDOW_HOURS: usize = 0;
const MIN_COUNTERPARTIES: usize = 1;
const AMOUNT_TOLERANCE: usize = 2;
const MIN_RISE: usize = 3;
const MIN_INTERMEDIARIES: usize = 4;
const MIN_SOURCES: usize = 5;
const MIN_DESTINATIONS: usize = 6;
const MAX_HOPS: usize = 7;
const MAX_BRANCHING: usize = 8;
const MAX_LAG_HOURS: usize = 9;
const WINDOW_MINUTES: usize = 10;
const MIN_SHARE_OUT: usize = 11;
const MAX_SHARE_OUT: usize = 12;
const MAX_PEEL_SHARE: usize = 13;
const MIN_HOPS: usize = 14;
const MARGIN: usize = 15;
const MIN_TRANSFERS: usize = 16;
const FACTOR: usize = 17;
const MIN_HISTORY_DAYS: usize = 18;
const MAX_AGE_DAYS: usize = 19;
const MIN_SHARE: usize = 20;
const MIN_OBSERVED_DAYS: usize = 21;

/// One rule's settings: its numbers (indexed as `PARAMETERS`, read on every transfer, so never by
/// name) and its thresholds by currency.
struct Settings {
    rule_id: String,
    kind: Kind,
    values: [f64; PARAMETERS.len()],
    thresholds: HashMap<String, f64>,
}

impl Settings {
    fn f(&self, at: usize) -> f64 {
        self.values[at] // set: `enable` checked every setting the rule reads
    }

    /// `int(settings[name])`: truncation toward zero, as Python's int() of a float.
    fn n(&self, at: usize) -> usize {
        self.values[at].trunc().max(0.0) as usize
    }

    fn i(&self, at: usize) -> i64 {
        self.values[at].trunc() as i64
    }
}

type Parties = Vec<(Name, u64)>;

enum Finding {
    Direct { role: &'static str, account: Name, other: Name },
    Indirect { account: Name, hops: i64, share: f64, source: Name },
    Fan(Parties),
    ScatterGather { source: Name, paths: Parties },
    GatherScatter { senders: Parties, receivers: Parties },
    Cycle(Vec<u64>),
    PassThrough { inflow: Vec<u64>, outflow: Vec<u64>, share: f64 },
    Peel { chain: Vec<Name>, funding: u64, peels: Vec<u64> },
    Structuring { line: f64, near: Vec<u64> },
    Split(Vec<u64>),
    Velocity { last_day: usize, baseline: f64, edges: Vec<u64> },
    NewAccount { account: Name, age: f64 },
}

/// Keep the first position of a key and the last value, as a dict comprehension does.
fn dict_insert(parties: &mut Parties, index: &mut HashMap<Name, usize>, key: &Name, seq: u64) {
    match index.get(key) {
        Some(&at) => parties[at].1 = seq,
        None => {
            index.insert(key.clone(), parties.len());
            parties.push((key.clone(), seq));
        }
    }
}

impl Graph {
    /// fans.fresh: the counterparties new to the account, or none when its history predicts as many.
    #[allow(clippy::too_many_arguments)]
    fn fresh(
        &self,
        found: Parties,
        refs: &VecDeque<Ref>,
        first_seen: f64,
        since: f64,
        by_source: bool,
        window_hours: f64,
        min_rise: f64,
    ) -> Parties {
        let mut history: HashSet<&str> = HashSet::default();
        let mut cut = None;
        let mut limit = HISTORY_LIMIT;
        for entry in refs.iter().rev() {
            if entry.ts >= since {
                continue;
            }
            if limit == 0 {
                cut = Some(entry.ts);
                break;
            }
            limit -= 1;
            let e = self.edge(entry.seq);
            history.insert(if by_source { &e.src } else { &e.dst });
        }
        let new: Parties = found.into_iter().filter(|(party, _)| !history.contains(&**party)).collect();
        let window = window_hours * HOUR;
        let start = cut.unwrap_or_else(|| py_max(first_seen, self.watermark - self.window));
        let span = py_max(since - start, window);
        let expected = history.len() as f64 * window / span;
        if new.len() as f64 >= min_rise * expected {
            new
        } else {
            Vec::new()
        }
    }

    fn fan(&self, cur: &Current, s: &Settings, inbound: bool) -> PyResult<Option<Parties>> {
        let need = s.n(MIN_COUNTERPARTIES);
        let account = if inbound { &cur.dst } else { &cur.src };
        if (if inbound { self.payers(account) } else { self.payees(account) }) < need {
            return Ok(None);
        }
        let since = cur.ts - s.f(WINDOW_HOURS) * HOUR;
        let node = self.node(account)?;
        let refs = if inbound { &node.in_edges } else { &node.out_edges };
        let tolerance = s.f(AMOUNT_TOLERANCE);
        let mut parties: Parties = Vec::new();
        let mut seen: HashSet<&str> = HashSet::default();
        for seq in Self::newest(refs, since, SCAN_LIMIT) {
            let e = self.edge(seq);
            let party = if inbound { &e.src } else { &e.dst };
            if !seen.contains(&**party) && (e.amount - cur.amount).abs() <= tolerance * py_max(e.amount, cur.amount) {
                seen.insert(party);
                parties.push((party.clone(), seq));
            }
        }
        if parties.len() < need {
            return Ok(None);
        }
        let parties = self.fresh(parties, refs, node.first_seen, since, inbound, s.f(WINDOW_HOURS), s.f(MIN_RISE));
        Ok(if parties.len() >= need { Some(parties) } else { None })
    }

    fn scatter_gather(&self, cur: &Current, s: &Settings) -> PyResult<Option<Finding>> {
        let sink = &cur.dst;
        let need = s.n(MIN_INTERMEDIARIES);
        if self.payers(sink) < need {
            return Ok(None);
        }
        let since = cur.ts - s.f(WINDOW_HOURS) * HOUR;
        let mut sources: Vec<&Name> = Vec::new();
        for seq in Self::newest(&self.node(&cur.src)?.in_edges, since, FUNDING_LIMIT) {
            let e = self.edge(seq);
            if e.src != *sink && !sources.contains(&&e.src) {
                sources.push(&e.src);
            }
        }
        // `pays(out.dst, sink)` read from the sink's side: the adjacency is kept symmetric, and one map
        // serves every candidate.
        let sink_payers = self.nodes.get(&**sink).map(|n| &n.pred);
        for source in sources {
            let mut paths: Parties = Vec::new();
            let mut index: HashMap<Name, usize> = HashMap::default();
            for seq in Self::newest(&self.node(source)?.out_edges, since, SCAN_LIMIT) {
                let out = self.edge(seq);
                if out.dst != *sink && sink_payers.is_some_and(|payers| payers.contains_key(&*out.dst)) {
                    dict_insert(&mut paths, &mut index, &out.dst, seq);
                }
            }
            if paths.len() >= need {
                return Ok(Some(Finding::ScatterGather { source: source.clone(), paths }));
            }
        }
        Ok(None)
    }

    fn gather_scatter(&self, cur: &Current, s: &Settings) -> PyResult<Option<Finding>> {
        let (min_sources, min_destinations) = (s.n(MIN_SOURCES), s.n(MIN_DESTINATIONS));
        if self.payers(&cur.src) < min_sources || self.payees(&cur.src) < min_destinations {
            return Ok(None);
        }
        let since = cur.ts - s.f(WINDOW_HOURS) * HOUR;
        let hub = self.node(&cur.src)?;
        let (window_hours, min_rise) = (s.f(WINDOW_HOURS), s.f(MIN_RISE));
        let side = |refs: &VecDeque<Ref>, by_source: bool| {
            let mut parties: Parties = Vec::new();
            let mut index: HashMap<Name, usize> = HashMap::default();
            for seq in Self::newest(refs, since, SCAN_LIMIT) {
                let e = self.edge(seq);
                dict_insert(&mut parties, &mut index, if by_source { &e.src } else { &e.dst }, seq);
            }
            parties
        };
        let senders = side(&hub.in_edges, true);
        if senders.len() < min_sources {
            return Ok(None);
        }
        let senders = self.fresh(senders, &hub.in_edges, hub.first_seen, since, true, window_hours, min_rise);
        if senders.len() < min_sources {
            return Ok(None);
        }
        let receivers = side(&hub.out_edges, false);
        if receivers.len() < min_destinations {
            return Ok(None);
        }
        let receivers = self.fresh(receivers, &hub.out_edges, hub.first_seen, since, false, window_hours, min_rise);
        if receivers.len() < min_destinations {
            return Ok(None);
        }
        Ok(Some(Finding::GatherScatter { senders, receivers }))
    }

    /// cycles._path_back: depth-first, backwards from the payer, for a ring that leaves the receiver.
    fn cycle(&self, cur: &Current, s: &Settings) -> Option<Finding> {
        if cur.src == cur.dst {
            return None;
        }
        let since = cur.ts - s.f(WINDOW_HOURS) * HOUR;
        let (tolerance, branching) = (s.f(AMOUNT_TOLERANCE), s.n(MAX_BRANCHING));
        let lag = s.f(MAX_LAG_HOURS) * HOUR;
        let max_depth = s.i(MAX_HOPS) - 1;
        let (target, start) = (&cur.dst, &cur.src);
        let mut budget = SEARCH_BUDGET;
        // The path of every frame is a chain in `links`: (edge, the link before it).
        let mut links: Vec<(u64, Option<usize>)> = Vec::new();
        let mut stack: Vec<(&Name, f64, f64, Option<usize>, i64)> = vec![(start, cur.amount, cur.ts, None, 0)];
        let on_path = |links: &Vec<(u64, Option<usize>)>, mut at: Option<usize>, account: &str| {
            if **start == *account {
                return true;
            }
            while let Some(i) = at {
                if *self.edge(links[i].0).src == *account {
                    return true;
                }
                at = links[i].1;
            }
            false
        };
        while budget > 0 {
            let Some((at, paid, paid_at, path, depth)) = stack.pop() else { break };
            budget -= 1;
            let Some(node) = self.nodes.get(&**at) else { continue };
            let mut tried = 0;
            let latest = paid_at + lag;
            let deeper = depth + 1 < max_depth;
            let mut limit = SCAN_LIMIT;
            for entry in node.in_edges.iter().rev() {
                let ts = entry.ts;
                if ts < since || limit == 0 {
                    break;
                }
                limit -= 1;
                if ts > latest {
                    continue;
                }
                let inbound = self.edge(entry.seq);
                let src = &inbound.src;
                if on_path(&links, path, src) {
                    continue;
                }
                let got = inbound.amount;
                if got >= paid {
                    if got - paid > tolerance * got {
                        continue;
                    }
                } else if paid - got > tolerance * paid {
                    continue;
                }
                if src == target {
                    let mut edges = vec![entry.seq];
                    let mut at = path;
                    while let Some(i) = at {
                        edges.push(links[i].0);
                        at = links[i].1;
                    }
                    return Some(Finding::Cycle(edges));
                }
                if deeper {
                    links.push((entry.seq, path));
                    stack.push((src, got, ts, Some(links.len() - 1), depth + 1));
                }
                tried += 1;
                if tried >= branching {
                    break;
                }
            }
        }
        None
    }

    fn pass_through(&self, cur: &Current, s: &Settings) -> PyResult<Option<Finding>> {
        let since = cur.ts - s.f(WINDOW_MINUTES) * 60.0;
        let node = self.node(&cur.src)?;
        let inflow: Vec<u64> = Self::newest(&node.in_edges, since, SCAN_LIMIT)
            .into_iter()
            .filter(|&seq| {
                let e = self.edge(seq);
                e.ts <= cur.ts && e.src != cur.dst
            })
            .collect();
        if inflow.is_empty() {
            return Ok(None);
        }
        let first_in = inflow.iter().map(|&seq| self.edge(seq).ts).fold(f64::INFINITY, py_min);
        let outflow: Vec<u64> = Self::newest(&node.out_edges, since, SCAN_LIMIT)
            .into_iter()
            .filter(|&seq| self.edge(seq).ts >= first_in)
            .collect();
        let (mut sent, mut received) = (0.0, 0.0);
        for &seq in &outflow {
            sent += self.edge(seq).amount;
        }
        for &seq in &inflow {
            received += self.edge(seq).amount;
        }
        let share = sent / received;
        if !(s.f(MIN_SHARE_OUT) <= share && share <= s.f(MAX_SHARE_OUT)) {
            return Ok(None);
        }
        Ok(Some(Finding::PassThrough { inflow, outflow, share }))
    }

    /// layering._peel: the inflow that funded this transfer and the peels taken off it.
    fn peel(&self, cur: &Current, s: &Settings) -> PyResult<Option<(u64, Vec<u64>)>> {
        let since = cur.ts - s.f(WINDOW_HOURS) * HOUR;
        let payer = self.node(&cur.src)?;
        let payee = self.node(&cur.dst)?;
        let peel_max = s.f(MAX_PEEL_SHARE);
        if payee.in_edges.len() != 1 || !payee.out_edges.is_empty() {
            return Ok(None);
        }
        let Some(funding) = Self::newest(&payer.in_edges, since, SCAN_LIMIT)
            .into_iter()
            .find(|&seq| self.edge(seq).ts <= cur.ts)
        else {
            return Ok(None);
        };
        let f = self.edge(funding);
        if !((1.0 - peel_max) * f.amount <= cur.amount && cur.amount < f.amount) {
            return Ok(None);
        }
        let peels: Vec<u64> = Self::newest(&payer.out_edges, f.ts, SCAN_LIMIT)
            .into_iter()
            .filter(|&seq| Some(seq) != cur.seq && self.edge(seq).amount <= peel_max * f.amount)
            .collect();
        Ok(if peels.is_empty() { None } else { Some((funding, peels)) })
    }

    fn structuring(&self, cur: &Current, s: &Settings) -> PyResult<Option<Finding>> {
        if cur.value <= 0.0 {
            return Ok(None);
        }
        let Some(&line) = s.thresholds.get(&*cur.currency) else { return Ok(None) };
        let floor = line * (1.0 - s.f(MARGIN));
        if !(floor <= cur.value && cur.value < line) {
            return Ok(None);
        }
        let since = cur.ts - s.f(WINDOW_HOURS) * HOUR;
        let near: Vec<u64> = Self::newest(&self.node(&cur.src)?.out_edges, since, SCAN_LIMIT)
            .into_iter()
            .filter(|&seq| {
                let e = self.edge(seq);
                e.currency == cur.currency && floor <= e.value && e.value < line
            })
            .collect();
        if near.len() < s.n(MIN_TRANSFERS) {
            return Ok(None);
        }
        Ok(Some(Finding::Structuring { line, near }))
    }

    fn split_transfers(&self, cur: &Current, s: &Settings) -> PyResult<Option<Finding>> {
        let since = cur.ts - s.f(WINDOW_HOURS) * HOUR;
        let repeats: Vec<u64> = Self::newest(&self.node(&cur.src)?.out_edges, since, SCAN_LIMIT)
            .into_iter()
            .filter(|&seq| self.edge(seq).dst == cur.dst)
            .collect();
        if repeats.len() < s.n(MIN_TRANSFERS) {
            return Ok(None);
        }
        Ok(Some(Finding::Split(repeats)))
    }

    fn velocity_spike(&self, cur: &Current, s: &Settings) -> PyResult<Option<Finding>> {
        let node = self.node(&cur.src)?;
        let history_days = (cur.ts - node.first_seen) / DAY;
        if history_days < s.f(MIN_HISTORY_DAYS) {
            return Ok(None);
        }
        let last = Self::newest(&node.out_edges, cur.ts - DAY, SCAN_LIMIT);
        let last_day = last.len();
        if last_day < s.n(MIN_TRANSFERS) {
            return Ok(None);
        }
        let earlier = node.out_edges.len() - last_day;
        let window_days = py_min(history_days, self.window / DAY);
        let baseline = earlier as f64 / py_max(window_days - 1.0, 1.0);
        if last_day as f64 <= s.f(FACTOR) * py_max(baseline, 1.0 / py_max(window_days, 1.0)) {
            return Ok(None);
        }
        Ok(Some(Finding::Velocity { last_day, baseline, edges: last }))
    }

    fn new_account_value(&self, cur: &Current, s: &Settings) -> PyResult<Option<Finding>> {
        if cur.value <= 0.0 {
            return Ok(None);
        }
        let Some(&line) = s.thresholds.get(&*cur.currency) else { return Ok(None) };
        if cur.value < line {
            return Ok(None);
        }
        let max_age = s.f(MAX_AGE_DAYS) * DAY;
        let observed = s.f(MIN_OBSERVED_DAYS) * DAY;
        for account in [&cur.src, &cur.dst] {
            let first_seen = self.node(account)?.first_seen;
            let age = cur.ts - first_seen;
            if age <= max_age && first_seen - self.started >= observed {
                return Ok(Some(Finding::NewAccount { account: account.clone(), age }));
            }
        }
        Ok(None)
    }

    fn direct(&self, cur: &Current) -> Option<Finding> {
        let listed = |account: &str| self.nodes.get(account).is_some_and(|n| n.listed);
        if listed(&cur.dst) {
            Some(Finding::Direct { role: "beneficiary", account: cur.dst.clone(), other: cur.src.clone() })
        } else if listed(&cur.src) {
            Some(Finding::Direct { role: "originator", account: cur.src.clone(), other: cur.dst.clone() })
        } else {
            None
        }
    }

    fn indirect(&self, cur: &Current, s: &Settings) -> PyResult<Option<Finding>> {
        let max_hops = s.i(MAX_HOPS);
        for account in [&cur.dst, &cur.src] {
            let node = self.node(account)?;
            if node.listed || node.tainted.is_empty() {
                continue;
            }
            let Some((hops, share, source)) = self.taint_share(node) else { continue };
            if 1 < hops && hops <= max_hops && share >= s.f(MIN_SHARE) {
                return Ok(Some(Finding::Indirect { account: account.clone(), hops, share, source }));
            }
        }
        Ok(None)
    }

    fn run(&self, cur: &Current, s: &Settings) -> PyResult<Option<Finding>> {
        Ok(match s.kind {
            Kind::Direct => self.direct(cur),
            Kind::Indirect => self.indirect(cur, s)?,
            Kind::FanIn => self.fan(cur, s, true)?.map(Finding::Fan),
            Kind::FanOut => self.fan(cur, s, false)?.map(Finding::Fan),
            Kind::ScatterGather => self.scatter_gather(cur, s)?,
            Kind::GatherScatter => self.gather_scatter(cur, s)?,
            Kind::Cycle => self.cycle(cur, s),
            Kind::PassThrough => self.pass_through(cur, s)?,
            Kind::PeelChain => match self.peel(cur, s)? {
                None => None,
                Some((funding, peels)) => {
                    let chain = &self.node(&cur.dst)?.chain;
                    if chain.len() < s.n(MIN_HOPS) {
                        None
                    } else {
                        Some(Finding::Peel { chain: chain.clone(), funding, peels })
                    }
                }
            },
            Kind::Structuring => self.structuring(cur, s)?,
            Kind::SplitTransfers => self.split_transfers(cur, s)?,
            Kind::VelocitySpike => self.velocity_spike(cur, s)?,
            Kind::NewAccountValue => self.new_account_value(cur, s)?,
        })
    }
}

/// The transfer graph and the enabled heuristics, as `GraphScreen` drives them.
#[pyclass(unsendable, module = "services.screener.domain._graphcore")]
pub struct GraphCore {
    graph: Graph,
    rules: Vec<Settings>,
    taint_hops: i64,
    peel: Option<usize>,
    currencies: HashSet<Name>,
    /// Set by a panic: the state may break its invariants now, so nothing more is screened with it.
    poisoned: Option<String>,
}

impl GraphCore {
    /// Run `work` on the core. A panic (a broken invariant, a bug) poisons it: that call and every
    /// later one fail with a RuntimeError, so each transfer is held as a screening error (decide.py)
    /// until the screener restarts and rebuilds its graph from the log. Never a silent allow.
    fn guarded<T>(&mut self, work: impl FnOnce(&mut Self) -> PyResult<T>) -> PyResult<T> {
        if let Some(reason) = &self.poisoned {
            return Err(PyRuntimeError::new_err(format!(
                "the graph core stopped after an internal error ({reason}); restart the screener to rebuild its graph"
            )));
        }
        match catch_unwind(AssertUnwindSafe(|| work(self))) {
            Ok(result) => result,
            Err(panic) => {
                let reason = panic
                    .downcast_ref::<&str>()
                    .map(|text| (*text).to_owned())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "a panic".to_owned());
                self.poisoned = Some(reason.clone());
                Err(PyRuntimeError::new_err(format!("graph core internal error: {reason}")))
            }
        }
    }

    fn intern_currency(&mut self, currency: &str) -> Name {
        if let Some(known) = self.currencies.get(currency) {
            return known.clone();
        }
        let name: Name = Rc::from(currency);
        self.currencies.insert(name.clone());
        name
    }

    fn edge_tuple<'py>(&self, py: Python<'py>, seq: u64) -> PyResult<Bound<'py, PyAny>> {
        let e = self.graph.edge(seq);
        (&*e.tid, &*e.src, &*e.dst, e.amount, e.ts, e.value, &*e.currency).into_bound_py_any(py)
    }

    fn edges<'py>(&self, py: Python<'py>, seqs: &[u64]) -> PyResult<Vec<Bound<'py, PyAny>>> {
        seqs.iter().map(|&seq| self.edge_tuple(py, seq)).collect()
    }

    fn parties<'py>(&self, py: Python<'py>, parties: &Parties) -> PyResult<Vec<Bound<'py, PyAny>>> {
        parties.iter().map(|(party, seq)| (&**party, self.edge_tuple(py, *seq)?).into_bound_py_any(py)).collect()
    }

    fn payload<'py>(&self, py: Python<'py>, finding: &Finding) -> PyResult<Bound<'py, PyAny>> {
        match finding {
            Finding::Direct { role, account, other } => (*role, &**account, &**other).into_bound_py_any(py),
            Finding::Indirect { account, hops, share, source } => {
                (&**account, *hops, *share, &**source).into_bound_py_any(py)
            }
            Finding::Fan(parties) => self.parties(py, parties)?.into_bound_py_any(py),
            Finding::ScatterGather { source, paths } => (&**source, self.parties(py, paths)?).into_bound_py_any(py),
            Finding::GatherScatter { senders, receivers } => {
                (self.parties(py, senders)?, self.parties(py, receivers)?).into_bound_py_any(py)
            }
            Finding::Cycle(path) => self.edges(py, path)?.into_bound_py_any(py),
            Finding::PassThrough { inflow, outflow, share } => {
                (self.edges(py, inflow)?, self.edges(py, outflow)?, *share).into_bound_py_any(py)
            }
            Finding::Peel { chain, funding, peels } => {
                let chain: Vec<&str> = chain.iter().map(|c| &**c).collect();
                (chain, self.edge_tuple(py, *funding)?, self.edges(py, peels)?).into_bound_py_any(py)
            }
            Finding::Structuring { line, near } => (*line, self.edges(py, near)?).into_bound_py_any(py),
            Finding::Split(repeats) => self.edges(py, repeats)?.into_bound_py_any(py),
            Finding::Velocity { last_day, baseline, edges } => {
                (*last_day, *baseline, self.edges(py, edges)?).into_bound_py_any(py)
            }
            Finding::NewAccount { account, age } => (&**account, *age).into_bound_py_any(py),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn take(
        &mut self,
        transfer_id: &str,
        src: &str,
        dst: &str,
        amount: f64,
        ts: f64,
        value: f64,
        currency: &str,
        src_listed: bool,
        dst_listed: bool,
    ) -> PyResult<Current> {
        if !amount.is_finite() || !ts.is_finite() || !value.is_finite() {
            return Err(PyValueError::new_err(format!("transfer {transfer_id:?}: amount, time and value must be finite")));
        }
        let mut cur = Current {
            src: Rc::from(src),
            dst: Rc::from(dst),
            amount,
            ts,
            value,
            currency: self.intern_currency(currency),
            seq: None,
        };
        // graph_screen.learn: a party with a listed wallet is marked before the edge goes in.
        if src_listed {
            self.graph.ensure(&cur.src, ts).listed = true;
        }
        if dst_listed {
            self.graph.ensure(&cur.dst, ts).listed = true;
        }
        let tid: Name = Rc::from(transfer_id);
        cur.seq = self.graph.add(&tid, &cur);
        if cur.seq.is_some() {
            self.propagate(&cur);
            if let Some(at) = self.peel {
                if let Some((funding, _)) = self.graph.peel(&cur, &self.rules[at])? {
                    let graph = &mut self.graph;
                    let mut chain = graph.node(&cur.src)?.chain.clone();
                    if chain.is_empty() {
                        chain.push(graph.edge(funding).src.clone());
                    }
                    chain.push(cur.src.clone());
                    graph.nodes.get_mut(&cur.dst).expect("just added").chain = chain;
                }
            }
        }
        Ok(cur)
    }

    /// exposure.propagate: carry the payer's listed-origin share onto the payee, one hop further out.
    fn propagate(&mut self, cur: &Current) {
        let graph = &mut self.graph;
        let src = &graph.nodes[&cur.src];
        if !src.listed && src.tainted.is_empty() {
            return;
        }
        let Some((hops, share, source)) = graph.taint_share(src) else { return };
        if hops + 1 > self.taint_hops {
            return;
        }
        let source = if source.is_empty() { cur.src.clone() } else { source };
        let entry = (cur.ts, hops + 1, cur.amount * share, source);
        graph.nodes.get_mut(&cur.dst).expect("just added").tainted.push_back(entry);
    }
}

#[pymethods]
impl GraphCore {
    #[new]
    fn new(window_seconds: f64, taint_hops: i64) -> PyResult<Self> {
        if !(window_seconds.is_finite() && window_seconds > 0.0) {
            return Err(PyValueError::new_err("the graph window must be a positive number of seconds"));
        }
        Ok(GraphCore {
            graph: Graph {
                window: window_seconds,
                store: VecDeque::new(),
                base: 0,
                ids: HashSet::default(),
                nodes: HashMap::default(),
                watermark: f64::NEG_INFINITY,
                started: f64::INFINITY,
            },
            rules: Vec::new(),
            taint_hops,
            peel: None,
            currencies: HashSet::default(),
            poisoned: None,
        })
    }

    /// Run `rule_id` on every observed transfer, after the rules enabled before it.
    fn enable(&mut self, rule_id: &str, params: HashMap<String, f64>, thresholds: Vec<(String, f64)>) -> PyResult<()> {
        let (kind, needs) = Kind::parse(rule_id)?;
        if self.rules.iter().any(|r| r.kind == kind) {
            return Err(PyValueError::new_err(format!("{rule_id} is enabled twice")));
        }
        for name in needs {
            match params.get(*name) {
                Some(value) if value.is_finite() => {}
                _ => return Err(PyValueError::new_err(format!("{rule_id}: missing or non-finite setting {name:?}"))),
            }
        }
        if kind == Kind::PeelChain {
            self.peel = Some(self.rules.len());
        }
        let mut values = [f64::NAN; PARAMETERS.len()];
        for (at, name) in PARAMETERS.iter().enumerate() {
            if let Some(&value) = params.get(*name) {
                values[at] = value;
            }
        }
        // Later entries win, as in structuring.thresholds().
        let thresholds = thresholds.into_iter().collect();
        self.rules.push(Settings { rule_id: rule_id.to_owned(), kind, values, thresholds });
        Ok(())
    }

    /// Add one transfer to the window without screening it; False when the graph did not take it.
    #[allow(clippy::too_many_arguments)]
    fn learn(
        &mut self,
        transfer_id: &str,
        src: &str,
        dst: &str,
        amount: f64,
        ts: f64,
        value: f64,
        currency: &str,
        src_listed: bool,
        dst_listed: bool,
    ) -> PyResult<bool> {
        self.guarded(|core| {
            Ok(core.take(transfer_id, src, dst, amount, ts, value, currency, src_listed, dst_listed)?.seq.is_some())
        })
    }

    /// Learn the transfer, then run the enabled rules: [(rule id, finding)] in the order they were enabled.
    /// Edges come back as (transfer_id, src, dst, amount, ts, value, currency).
    #[allow(clippy::too_many_arguments)]
    fn observe<'py>(
        &mut self,
        py: Python<'py>,
        transfer_id: &str,
        src: &str,
        dst: &str,
        amount: f64,
        ts: f64,
        value: f64,
        currency: &str,
        src_listed: bool,
        dst_listed: bool,
    ) -> PyResult<Vec<Bound<'py, PyTuple>>> {
        self.guarded(|core| {
            let cur = core.take(transfer_id, src, dst, amount, ts, value, currency, src_listed, dst_listed)?;
            let mut found = Vec::new();
            for settings in &core.rules {
                if let Some(finding) = core.graph.run(&cur, settings)? {
                    found.push((settings.rule_id.as_str(), core.payload(py, &finding)?).into_pyobject(py)?);
                }
            }
            Ok(found)
        })
    }

    /// Test hook: panic inside the core, as a broken invariant would.
    fn _panic_for_tests(&mut self) -> PyResult<()> {
        self.guarded(|_| panic!("test hook: a broken invariant"))
    }

    /// Fewest hops from the account back to a listed wallet holder, if it holds traced funds.
    fn exposure_hops(&mut self, account: &str) -> PyResult<Option<i64>> {
        self.guarded(|core| {
            let graph = &core.graph;
            Ok(graph.nodes.get(account).and_then(|node| graph.taint_share(node)).map(|found| found.0))
        })
    }

    /// The multigraph's edges as (src, dst, transfer_id), for tests and inspection.
    fn edge_keys(&self) -> Vec<(String, String, String)> {
        self.graph
            .store
            .iter()
            .filter(|e| e.in_nx)
            .map(|e| (e.src.to_string(), e.dst.to_string(), e.tid.to_string()))
            .collect()
    }

    /// Accounts with state in the window.
    fn accounts(&self) -> usize {
        self.graph.nodes.len()
    }

    #[getter]
    fn watermark(&self) -> f64 {
        self.graph.watermark
    }

    fn __len__(&self) -> usize {
        self.graph.store.len()
    }
}

#[pymodule]
fn _graphcore(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<GraphCore>()?;
    Ok(())
}
